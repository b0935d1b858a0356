// Bearer tokens for Partner Center operated by 21Vianet, through @azure/msal-node against the
// China cloud authority. Service requests need App+User tokens (Secure Application Model: a
// refresh token obtained once with MFA); app-only client-credential tokens serve the operations
// that accept them, with the Partner Center resource as audience.
import { ConfidentialClientApplication, type AuthenticationResult, type INetworkModule } from "@azure/msal-node";

/** Where the channel gets its bearer token: a tiny port so tests and other flows can plug in. */
export interface TokenSource {
  getToken(): Promise<string>;
}

export const PARTNER_CENTER_RESOURCE = "https://partner.partnercenterapi.microsoftonline.cn";
export const PARTNER_CENTER_USER_IMPERSONATION = `${PARTNER_CENTER_RESOURCE}/user_impersonation`;
export const PARTNER_CENTER_APP_ONLY = `${PARTNER_CENTER_RESOURCE}/.default`;

/** App+User through the stored refresh token, or app-only through the client secret. */
export type PartnerCenterGrant = { kind: "refresh-token"; refreshToken: string } | { kind: "client-credentials" };

export interface MsalTokenSourceOptions {
  clientId: string;
  clientSecret: string;
  /** Entra authority, e.g. `https://login.partner.microsoftonline.cn/{partner tenant}`. */
  authority: string;
  grant: PartnerCenterGrant;
  /** Default: user_impersonation for App+User, `.default` for app-only, on the Partner Center resource. */
  scope?: string;
  /** Renew this long before expiry. Default 5 minutes. */
  refreshSkewMs?: number;
  /** MSAL `system.networkClient`; only for the local sandbox. Production leaves it unset. */
  networkClient?: INetworkModule;
  now?: () => number;
}

/**
 * MSAL does not look in its cache for `acquireTokenByRefreshToken` (it always redeems the
 * refresh token), so access tokens are kept here until `refreshSkewMs` before they expire, for
 * both grants alike, and concurrent callers share one token request.
 */
export class MsalTokenSource implements TokenSource {
  readonly #client: ConfidentialClientApplication;
  readonly #grant: PartnerCenterGrant;
  readonly #scope: string;
  readonly #skewMs: number;
  readonly #now: () => number;
  #cached: { token: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: MsalTokenSourceOptions) {
    this.#client = new ConfidentialClientApplication({
      auth: { clientId: options.clientId, clientSecret: options.clientSecret, authority: options.authority },
      ...(options.networkClient === undefined ? {} : { system: { networkClient: options.networkClient } }),
    });
    this.#grant = options.grant;
    this.#scope = options.scope ?? (options.grant.kind === "refresh-token" ? PARTNER_CENTER_USER_IMPERSONATION : PARTNER_CENTER_APP_ONLY);
    this.#skewMs = options.refreshSkewMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  getToken(): Promise<string> {
    if (this.#cached !== undefined && this.#now() < this.#cached.expiresAt - this.#skewMs) return Promise.resolve(this.#cached.token);
    this.#pending ??= this.#acquire().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #acquire(): Promise<string> {
    const scopes = [this.#scope];
    const result: AuthenticationResult | null =
      this.#grant.kind === "refresh-token"
        ? await this.#client.acquireTokenByRefreshToken({ refreshToken: this.#grant.refreshToken, scopes })
        : await this.#client.acquireTokenByClientCredential({ scopes, skipCache: true });
    if (result === null || result.accessToken === "") throw new Error("MSAL returned no access token");
    const expiresAt = result.expiresOn?.getTime() ?? this.#now();
    this.#cached = { token: result.accessToken, expiresAt };
    return result.accessToken;
  }
}
