// The Key Vault refresh token store through the real @azure/keyvault-secrets client against a
// local HTTPS vault: the bearer challenge, new versions at each save, and refusals surfacing.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  KeyVaultRefreshTokenStore,
  REFRESH_TOKEN_CONTENT_TYPE,
  RefreshTokenVaultError,
} from "../../../../shared/adapters/key-vault/key-vault-refresh-token-store.js";
import type { StoredRefreshToken } from "../../../../shared/adapters/partner-center/partner-center-tokens.js";
import { FAKE_VAULT_ACCESS_TOKEN, startFakeKeyVault, type FakeKeyVault } from "../../fake-key-vault.js";

let vault: FakeKeyVault;

beforeAll(async () => {
  vault = await startFakeKeyVault();
});
afterAll(() => vault.close());

/** Stands in for the managed identity: hands out one token and records what it was asked for. */
function recordingCredential(): TokenCredential & { asked: { scopes: string[]; tenantId: string | undefined }[] } {
  const asked: { scopes: string[]; tenantId: string | undefined }[] = [];
  return {
    asked,
    getToken: (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> => {
      asked.push({ scopes: [scopes].flat(), tenantId: options?.tenantId });
      return Promise.resolve({ token: FAKE_VAULT_ACCESS_TOKEN, expiresOnTimestamp: Date.now() + 60 * 60_000 });
    },
  };
}

/**
 * The vault's certificate is trusted through this client's own `tlsOptions` (the pipeline builds
 * an https.Agent with that CA), not NODE_EXTRA_CA_CERTS, which would trust it process-wide. The
 * challenge names the real Key Vault resource, which 127.0.0.1 is not a host of: the check that
 * stops a token going to a look-alike vault is turned off for the local vault only.
 */
function clientFor(credential: TokenCredential, options: { verifyChallengeResource?: boolean } = {}): SecretClient {
  return new SecretClient(vault.url, credential, {
    tlsOptions: { ca: vault.certificate },
    disableChallengeResourceVerification: options.verifyChallengeResource !== true,
    retryOptions: { maxRetries: 0 },
  });
}

const token = (overrides: Partial<StoredRefreshToken> = {}): StoredRefreshToken => ({
  token: "rt.first",
  seededFrom: "a".repeat(64),
  savedAt: "2026-12-06T20:00:00.000Z",
  ...overrides,
});

describe("KeyVaultRefreshTokenStore", () => {
  it("when the secret does not exist, then load answers undefined after answering the vault's bearer challenge", async () => {
    const credential = recordingCredential();
    const store = new KeyVaultRefreshTokenStore(clientFor(credential), "rt-missing");
    expect(await store.load()).toBeUndefined();
    const requests = vault.received.filter((request) => request.path.startsWith("/secrets/rt-missing"));
    expect(requests.map((request) => [request.method, request.authorization])).toEqual([
      ["GET", undefined],
      ["GET", `Bearer ${FAKE_VAULT_ACCESS_TOKEN}`],
    ]);
    expect(requests[1]?.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}$|^7\.\d$/);
    expect(credential.asked).toEqual([{ scopes: ["https://vault.azure.net/.default"], tenantId: "tenant" }]);
  });

  it("when a token is saved, then load answers its value and tags, and the vault holds it as a tagged secret", async () => {
    const store = new KeyVaultRefreshTokenStore(clientFor(recordingCredential()), "rt-round-trip");
    await store.save(token());
    expect(await new KeyVaultRefreshTokenStore(clientFor(recordingCredential()), "rt-round-trip").load()).toEqual(
      token(),
    );
    expect(vault.versions("rt-round-trip")).toEqual([
      expect.objectContaining({
        value: "rt.first",
        contentType: REFRESH_TOKEN_CONTENT_TYPE,
        tags: { seededFrom: "a".repeat(64), savedAt: "2026-12-06T20:00:00.000Z" },
      }),
    ]);
  });

  it("when a token is saved again, then it is a new version and load answers the newest", async () => {
    const store = new KeyVaultRefreshTokenStore(clientFor(recordingCredential()), "rt-rotation");
    await store.save(token());
    await store.save(token({ token: "rt.second", seededFrom: "b".repeat(64), savedAt: "2026-12-06T21:00:00.000Z" }));
    expect(await store.load()).toEqual({
      token: "rt.second",
      seededFrom: "b".repeat(64),
      savedAt: "2026-12-06T21:00:00.000Z",
    });
    const versions = vault.versions("rt-rotation");
    expect(versions.map((version) => version.value)).toEqual(["rt.first", "rt.second"]);
    expect(new Set(versions.map((version) => version.version)).size).toBe(2);
  });

  it("when the newest version has no tags (written by hand), then load answers undefined and the configured token starts the line", async () => {
    const client = clientFor(recordingCredential());
    await client.setSecret("rt-untagged", "rt.pasted");
    expect(await new KeyVaultRefreshTokenStore(client, "rt-untagged").load()).toBeUndefined();
  });

  it("when the vault refuses (403), then load and save fail with the status and code, never the token, and never answer undefined", async () => {
    vault.refuse("rt-forbidden", 403, "Forbidden");
    const store = new KeyVaultRefreshTokenStore(clientFor(recordingCredential()), "rt-forbidden");
    const loading = await store.load().catch((error: unknown) => error);
    expect(loading).toBeInstanceOf(RefreshTokenVaultError);
    expect(loading).toMatchObject({ operation: "load", statusCode: 403, errorCode: "key vault 403 Forbidden" });
    const saving = await store.save(token({ token: "rt.must-not-leak" })).catch((error: unknown) => error);
    expect(saving).toMatchObject({ operation: "save", statusCode: 403, errorCode: "key vault 403 Forbidden" });
    // What a log line of the error would show, the SDK's error in `cause` included.
    expect(`${JSON.stringify(saving)} ${inspect(saving, { depth: 8 })}`).not.toContain("rt.must-not-leak");
  });

  it("when the challenge names a resource the vault's host is not part of, then the client refuses to send it a token", async () => {
    const credential = recordingCredential();
    const store = new KeyVaultRefreshTokenStore(
      clientFor(credential, { verifyChallengeResource: true }),
      "rt-lookalike",
    );
    await expect(store.load()).rejects.toMatchObject({
      name: "RefreshTokenVaultError",
      errorCode: "key vault request failed",
    });
    expect(credential.asked).toEqual([]);
    expect(
      vault.received
        .filter((request) => request.path.startsWith("/secrets/rt-lookalike"))
        .map((request) => request.authorization),
    ).toEqual([undefined]);
  });

  it("when a client does not trust the vault's certificate, then it cannot reach the vault: the trust given to the other clients is their own", async () => {
    const untrusting = new SecretClient(vault.url, recordingCredential(), {
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 0 },
    });
    await expect(new KeyVaultRefreshTokenStore(untrusting, "rt-untrusted").load()).rejects.toMatchObject({
      name: "RefreshTokenVaultError",
      errorCode: "key vault unreachable",
      statusCode: undefined,
    });
    expect(vault.received.filter((request) => request.path.startsWith("/secrets/rt-untrusted"))).toEqual([]);
  });
});
