// Failure kinds: the one word a caller is shown instead of an error's own text.
import { describe, expect, it } from "vitest";
import { failureKindOf } from "../../../shared/lib/failure-kind.js";

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
