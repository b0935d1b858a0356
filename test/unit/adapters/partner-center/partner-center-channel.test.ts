// The Partner Center channel keeps the socket error behind an unanswered call as the cause: the
// history gets a few safe words, the log the error itself.
import { describe, expect, it } from "vitest";
import {
  PartnerCenterChannel,
  PartnerCenterError,
} from "../../../../shared/adapters/partner-center/partner-center-channel.js";
import type { HttpTransport } from "../../../../shared/adapters/http/http-transport.js";
import { queuedEscalation } from "../../domain/forwarding/fakes.js";

const attempt = {
  requestId: "4d5f1a7e-9c1b-4f0e-8a51-0b6a2f3c9d10",
  correlationId: "0f8e2c1d-3b4a-4c5d-9e6f-7a8b9c0d1e2f",
};

function channelOver(transport: HttpTransport, getToken = () => Promise.resolve("token")): PartnerCenterChannel {
  return new PartnerCenterChannel({
    apiUrl: "https://partner.partnercenterapi.microsoftonline.cn",
    tokens: { getToken },
    transport,
    supportTopicId: "32444671",
  });
}

const connectionReset = () =>
  Object.assign(new Error("read ECONNRESET 10.20.30.40:443"), { code: "ECONNRESET", syscall: "read" });

describe("PartnerCenterChannel, when Partner Center does not answer", () => {
  it("when the connection is reset during the create call, then the outcome is unknown, says so in safe words, and keeps the socket error as cause", async () => {
    const { escalation } = await queuedEscalation();
    const socketError = connectionReset();
    const outcome = await channelOver(() => Promise.reject(socketError)).submit(escalation, attempt);
    expect(outcome).toEqual({
      kind: "unknown",
      reason: "no answer from Partner Center: connection reset",
      cause: socketError,
    });
    expect(outcome.kind === "unknown" && outcome.cause).toBe(socketError);
  });

  it("when the lookup after an unknown outcome gets no answer, then the PartnerCenterError names the kind and keeps the socket error as cause", async () => {
    const { escalation } = await queuedEscalation();
    const socketError = connectionReset();
    const error = await channelOver(() => Promise.reject(socketError))
      .findExisting(escalation)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartnerCenterError);
    expect(error).toMatchObject({
      code: "partner-center-failed",
      message: "no answer from Partner Center: connection reset",
      status: undefined,
    });
    expect(error instanceof Error && error.cause).toBe(socketError);
    expect(error instanceof Error && error.message).not.toContain("10.20.30.40");
  });

  it("when no token can be had for the lookup, then the PartnerCenterError keeps the token failure as cause", async () => {
    const { escalation } = await queuedEscalation();
    const tokenFailure = Object.assign(new Error("AADSTS700082: The refresh token has expired"), {
      errorCode: "invalid_grant",
    });
    const error = await channelOver(
      () => Promise.reject(new Error("no call expected")),
      () => Promise.reject(tokenFailure),
    )
      .findExisting(escalation)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "PartnerCenterError", message: "token: invalid_grant (AADSTS700082)" });
    expect(error instanceof Error && error.cause).toBe(tokenFailure);
  });
});
