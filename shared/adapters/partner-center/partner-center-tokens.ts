// Bearer tokens for Partner Center operated by 21Vianet, through @azure/msal-node against the
// China cloud authority. Service requests need App+User tokens (Secure Application Model: a
// refresh token obtained once with MFA); app-only client-credential tokens serve the operations
// that accept them, with the Partner Center resource as audience. Entra replaces the refresh
// token at every redemption and lets an unused one expire (90 days, AADSTS700082), so the newest
// one is kept behind a port and used after restarts.
import { createHash } from "node:crypto";
import { ConfidentialClientApplication, type AuthenticationResult, type INetworkModule } from "@azure/msal-node";
import { z } from "zod";
import { BridgeError } from "../../lib/errors.js";
import { describeFailure } from "../../lib/failure-kind.js";

/** Where the channel gets its bearer token: a tiny port so tests and other flows can plug in. */
export interface TokenSource {
  getToken(): Promise<string>;
  /** Forgets the cached access token (Partner Center refused it): the next call fetches a new one. */
  invalidate?(): void;
}

export const PARTNER_CENTER_RESOURCE = "https://partner.partnercenterapi.microsoftonline.cn";
export const PARTNER_CENTER_USER_IMPERSONATION = `${PARTNER_CENTER_RESOURCE}/user_impersonation`;
export const PARTNER_CENTER_APP_ONLY = `${PARTNER_CENTER_RESOURCE}/.default`;

/** App+User through the stored refresh token, or app-only through the client secret. */
export type PartnerCenterGrant = { kind: "refresh-token"; refreshToken: string } | { kind: "client-credentials" };

/** The newest refresh token, and which configured token its line started from. */
export interface StoredRefreshToken {
  token: string;
  /** SHA-256 (hex) of the configured refresh token this one descends from. */
  seededFrom: string;
  savedAt: string;
}

/** Where the newest refresh token is kept: Table Storage locally, Key Vault in Azure. */
export interface RefreshTokenStore {
  load(): Promise<StoredRefreshToken | undefined>;
  save(token: StoredRefreshToken): Promise<void>;
}

/**
 * A token request that failed. `reason` is safe to show and log: an OAuth error and AADSTS number,
 * a kind of network failure, or what the refresh token store answered; the failure itself is the cause.
 */
export class TokenRequestError extends BridgeError {
  override readonly name = "TokenRequestError";
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super("token-request-failed", `token request failed: ${reason}`, options);
  }
}

/** What the app last learnt about its Partner Center credentials, for /api/health and the log. */
export class CredentialState {
  #problem: { code: string; since: string } | undefined;

  failed(code: string, at = new Date()): void {
    this.#problem ??= { code, since: at.toISOString() };
    if (this.#problem.code !== code) this.#problem = { code, since: at.toISOString() };
  }

  succeeded(): void {
    this.#problem = undefined;
  }

  /** The current problem, if the last token request or call was refused. */
  get problem(): { code: string; since: string } | undefined {
    return this.#problem;
  }
}

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
  /** A token request (discovery included) taking longer fails. Default 30 s. */
  timeoutMs?: number;
  /** Keeps the newest refresh token across restarts; without it only the configured one is used. */
  refreshTokens?: RefreshTokenStore;
  credentialState?: CredentialState;
  /** MSAL `system.networkClient`; only for the local sandbox. Production leaves it unset. */
  networkClient?: INetworkModule;
  now?: () => number;
}

/** The refresh tokens in MSAL's serialized cache. */
const SerializedCache = z.object({
  RefreshToken: z
    .record(z.string(), z.object({ client_id: z.string(), secret: z.string(), home_account_id: z.string().optional() }))
    .optional(),
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** A short, safe description of a token failure: the OAuth error code and AADSTS number, never the text. */
export function tokenFailureCode(error: unknown): string {
  if (error instanceof TokenRequestError) return error.reason;
  if (typeof error === "object" && error !== null) {
    const errorCode = "errorCode" in error && typeof error.errorCode === "string" ? error.errorCode : undefined;
    const text =
      "errorMessage" in error && typeof error.errorMessage === "string"
        ? error.errorMessage
        : error instanceof Error
          ? error.message
          : "";
    const aadsts = /AADSTS(\d{4,8})/.exec(text)?.[1];
    if (errorCode !== undefined && errorCode !== "")
      return aadsts === undefined ? errorCode.slice(0, 64) : `${errorCode.slice(0, 64)} (AADSTS${aadsts})`;
    if (aadsts !== undefined) return `AADSTS${aadsts}`;
  }
  return "token endpoint unreachable";
}

/** What a refresh token store answered, in words safe to show: its own safe code (Key Vault's), or the kind of failure. */
function storeFailureOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "errorCode" in error && typeof error.errorCode === "string")
    return error.errorCode;
  return describeFailure(error, "the store refused it").words;
}

/**
 * MSAL does not look in its cache for `acquireTokenByRefreshToken` (it always redeems the
 * refresh token), so access tokens are kept here until `refreshSkewMs` before they expire, for
 * both grants alike, and concurrent callers share one token request.
 */
export class MsalTokenSource implements TokenSource {
  readonly #client: ConfidentialClientApplication;
  readonly #clientId: string;
  readonly #grant: PartnerCenterGrant;
  readonly #scope: string;
  readonly #skewMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #store: RefreshTokenStore | undefined;
  readonly #state: CredentialState | undefined;
  #cached: { token: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;
  /** The refresh token to redeem next; loaded from the store on first use. */
  #refreshToken: string | undefined;
  /** Why the newest refresh token could not be kept, while it could not. */
  #unsavedBecause: string | undefined;

  constructor(options: MsalTokenSourceOptions) {
    this.#client = new ConfidentialClientApplication({
      auth: { clientId: options.clientId, clientSecret: options.clientSecret, authority: options.authority },
      ...(options.networkClient === undefined ? {} : { system: { networkClient: options.networkClient } }),
    });
    this.#clientId = options.clientId;
    this.#grant = options.grant;
    this.#scope =
      options.scope ??
      (options.grant.kind === "refresh-token" ? PARTNER_CENTER_USER_IMPERSONATION : PARTNER_CENTER_APP_ONLY);
    this.#skewMs = options.refreshSkewMs ?? 5 * 60_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#store = options.refreshTokens;
    this.#state = options.credentialState;
  }

  getToken(): Promise<string> {
    if (this.#cached !== undefined && this.#now() < this.#cached.expiresAt - this.#skewMs)
      return Promise.resolve(this.#cached.token);
    this.#pending ??= this.#acquireWithDeadline().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  invalidate(): void {
    this.#cached = undefined;
  }

  async #acquireWithDeadline(): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TokenRequestError("token request timed out")), this.#timeoutMs);
    });
    try {
      const token = await Promise.race([this.#acquire(), deadline]);
      // The token works, but a new refresh token that could not be kept is a configuration
      // problem all the same: after a restart the older one is redeemed, until it expires.
      if (this.#unsavedBecause === undefined) this.#state?.succeeded();
      else this.#state?.failed(`newest refresh token not kept: ${this.#unsavedBecause}`);
      return token;
    } catch (error) {
      const code = tokenFailureCode(error);
      this.#state?.failed(code);
      throw error instanceof TokenRequestError ? error : new TokenRequestError(code, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async #acquire(): Promise<string> {
    const scopes = [this.#scope];
    let result: AuthenticationResult | null;
    if (this.#grant.kind === "refresh-token") {
      const configured = this.#grant.refreshToken;
      const newest = await this.#newestRefreshToken(configured);
      try {
        // forceCache: MSAL keeps the answer (and so the new refresh token) only when told to.
        result = await this.#client.acquireTokenByRefreshToken({ refreshToken: newest, scopes, forceCache: true });
      } catch (error) {
        // The stored line may have expired while the configured token is a fresh consent: try it once.
        if (newest === configured) throw error;
        this.#refreshToken = configured;
        result = await this.#client.acquireTokenByRefreshToken({ refreshToken: configured, scopes, forceCache: true });
      }
      await this.#keepNewRefreshToken(configured, result);
    } else {
      result = await this.#client.acquireTokenByClientCredential({ scopes, skipCache: true });
    }
    if (result === null || result.accessToken === "") throw new TokenRequestError("no access token in the answer");
    const expiresAt = result.expiresOn?.getTime() ?? this.#now();
    this.#cached = { token: result.accessToken, expiresAt };
    return result.accessToken;
  }

  async #newestRefreshToken(configured: string): Promise<string> {
    if (this.#refreshToken !== undefined) return this.#refreshToken;
    let stored: StoredRefreshToken | undefined;
    try {
      stored = await this.#store?.load();
    } catch (error) {
      // The store failed, not Entra: say so, rather than letting it pass for an unreachable token endpoint.
      throw new TokenRequestError(`refresh token store: ${storeFailureOf(error)}`, { cause: error });
    }
    // A stored token from another configured token is stale: the operator consented again.
    this.#refreshToken = stored !== undefined && stored.seededFrom === sha256(configured) ? stored.token : configured;
    return this.#refreshToken;
  }

  /** Takes the refresh token Entra issued with this answer from MSAL's cache and keeps it. */
  async #keepNewRefreshToken(configured: string, result: AuthenticationResult | null): Promise<void> {
    const cache = SerializedCache.safeParse(JSON.parse(this.#client.getTokenCache().serialize()));
    if (!cache.success) return;
    const homeAccountId = result?.account?.homeAccountId;
    const issued = Object.values(cache.data.RefreshToken ?? {}).find(
      (entry) =>
        entry.client_id === this.#clientId && (homeAccountId === undefined || entry.home_account_id === homeAccountId),
    );
    if (issued === undefined || issued.secret === this.#refreshToken) return;
    this.#refreshToken = issued.secret;
    // This worker redeems it next whether or not it is kept; a failed save is retried at the next rotation.
    try {
      await this.#store?.save({
        token: issued.secret,
        seededFrom: sha256(configured),
        savedAt: new Date(this.#now()).toISOString(),
      });
      this.#unsavedBecause = undefined;
    } catch (error) {
      this.#unsavedBecause = storeFailureOf(error);
    }
  }
}
