import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConfidentialClientApplication } from "@azure/msal-node";
import {
  DEFAULT_REFRESH_TOKEN,
  PARTNER_CENTER_DEFAULT_SCOPE,
  PARTNER_CENTER_USER_SCOPE,
  sandboxNetworkClient,
  start,
  type RunningSandbox,
} from "../../../../local/vianet-sandbox/index.js";
import { call, msalClient, userToken, validBody } from "./helpers.js";

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await start({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

describe("token endpoint with @azure/msal-node", () => {
  test("client credentials: MSAL discovers the authority from the sandbox and gets a bearer token", async () => {
    const log: string[] = [];
    const result = await msalClient(sandbox, log).acquireTokenByClientCredential({
      scopes: [PARTNER_CENTER_DEFAULT_SCOPE],
    });
    expect(result?.accessToken).toMatch(/^pcs\./);
    expect(result?.tokenType).toBe("Bearer");
    expect(result?.expiresOn?.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(log.map((l) => l.replace(/\?.*$/, ""))).toEqual([
      "GET https://login.microsoftonline.com/common/discovery/instance",
      `GET ${sandbox.authority()}/v2.0/.well-known/openid-configuration`,
      `POST ${sandbox.authority()}/oauth2/v2.0/token`,
    ]);
  });

  test("refresh token: App+User token, a rotated refresh token and an account", async () => {
    const result = await msalClient(sandbox).acquireTokenByRefreshToken({
      refreshToken: DEFAULT_REFRESH_TOKEN,
      scopes: [PARTNER_CENTER_USER_SCOPE],
    });
    expect(result?.accessToken).toMatch(/^pcs\./);
    expect(result?.account?.username).toBe("admin@sandbox-partner.partner.onmschina.cn");
    expect(result?.scopes).toContain(PARTNER_CENTER_USER_SCOPE);
  });

  test("wrong client secret is refused with invalid_client", async () => {
    await expect(
      msalClient(sandbox, undefined, "wrong").acquireTokenByClientCredential({
        scopes: [PARTNER_CENTER_DEFAULT_SCOPE],
      }),
    ).rejects.toMatchObject({
      errorCode: "invalid_client",
    });
  });

  test("unknown refresh token is refused with invalid_grant", async () => {
    await expect(
      msalClient(sandbox).acquireTokenByRefreshToken({ refreshToken: "nope", scopes: [PARTNER_CENTER_USER_SCOPE] }),
    ).rejects.toMatchObject({
      errorCode: "invalid_grant",
    });
  });

  test("client credentials for a non-Partner-Center audience is refused", async () => {
    await expect(
      msalClient(sandbox).acquireTokenByClientCredential({
        scopes: ["https://microsoftgraph.chinacloudapi.cn/.default"],
      }),
    ).rejects.toMatchObject({
      errorCode: "invalid_scope",
    });
  });

  test("a configured app and refresh token work as well", async () => {
    const other = await start({
      port: 0,
      apps: [{ clientId: "app-2", clientSecret: "s2" }],
      refreshTokens: [{ token: "rt-2", clientId: "app-2", user: { upn: "ops@p.cn" } }],
    });
    try {
      const cca = new ConfidentialClientApplication({
        auth: { clientId: "app-2", clientSecret: "s2", authority: other.authority("partner.onmschina.cn") },
        system: { networkClient: sandboxNetworkClient(other.url) },
      });
      const result = await cca.acquireTokenByRefreshToken({
        refreshToken: "rt-2",
        scopes: [PARTNER_CENTER_USER_SCOPE],
      });
      expect(result?.account?.username).toBe("ops@p.cn");
      await expect(
        msalClient(other).acquireTokenByClientCredential({ scopes: [PARTNER_CENTER_DEFAULT_SCOPE] }),
      ).rejects.toMatchObject({
        errorCode: "unauthorized_client",
      });
    } finally {
      await other.close();
    }
  });
});

describe("API authorization", () => {
  test("missing bearer token -> 401 with a Partner Center error", async () => {
    const response = await call(sandbox, "POST", "/v1/servicerequests/zh-CN", { token: null, body: validBody });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "401" });
  });

  test("unknown token -> 401", async () => {
    const response = await call(sandbox, "GET", "/v1/customers/t/servicerequests", { token: "pcs.forged" });
    expect(response.status).toBe(401);
  });

  test("expired token -> 401", async () => {
    const token = await userToken(sandbox);
    expect((await call(sandbox, "GET", "/v1/customers/t/servicerequests", { token })).status).toBe(200);
    sandbox.expireTokens();
    const response = await call(sandbox, "GET", "/v1/customers/t/servicerequests", { token });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("invalid_token");
  });

  test("app-only token -> 403 (service requests take App+User tokens), unless allowed", async () => {
    const appOnly = await msalClient(sandbox).acquireTokenByClientCredential({
      scopes: [PARTNER_CENTER_DEFAULT_SCOPE],
    });
    const response = await call(sandbox, "GET", "/v1/customers/t/servicerequests", {
      token: appOnly?.accessToken ?? "",
    });
    expect(response.status).toBe(403);

    const lenient = await start({ port: 0, allowAppOnlyTokens: true });
    try {
      const token = await msalClient(lenient).acquireTokenByClientCredential({
        scopes: [PARTNER_CENTER_DEFAULT_SCOPE],
      });
      expect(
        (await call(lenient, "POST", "/v1/servicerequests/en-US", { token: token?.accessToken ?? "", body: validBody }))
          .status,
      ).toBe(201);
    } finally {
      await lenient.close();
    }
  });
});
