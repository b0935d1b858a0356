// The error family: a closed code on every error the app throws on purpose, the standard cause
// kept, and the whole chain in the log line.
import { describe, expect, it } from "vitest";
import { BRIDGE_ERROR_CODES, BridgeError, errorForLog, isBridgeError } from "../../../shared/lib/errors.js";
import { EscalationExistsError } from "../../../shared/domain/escalations/ports.js";
import { TokenRequestError } from "../../../shared/adapters/partner-center/partner-center-tokens.js";
import { PartnerCenterError } from "../../../shared/adapters/partner-center/partner-center-channel.js";
import { ConfigError } from "../../../shared/settings/app-settings.js";
import { HttpTimeoutError } from "../../../shared/adapters/http/http-transport.js";

describe("BridgeError", () => {
  it("when it stands for another failure, then that failure is its cause, not part of its message", () => {
    const socket = Object.assign(new Error("read ECONNRESET 10.1.2.3:443"), { code: "ECONNRESET" });
    const error = new BridgeError("partner-center-failed", "no answer from Partner Center", { cause: socket });
    expect(error).toMatchObject({ name: "BridgeError", code: "partner-center-failed" });
    expect(error.cause).toBe(socket);
    expect(error.message).not.toContain("10.1.2.3");
  });

  it.each([
    [new EscalationExistsError("esc-1"), "EscalationExistsError", "escalation-exists"],
    [new TokenRequestError("invalid_grant (AADSTS700082)"), "TokenRequestError", "token-request-failed"],
    [
      new PartnerCenterError("Partner Center answered HTTP 404", { status: 404 }),
      "PartnerCenterError",
      "partner-center-failed",
    ],
    [new ConfigError(["QUEUE: required"]), "ConfigError", "invalid-settings"],
    [new HttpTimeoutError("no complete answer within 10 ms"), "TimeoutError", "http-timeout"],
  ])("when a %s is thrown, then it is a BridgeError named %j with code %j", (error, name, code) => {
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ name, code });
    expect(BRIDGE_ERROR_CODES).toContain(error.code);
  });

  it("when the codes are listed, then none is listed twice", () => {
    expect(new Set(BRIDGE_ERROR_CODES).size).toBe(BRIDGE_ERROR_CODES.length);
  });
});

describe("isBridgeError", () => {
  it("when asked for a code, then only errors of that code pass", () => {
    const error = new TokenRequestError("token request timed out");
    expect(isBridgeError(error)).toBe(true);
    expect(isBridgeError(error, "token-request-failed")).toBe(true);
    expect(isBridgeError(error, "partner-center-failed")).toBe(false);
    expect(isBridgeError(new Error("token request failed"))).toBe(false);
    expect(isBridgeError({ name: "BridgeError", code: "token-request-failed" })).toBe(false);
  });
});

describe("errorForLog", () => {
  it("when an error has causes, then the log line carries each with its name, code and message", () => {
    const socket = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:7300"), { code: "ECONNREFUSED" });
    const token = new TokenRequestError("token endpoint unreachable", { cause: socket });
    expect(
      errorForLog(new PartnerCenterError("token: token endpoint unreachable", {}, { cause: token })),
    ).toMatchObject({
      name: "PartnerCenterError",
      code: "partner-center-failed",
      message: "token: token endpoint unreachable",
      cause: {
        name: "TokenRequestError",
        code: "token-request-failed",
        cause: { name: "Error", message: "connect ECONNREFUSED 127.0.0.1:7300" },
      },
    });
  });

  it("when the causes form a cycle, then the log line stops after a few", () => {
    const first = new Error("first");
    const second = new Error("second", { cause: first });
    first.cause = second;
    let causes = 0;
    let entry: unknown = errorForLog(first);
    while (typeof entry === "object" && entry !== null && "cause" in entry) {
      entry = entry.cause;
      causes++;
    }
    expect(causes).toBe(5);
  });

  it("when something other than an Error is thrown, then the log line is its text", () => {
    expect(errorForLog("boom")).toBe("boom");
  });
});
