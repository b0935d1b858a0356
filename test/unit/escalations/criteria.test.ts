// The criteria gate: each 21Vianet criterion decided and recorded, rules as data.
import { describe, expect, it } from "vitest";
import { CriteriaRules, evaluateCriteria } from "../../../shared/escalations/criteria.js";
import { buildEscalationRequest } from "./builders.js";

const defaultRules = CriteriaRules.parse({});

describe("evaluateCriteria", () => {
  it("when first-line work was done and documented, then every criterion is met and recorded", () => {
    const outcome = evaluateCriteria(buildEscalationRequest(), defaultRules);
    expect(outcome.met).toBe(true);
    expect(outcome.decisions.map((decision) => [decision.criterion, decision.met])).toEqual([
      ["service-health-checked", true],
      ["admin-center-attempted", true],
      ["first-line-steps-documented", true],
      ["not-first-line-only", true],
    ]);
  });

  it("when service health was not checked and nothing was tried, then each unmet criterion is named", () => {
    const outcome = evaluateCriteria(
      buildEscalationRequest({ firstLineSupport: { serviceHealthChecked: false, adminCenterAttempted: false, stepsTaken: [] } }),
      defaultRules,
    );
    expect(outcome.met).toBe(false);
    expect(outcome.decisions.filter((decision) => !decision.met).map((decision) => decision.criterion)).toEqual([
      "service-health-checked",
      "admin-center-attempted",
      "first-line-steps-documented",
    ]);
  });

  it.each(["how-to", "account-setup", "password-reset", "configuration", "client-connectivity"] as const)(
    "when the category is %s, then it stays with the partner",
    (category) => {
      const outcome = evaluateCriteria(buildEscalationRequest({ category }), defaultRules);
      expect(outcome.decisions.find((decision) => decision.criterion === "not-first-line-only")).toMatchObject({ met: false });
    },
  );

  it("when the matter is a billing dispute, then it escalates", () => {
    expect(evaluateCriteria(buildEscalationRequest({ category: "billing-dispute" }), defaultRules).met).toBe(true);
  });

  it("when no category is given but the title asks for a password reset, then the title rule catches it", () => {
    const outcome = evaluateCriteria(buildEscalationRequest({ title: "Please reset the password for the CEO" }), defaultRules);
    expect(outcome.decisions.find((decision) => decision.criterion === "not-first-line-only")?.detail).toContain("password-reset");
  });

  it("when the rules relax a criterion, then it is met and still recorded", () => {
    const rules = CriteriaRules.parse({ requireAdminCenterAttempted: false, minimumStepsTaken: 0 });
    const outcome = evaluateCriteria(
      buildEscalationRequest({ firstLineSupport: { serviceHealthChecked: true, adminCenterAttempted: false, stepsTaken: [] } }),
      rules,
    );
    expect(outcome.met).toBe(true);
    expect(outcome.decisions).toHaveLength(4);
  });

  it("when rules name an unknown category, then parsing the rules fails", () => {
    expect(CriteriaRules.safeParse({ firstLineOnlyCategories: ["gossip"] }).success).toBe(false);
  });
});
