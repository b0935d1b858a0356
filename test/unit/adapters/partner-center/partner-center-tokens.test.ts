// A failing refresh token store is named as the store's failure, never as an unreachable token
// endpoint: nothing is sent to Entra when the store cannot be read.
import { describe, expect, it } from "vitest";
import {
  CredentialState,
  MsalTokenSource,
  type RefreshTokenStore,
} from "../../../../shared/adapters/partner-center/partner-center-tokens.js";

function sourceOver(store: RefreshTokenStore, state: CredentialState): MsalTokenSource {
  return new MsalTokenSource({
    clientId: "00000000-0000-4000-8000-000000000001",
    clientSecret: "client-secret-placeholder",
    authority: "https://login.partner.microsoftonline.cn/partner.partner.onmschina.cn",
    grant: { kind: "refresh-token", refreshToken: "refresh-token-placeholder" },
    refreshTokens: store,
    credentialState: state,
  });
}

const refusingLoad = (error: Error): RefreshTokenStore => ({
  load: () => Promise.reject(error),
  save: () => Promise.resolve(),
});

describe("MsalTokenSource, when the refresh token store cannot be read", () => {
  it("when Table Storage refuses the read, then the token request fails naming the store and its answer, with the store's error as cause", async () => {
    const state = new CredentialState();
    const tableError = Object.assign(new Error("This request is not authorized to perform this operation."), {
      name: "RestError",
      code: "AuthorizationFailure",
      statusCode: 403,
    });
    const failure = await sourceOver(refusingLoad(tableError), state)
      .getToken()
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      name: "TokenRequestError",
      code: "token-request-failed",
      reason: "refresh token store: HTTP 403",
    });
    expect(failure instanceof Error && failure.cause).toBe(tableError);
    expect(state.problem?.code).toBe("refresh token store: HTTP 403");
  });

  it("when the store is unreachable, then the kind of network failure is named, not the token endpoint", async () => {
    const state = new CredentialState();
    const socketError = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:10002"), { code: "ECONNREFUSED" });
    const failure = await sourceOver(refusingLoad(socketError), state)
      .getToken()
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ reason: "refresh token store: connection refused" });
    expect(state.problem?.code).not.toContain("token endpoint");
  });

  it("when Key Vault refuses the read, then its own safe code names the failure", async () => {
    const state = new CredentialState();
    const vaultError = Object.assign(new Error("could not load"), { errorCode: "key vault 403 Forbidden" });
    const failure = await sourceOver(refusingLoad(vaultError), state)
      .getToken()
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ reason: "refresh token store: key vault 403 Forbidden" });
  });
});
