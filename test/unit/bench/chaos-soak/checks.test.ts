// The chaos soak's verdicts: each check fails for exactly the escalations that break it.
import { describe, expect, it } from "vitest";
import {
  backwardMoves,
  checkSoak,
  escalationIdInTitle,
  reachableForward,
  type SoakEscalation,
} from "../../../../bench/chaos-soak/checks.js";

function forwarded(id: string, overrides: Partial<SoakEscalation> = {}): SoakEscalation {
  return {
    id,
    observed: ["queued", "forwarded"],
    status: "forwarded",
    history: [
      { from: null, to: "queued" },
      { from: "queued", to: "forwarded" },
    ],
    attempts: 1,
    vianetCode: undefined,
    ...overrides,
  };
}

const titleFor = (id: string) => `Exchange Online mail flow stopped [escalation:${id}]`;

function failedChecks(
  escalations: readonly SoakEscalation[],
  titles: readonly string[],
): Record<string, readonly string[]> {
  return Object.fromEntries(
    checkSoak(escalations, titles).flatMap((check) => (check.passed ? [] : [[check.name, check.failures]])),
  );
}

describe("chaos soak checks", () => {
  it("when every escalation was forwarded once along a forward path, then every check passes", () => {
    expect(failedChecks([forwarded("a"), forwarded("b")], [titleFor("a"), titleFor("b")])).toEqual({});
  });

  it("when an escalation has two service requests or none, then the one-request check names it", () => {
    const failures = failedChecks([forwarded("a"), forwarded("b")], [titleFor("a"), titleFor("a")]);

    expect(failures["exactly one 21Vianet service request each"]).toEqual([
      "a (forwarded) has 2",
      "b (forwarded) has 0",
    ]);
  });

  it("when a service request belongs to no submitted escalation or has no marker, then it is reported", () => {
    const failures = failedChecks([forwarded("a")], [titleFor("a"), titleFor("z"), "no marker"]);

    expect(failures["exactly one 21Vianet service request each"]).toEqual([
      "a service request without an escalation marker: no marker",
      "a service request for z, which the soak did not submit",
    ]);
  });

  it("when an escalation is still queued, then the final-state check names it", () => {
    const queued = forwarded("a", { status: "queued", observed: ["queued"], history: [{ from: null, to: "queued" }] });

    expect(failedChecks([queued], [])["every escalation reached a final state"]).toEqual(["a is still queued"]);
  });

  it("when an escalation was rejected, then the check names its 21Vianet code", () => {
    const rejected = forwarded("a", {
      status: "rejected",
      observed: ["queued", "rejected"],
      history: [
        { from: null, to: "queued" },
        { from: "queued", to: "rejected" },
      ],
      vianetCode: "900127",
    });

    expect(failedChecks([rejected], [])["none rejected"]).toEqual(["a rejected with 21Vianet code 900127"]);
  });

  it("when a status was seen going back, or the history jumps or moves back, then each is a backward move", () => {
    expect(backwardMoves(forwarded("a", { observed: ["queued", "forwarded", "queued", "forwarded"] }))).toEqual([
      "seen as forwarded, later as queued",
    ]);
    expect(
      backwardMoves(
        forwarded("b", {
          status: "queued",
          history: [
            { from: null, to: "queued" },
            { from: "queued", to: "failed" },
            { from: "failed", to: "queued" },
          ],
          observed: ["queued"],
        }),
      ),
    ).toEqual(["history moved failed->queued"]);
    expect(
      backwardMoves(
        forwarded("c", {
          history: [
            { from: null, to: "queued" },
            { from: "awaiting_portal", to: "forwarded" },
          ],
        }),
      ),
    ).toEqual(["history entry awaiting_portal->forwarded does not start where the one before ended (queued)"]);
  });

  it("when the soak missed statuses in between, then a forward jump is no backward move", () => {
    expect(reachableForward("queued", "closed")).toBe(true);
    expect(reachableForward("awaiting_portal", "forwarded")).toBe(true);
    expect(reachableForward("forwarded", "queued")).toBe(false);
    expect(reachableForward("failed", "queued")).toBe(false);
  });

  it("reads the escalation id from a title's marker", () => {
    expect(escalationIdInTitle(titleFor("01JABC"))).toBe("01JABC");
    expect(escalationIdInTitle("plain title")).toBeUndefined();
  });
});
