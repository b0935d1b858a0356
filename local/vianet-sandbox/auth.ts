// An Entra-shaped token service for the sandbox: OpenID metadata, instance discovery, and
// /oauth2/v2.0/token with client_credentials and refresh_token. Access tokens are opaque random
// strings that only this sandbox understands.
import { randomBytes, randomUUID } from "node:crypto";

export const PARTNER_CENTER_RESOURCE = "https://partner.partnercenterapi.microsoftonline.cn";
export const PARTNER_CENTER_DEFAULT_SCOPE = `${PARTNER_CENTER_RESOURCE}/.default`;
export const PARTNER_CENTER_USER_SCOPE = `${PARTNER_CENTER_RESOURCE}/user_impersonation`;
/** Scopes MSAL adds to every request; Entra accepts them next to a resource scope. */
const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);

export interface SandboxApp {
  clientId: string;
  clientSecret: string;
}

export interface SandboxUser {
  /** Object id of the user; default a fixed uuid. */
  oid?: string;
  upn?: string;
  name?: string;
}

export interface SandboxRefreshToken {
  token: string;
  clientId: string;
  user?: SandboxUser;
  /** When it stops being accepted (ms since epoch); configured tokens get the lifetime from start-up. */
  expiresAt?: number;
}

export const DEFAULT_APP: SandboxApp = {
  clientId: "8f0d1c2e-5b6a-4c3d-9e8f-000000000001",
  clientSecret: "sandbox-client-secret",
};
export const DEFAULT_REFRESH_TOKEN = "sandbox-refresh-token";
/** Entra's inactivity lifetime of a refresh token: 90 days. */
export const REFRESH_TOKEN_LIFETIME_SECONDS = 90 * 24 * 60 * 60;

export interface IssuedToken {
  token: string;
  tenant: string;
  clientId: string;
  scope: string;
  /** Present for App+User tokens (refresh_token grant); absent for app-only. */
  user?: Required<SandboxUser>;
  expiresAt: number;
}

export interface TokenOutcome {
  status: number;
  body: Record<string, unknown>;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function oauthError(status: number, error: string, description: string, code: number): TokenOutcome {
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    },
  };
}

export class TokenService {
  private readonly apps = new Map<string, SandboxApp>();
  private readonly refreshTokens = new Map<string, SandboxRefreshToken>();
  private readonly accessTokens = new Map<string, IssuedToken>();
  /** Refresh tokens issued by redemption so far (the configured ones not counted). */
  private rotations = 0;

  constructor(
    apps: readonly SandboxApp[],
    refreshTokens: readonly SandboxRefreshToken[],
    private readonly lifetimeSeconds: number,
    private readonly refreshLifetimeSeconds: number = REFRESH_TOKEN_LIFETIME_SECONDS,
  ) {
    for (const app of apps) this.apps.set(app.clientId, app);
    for (const rt of refreshTokens)
      this.refreshTokens.set(rt.token, {
        ...rt,
        expiresAt: rt.expiresAt ?? Date.now() + refreshLifetimeSeconds * 1000,
      });
  }

  /** OpenID Connect discovery document; endpoints are under `origin` (the https-shaped authority). */
  openidConfiguration(origin: string, tenant: string): Record<string, unknown> {
    const base = `${origin}/${tenant}`;
    return {
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      userinfo_endpoint: `${base}/openid/userinfo`,
      response_modes_supported: ["query", "fragment", "form_post"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "tid", "preferred_username"],
      tenant_region_scope: "AS",
      cloud_instance_name: "partner.microsoftonline.cn",
      request_uri_parameter_supported: false,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
    };
  }

  /** What MSAL's instance discovery (`/common/discovery/instance`) expects. */
  instanceDiscovery(origin: string, authorizationEndpoint: string | null): Record<string, unknown> {
    const host = new URL(origin).host;
    const tenant =
      authorizationEndpoint === null ? "common" : (new URL(authorizationEndpoint).pathname.split("/")[1] ?? "common");
    return {
      tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  token(tenant: string, form: URLSearchParams, basicAuth: { id: string; secret: string } | undefined): TokenOutcome {
    const grantType = form.get("grant_type");
    const clientId = basicAuth?.id ?? form.get("client_id");
    const clientSecret = basicAuth?.secret ?? form.get("client_secret");
    if (clientId === null || clientId === "")
      return oauthError(
        400,
        "invalid_request",
        "The request body must contain the following parameter: 'client_id'.",
        900144,
      );
    const app = this.apps.get(clientId);
    if (app === undefined) {
      return oauthError(
        400,
        "unauthorized_client",
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
        700016,
      );
    }
    if (clientSecret === null || clientSecret !== app.clientSecret) {
      return oauthError(401, "invalid_client", `Invalid client secret provided for app '${clientId}'.`, 7000215);
    }
    const scopeCheck = this.resourceScope(form.get("scope"), grantType === "client_credentials");
    if (typeof scopeCheck !== "string") return scopeCheck;
    if (grantType === "client_credentials") {
      return { status: 200, body: this.issue({ tenant, clientId, scope: scopeCheck }) };
    }
    if (grantType === "refresh_token") {
      const presented = form.get("refresh_token") ?? "";
      const rt = this.refreshTokens.get(presented);
      if (rt?.clientId !== clientId) {
        return oauthError(400, "invalid_grant", "The provided value for the 'refresh_token' is not valid.", 9002313);
      }
      // Entra keeps a redeemed refresh token valid until its own expiry, and issues a new one each time.
      if (rt.expiresAt !== undefined && rt.expiresAt <= Date.now()) {
        return oauthError(
          400,
          "invalid_grant",
          "The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90.00:00:00.",
          700082,
        );
      }
      const user: Required<SandboxUser> = {
        oid: rt.user?.oid ?? "0c5e9b0e-5b1e-4a6f-8d0b-1d3c0a7e0001",
        upn: rt.user?.upn ?? "admin@sandbox-partner.partner.onmschina.cn",
        name: rt.user?.name ?? "Sandbox Admin",
      };
      const next: SandboxRefreshToken = {
        token: `rt.${randomBytes(32).toString("base64url")}`,
        clientId,
        user,
        expiresAt: Date.now() + this.refreshLifetimeSeconds * 1000,
      };
      this.refreshTokens.set(next.token, next);
      this.rotations += 1;
      const tid = tenant;
      const now = Math.floor(Date.now() / 1000);
      // MSAL builds its account from client_info / id_token on user flows. The id_token is an
      // unsigned JWT (alg "none"): MSAL does not verify token signatures, and nothing else reads it.
      const idToken = `${b64url({ typ: "JWT", alg: "none" })}.${b64url({
        aud: clientId,
        iss: `https://login.partner.microsoftonline.cn/${tid}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + this.lifetimeSeconds,
        name: user.name,
        oid: user.oid,
        preferred_username: user.upn,
        sub: user.oid,
        tid,
        ver: "2.0",
      })}.`;
      return {
        status: 200,
        body: {
          ...this.issue({ tenant, clientId, scope: scopeCheck, user }),
          refresh_token: next.token,
          id_token: idToken,
          client_info: b64url({ uid: user.oid, utid: tid }),
        },
      };
    }
    return oauthError(
      400,
      "unsupported_grant_type",
      `The grant type '${grantType ?? ""}' is not supported by the sandbox.`,
      70003,
    );
  }

  /** The one Partner Center scope in the request, or the Entra error for a bad scope list. */
  private resourceScope(scope: string | null, appOnly: boolean): string | TokenOutcome {
    const scopes = (scope ?? "").split(/\s+/).filter((s) => s !== "" && !OIDC_SCOPES.has(s));
    const allowed = appOnly
      ? [PARTNER_CENTER_DEFAULT_SCOPE]
      : [PARTNER_CENTER_DEFAULT_SCOPE, PARTNER_CENTER_USER_SCOPE];
    const [first] = scopes;
    if (scopes.length !== 1 || first === undefined || !allowed.includes(first)) {
      return oauthError(
        400,
        "invalid_scope",
        `The provided value for scope '${scopes.join(" ")}' is not valid here. Use ${allowed.join(" or ")}.`,
        appOnly ? 1002012 : 70011,
      );
    }
    return first;
  }

  private issue(grant: Omit<IssuedToken, "token" | "expiresAt">): Record<string, unknown> {
    const token = `pcs.${randomBytes(32).toString("base64url")}`;
    this.accessTokens.set(token, { ...grant, token, expiresAt: Date.now() + this.lifetimeSeconds * 1000 });
    return {
      token_type: "Bearer",
      scope: grant.scope,
      expires_in: this.lifetimeSeconds,
      ext_expires_in: this.lifetimeSeconds,
      access_token: token,
    };
  }

  /** The issued token, or undefined if unknown or expired. */
  verify(token: string): IssuedToken | undefined {
    const issued = this.accessTokens.get(token);
    if (issued === undefined) return undefined;
    if (issued.expiresAt <= Date.now()) {
      this.accessTokens.delete(token);
      return undefined;
    }
    return issued;
  }

  /** Test hook: every access token issued so far is refused from now on. */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** Test hook: the consent is withdrawn; no refresh token is accepted any more. */
  revokeRefreshTokens(): void {
    for (const rt of this.refreshTokens.values()) rt.expiresAt = 0;
  }

  /** How many refresh tokens rotation has issued, and how many are still accepted. */
  refreshTokenFacts(): { rotations: number; valid: number } {
    const now = Date.now();
    return {
      rotations: this.rotations,
      valid: [...this.refreshTokens.values()].filter((rt) => rt.expiresAt === undefined || rt.expiresAt > now).length,
    };
  }

  /** Test hook: every access token issued so far expires now. */
  expireAll(): void {
    for (const issued of this.accessTokens.values()) issued.expiresAt = 0;
  }

  reset(apps: readonly SandboxApp[], refreshTokens: readonly SandboxRefreshToken[]): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.apps.clear();
    this.rotations = 0;
    for (const app of apps) this.apps.set(app.clientId, app);
    for (const rt of refreshTokens)
      this.refreshTokens.set(rt.token, {
        ...rt,
        expiresAt: rt.expiresAt ?? Date.now() + this.refreshLifetimeSeconds * 1000,
      });
  }
}
