// Failure kinds: the one word a caller is shown instead of an error's own text, and the few safe
// words an escalation's history keeps.
import { describe, expect, it } from "vitest";
import { describeFailure, failureKindOf } from "../../../shared/lib/failure-kind.js";
import { BridgeError } from "../../../shared/lib/errors.js";
import { HttpTimeoutError } from "../../../shared/adapters/http/http-transport.js";
import { BlockedAddressError } from "../../../shared/adapters/http/outbound-policy.js";

function errorWith(fields: {
  name?: string;
  code?: string;
  errorCode?: string;
  status?: number;
  message: string;
}): Error {
  return Object.assign(new Error(fields.message), fields);
}

describe("failureKindOf", () => {
  it.each([
    [errorWith({ name: "TimeoutError", message: "no complete answer within 30000 ms" }), "timeout"],
    [errorWith({ code: "ECONNRESET", message: "socket hang up" }), "unreachable"],
    [
      errorWith({
        name: "ServerError",
        errorCode: "invalid_grant",
        message: "AADSTS700082: The refresh token has expired due to inactivity.",
      }),
      "unauthorised",
    ],
    [
      errorWith({
        name: "ClientAuthError",
        errorCode: "network_error",
        message: "Network request failed: getaddrinfo ENOTFOUND login.partner.microsoftonline.cn",
      }),
      "unreachable",
    ],
    [
      errorWith({ name: "PartnerCenterError", status: 401, message: "Partner Center answered HTTP 401" }),
      "unauthorised",
    ],
    [errorWith({ name: "PartnerCenterError", status: 503, message: "Partner Center answered HTTP 503" }), "error"],
    [undefined, "error"],
  ])("when the error is %o, then its kind is %j", (error, kind) => {
    expect(failureKindOf(error)).toBe(kind);
  });
});

describe("describeFailure", () => {
  it.each([
    [errorWith({ code: "ECONNRESET", message: "read ECONNRESET" }), "unreachable", "connection reset"],
    [errorWith({ code: "EPIPE", message: "write EPIPE" }), "unreachable", "connection reset"],
    [
      errorWith({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 10.0.0.4:443" }),
      "unreachable",
      "connection refused",
    ],
    [
      errorWith({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND pc.example" }),
      "unreachable",
      "host name not resolved",
    ],
    [errorWith({ code: "EHOSTUNREACH", message: "connect EHOSTUNREACH" }), "unreachable", "network error"],
    [new HttpTimeoutError("no complete answer within 30000 ms"), "timeout", "timed out"],
    [errorWith({ code: "UND_ERR_CONNECT_TIMEOUT", message: "Connect Timeout Error" }), "timeout", "timed out"],
    [errorWith({ name: "AbortError", message: "This operation was aborted" }), "timeout", "timed out"],
    [
      new BlockedAddressError("pc.example resolves to 10.0.0.4, which is not a public address"),
      "unreachable",
      "address not allowed",
    ],
    [errorWith({ status: 403, message: "This request is not authorized" }), "unauthorised", "HTTP 403"],
    [new Error("answer larger than 8388608 bytes"), "error", "network error"],
  ])("when the error is %o, then it is %j, shown as %j", (error, kind, words) => {
    expect(describeFailure(error)).toEqual({ kind, words });
  });

  it("when a failure is of no known kind, then the caller's own words name it", () => {
    expect(describeFailure(new Error("disk full"), "the store refused it")).toEqual({
      kind: "error",
      words: "the store refused it",
    });
  });

  it("when the app's own error says its kind by its code, then that kind wins", () => {
    expect(failureKindOf(new BridgeError("credentials-refused", "configuration problem since 2026-11-26"))).toBe(
      "unauthorised",
    );
    expect(failureKindOf(new BridgeError("probe-timeout", "no answer within 5000 ms"))).toBe("timeout");
  });
});
