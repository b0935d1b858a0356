// The forwarding half of the app settings: which channel takes which escalation, how to reach
// Partner Center operated by 21Vianet, and how long to keep retrying. Merged into the one
// settings schema in shared/settings/app-settings.ts so every problem is still reported at once.
import { z } from "zod";
import { isLoopbackUrl } from "../lib/loopback-url.js";
import { positiveDuration } from "../lib/iso-duration.js";
import { jsonSetting } from "./json-setting.js";
import type { CrossSettingRule } from "./setting-rules.js";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "../domain/forwarding/backoff.js";
import { DEFAULT_ROUTING, RoutingRules, type RoutingRule } from "../domain/forwarding/routing.js";

export const PARTNER_CENTER_API_URL = "https://partner.partnercenterapi.microsoftonline.cn";
export const PARTNER_CENTER_AUTHORITY = "https://login.partner.microsoftonline.cn";
/** The Key Vault secret that holds the newest refresh token, unless a setting names another. */
export const DEFAULT_REFRESH_TOKEN_SECRET_NAME = "partner-center-refresh-token";

/** https everywhere; plain http only to 127.0.0.1/localhost (the local sandbox). */
const endpoint = z.url({ protocol: /^https?$/ }).transform((url, ctx) => {
  if (url.startsWith("https:") || isLoopbackUrl(url)) return url.replace(/\/+$/, "");
  ctx.addIssue({ code: "custom", message: "must be https (plain http only for 127.0.0.1 or localhost)" });
  return z.NEVER;
});

const text = z.string().trim().min(1);

/**
 * A vault's base URL, whatever its cloud (`https://<name>.vault.azure.cn/` in China): https with
 * no path, query or credentials; plain http only on loopback, for tests against a local vault.
 */
const vaultUrl = z.url({ protocol: /^https?$/ }).transform((value, ctx) => {
  const url = new URL(value);
  if (url.protocol === "http:" && !isLoopbackUrl(value)) {
    ctx.addIssue({ code: "custom", message: "must be https (plain http only for 127.0.0.1 or localhost)" });
    return z.NEVER;
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    ctx.addIssue({
      code: "custom",
      message: "must be the vault's base URL, such as https://<vault>.vault.azure.cn/ (no path, query or credentials)",
    });
    return z.NEVER;
  }
  return url.origin;
});

/** Key Vault's rule for object names. */
const secretName = z
  .string()
  .regex(/^[0-9A-Za-z-]{1,127}$/, "1-127 letters, digits and dashes (Key Vault secret name)");

type RetrySettingName<P extends string> = `${P}_BASE_DELAY` | `${P}_MAX_DELAY` | `${P}_BUDGET`;

/** The three ISO 8601 settings of a retry policy: `<prefix>_BASE_DELAY`, `_MAX_DELAY` and `_BUDGET`. */
export function retrySettingsShape<P extends string>(
  prefix: P,
): Record<RetrySettingName<P>, z.ZodOptional<typeof positiveDuration>> {
  return {
    [`${prefix}_BASE_DELAY`]: positiveDuration.optional(),
    [`${prefix}_MAX_DELAY`]: positiveDuration.optional(),
    [`${prefix}_BUDGET`]: positiveDuration.optional(),
  } as Record<RetrySettingName<P>, z.ZodOptional<typeof positiveDuration>>;
}

type RetrySettings<P extends string> = { readonly [N in RetrySettingName<P>]?: number | undefined };

/** The policy those settings give, each one unset taken from `defaults`. */
export function retrySettings<P extends string>(
  prefix: P,
  settings: RetrySettings<P>,
  defaults: BackoffPolicy,
): BackoffPolicy {
  return {
    baseDelayMs: settings[`${prefix}_BASE_DELAY`] ?? defaults.baseDelayMs,
    maxDelayMs: settings[`${prefix}_MAX_DELAY`] ?? defaults.maxDelayMs,
    budgetMs: settings[`${prefix}_BUDGET`] ?? defaults.budgetMs,
  };
}

/** The ceiling must not be below the base (either one may be a default). */
export function retrySettingsRule<P extends string>(
  prefix: P,
  defaults: BackoffPolicy,
): CrossSettingRule<RetrySettings<P>> {
  return {
    reads: [`${prefix}_BASE_DELAY`, `${prefix}_MAX_DELAY`],
    check: (settings) => {
      const policy = retrySettings(prefix, settings, defaults);
      return policy.maxDelayMs < policy.baseDelayMs
        ? [{ path: [`${prefix}_MAX_DELAY`], message: `must not be shorter than ${prefix}_BASE_DELAY` }]
        : [];
    },
  };
}

/** Zod shape merged into the app settings schema. */
export const forwardingSettingsShape = {
  ESCALATION_ROUTING: jsonSetting(RoutingRules).optional(),
  PARTNER_CENTER_API_URL: endpoint.default(PARTNER_CENTER_API_URL),
  PARTNER_CENTER_AUTHORITY: endpoint.default(PARTNER_CENTER_AUTHORITY),
  PARTNER_CENTER_TENANT_ID: text.optional(),
  PARTNER_CENTER_CLIENT_ID: text.optional(),
  PARTNER_CENTER_CLIENT_SECRET: text.optional(),
  /** The seed: the token obtained with consent; the newest one is kept in the refresh token store. */
  PARTNER_CENTER_REFRESH_TOKEN: text.optional(),
  /** Set: the newest refresh token is kept in this vault (managed identity); unset: in Table Storage. */
  PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: vaultUrl.optional(),
  PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME: secretName.default(DEFAULT_REFRESH_TOKEN_SECRET_NAME),
  /** Service requests need App+User; `app-only` only where Partner Center accepts it. */
  PARTNER_CENTER_AUTH: z.enum(["app+user", "app-only"]).default("app+user"),
  PARTNER_CENTER_SUPPORT_TOPIC_ID: text.optional(),
  PARTNER_CENTER_LOCALE: z
    .string()
    .regex(/^[a-z]{2,3}-[A-Za-z]{2,4}$/, "a locale such as zh-CN or en-US")
    .default("en-US"),
  PARTNER_CENTER_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(230_000).default(30_000),
  ...retrySettingsShape("FORWARD_RETRY"),
};

type ForwardingSettings = z.output<z.ZodObject<typeof forwardingSettingsShape>>;

/** Where the newest refresh token is kept across restarts. */
export type RefreshTokenStoreChoice = { kind: "table" } | { kind: "key-vault"; vaultUrl: string; secretName: string };

export interface PartnerCenterConfig {
  apiUrl: string;
  /** Authority with the partner tenant, e.g. https://login.partner.microsoftonline.cn/{tenant}. */
  authority: string;
  clientId: string;
  clientSecret: string;
  grant: { kind: "refresh-token"; refreshToken: string } | { kind: "client-credentials" };
  refreshTokenStore: RefreshTokenStoreChoice;
  supportTopicId: string;
  locale: string;
  timeoutMs: number;
}

export interface ForwardingConfig {
  routing: RoutingRule[];
  backoff: BackoffPolicy;
  /** Present when a routing rule sends anything to Partner Center. */
  partnerCenter?: PartnerCenterConfig;
}

const PARTNER_CENTER_REQUIRED = [
  "PARTNER_CENTER_TENANT_ID",
  "PARTNER_CENTER_CLIENT_ID",
  "PARTNER_CENTER_CLIENT_SECRET",
  "PARTNER_CENTER_SUPPORT_TOPIC_ID",
] as const;

/** Cross-setting rules: the retry delays' order, and Partner Center credentials as soon as routing uses it. */
export const forwardingRules: readonly CrossSettingRule<ForwardingSettings>[] = [
  retrySettingsRule("FORWARD_RETRY", DEFAULT_BACKOFF),
  {
    reads: ["ESCALATION_ROUTING", "PARTNER_CENTER_AUTH", "PARTNER_CENTER_REFRESH_TOKEN", ...PARTNER_CENTER_REQUIRED],
    check: (settings) => {
      if (!routesToPartnerCenter(settings.ESCALATION_ROUTING ?? DEFAULT_ROUTING)) return [];
      const required =
        settings.PARTNER_CENTER_AUTH === "app+user"
          ? (["PARTNER_CENTER_REFRESH_TOKEN", ...PARTNER_CENTER_REQUIRED] as const)
          : PARTNER_CENTER_REQUIRED;
      return required
        .filter((name) => settings[name] === undefined)
        .map((name) => ({
          path: [name],
          message:
            "required while ESCALATION_ROUTING sends escalations to partner-center (route everything to portal to run without it)",
        }));
    },
  },
];

function routesToPartnerCenter(rules: readonly RoutingRule[]): boolean {
  return rules.some((rule) => rule.channel === "partner-center");
}

/** Builds the forwarding config once `forwardingRules` found nothing. */
export function forwardingConfig(settings: ForwardingSettings): ForwardingConfig {
  const routing = settings.ESCALATION_ROUTING ?? DEFAULT_ROUTING;
  const config: ForwardingConfig = { routing, backoff: retrySettings("FORWARD_RETRY", settings, DEFAULT_BACKOFF) };
  if (!routesToPartnerCenter(routing)) return config;
  const authority = `${settings.PARTNER_CENTER_AUTHORITY}/${settings.PARTNER_CENTER_TENANT_ID ?? ""}`;
  config.partnerCenter = {
    apiUrl: settings.PARTNER_CENTER_API_URL,
    authority,
    clientId: settings.PARTNER_CENTER_CLIENT_ID ?? "",
    clientSecret: settings.PARTNER_CENTER_CLIENT_SECRET ?? "",
    grant:
      settings.PARTNER_CENTER_AUTH === "app+user"
        ? { kind: "refresh-token", refreshToken: settings.PARTNER_CENTER_REFRESH_TOKEN ?? "" }
        : { kind: "client-credentials" },
    refreshTokenStore:
      settings.PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL === undefined
        ? { kind: "table" }
        : {
            kind: "key-vault",
            vaultUrl: settings.PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL,
            secretName: settings.PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME,
          },
    supportTopicId: settings.PARTNER_CENTER_SUPPORT_TOPIC_ID ?? "",
    locale: settings.PARTNER_CENTER_LOCALE,
    timeoutMs: settings.PARTNER_CENTER_TIMEOUT_MS,
  };
  return config;
}
