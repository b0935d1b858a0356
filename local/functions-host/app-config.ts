// The app's configuration as the Functions host reads it: host.json, and the app settings from
// local.settings.json `Values` (as Core Tools does) with the environment taking precedence.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/** A .NET TimeSpan as host.json writes it: `hh:mm:ss` or `d.hh:mm:ss`, with optional fractions. */
const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(\.\d+)?$/;

export function parseTimeSpan(text: string): number | undefined {
  const match = TIME_SPAN.exec(text);
  if (match === null) return undefined;
  const [, days, hours, minutes, seconds, fraction] = match;
  return (
    ((Number(days ?? 0) * 24 + Number(hours)) * 3600 + Number(minutes) * 60 + Number(seconds) + Number(fraction ?? 0)) *
    1000
  );
}

const TimeSpan = z.string().transform((text, ctx) => {
  const ms = parseTimeSpan(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a TimeSpan such as 00:05:00` });
    return z.NEVER;
  }
  return ms;
});

const HostJson = z.object({
  version: z.literal("2.0", { error: 'host.json "version" must be "2.0"' }),
  logging: z
    .object({ logLevel: z.record(z.string(), z.string()).default({}) })
    .partial()
    .default({}),
  functionTimeout: TimeSpan.optional(),
  extensions: z
    .object({
      http: z
        .object({ routePrefix: z.string().default("api") })
        .partial()
        .default({}),
      serviceBus: z
        .object({
          maxConcurrentCalls: z.number().int().min(1).default(16),
          autoCompleteMessages: z.boolean().default(true),
          maxAutoLockRenewalDuration: TimeSpan.prefault("00:05:00"),
          prefetchCount: z.number().int().min(0).default(0),
        })
        .prefault({}),
    })
    .partial()
    .prefault({}),
});

export interface HostConfig {
  routePrefix: string;
  logLevel: Record<string, string>;
  functionTimeoutMs: number | undefined;
  serviceBus: {
    maxConcurrentCalls: number;
    autoCompleteMessages: boolean;
    maxAutoLockRenewalDurationMs: number;
    prefetchCount: number;
  };
}

export class AppConfigError extends Error {
  override readonly name = "AppConfigError";
}

export function readHostConfig(appRoot: string): HostConfig {
  const path = join(appRoot, "host.json");
  if (!existsSync(path)) throw new AppConfigError(`no host.json in ${appRoot}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new AppConfigError(`host.json is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = HostJson.safeParse(json);
  if (!parsed.success) {
    throw new AppConfigError(
      `host.json is invalid:\n  ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("\n  ")}`,
    );
  }
  const host = parsed.data;
  const serviceBus = host.extensions.serviceBus ?? {
    maxConcurrentCalls: 16,
    autoCompleteMessages: true,
    maxAutoLockRenewalDuration: 300_000,
    prefetchCount: 0,
  };
  const routePrefix = (host.extensions.http?.routePrefix ?? "api").replace(/^\/+|\/+$/g, "");
  return {
    routePrefix,
    logLevel: { default: "Information", ...host.logging.logLevel },
    functionTimeoutMs: host.functionTimeout,
    serviceBus: {
      maxConcurrentCalls: serviceBus.maxConcurrentCalls,
      autoCompleteMessages: serviceBus.autoCompleteMessages,
      maxAutoLockRenewalDurationMs: serviceBus.maxAutoLockRenewalDuration,
      prefetchCount: serviceBus.prefetchCount,
    },
  };
}

const LocalSettings = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
});

/**
 * App settings: local.settings.json `Values` under the environment, as Core Tools does (a value
 * already in the environment wins). The repo keeps only an example file.
 */
export function readAppSettings(appRoot: string, environment: NodeJS.ProcessEnv): Record<string, string> {
  const path = join(appRoot, "local.settings.json");
  const settings: Record<string, string> = {};
  if (existsSync(path)) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new AppConfigError(`local.settings.json is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = LocalSettings.safeParse(json);
    if (!parsed.success)
      throw new AppConfigError(
        `local.settings.json is invalid: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`,
      );
    if (parsed.data.IsEncrypted === true)
      throw new AppConfigError("local.settings.json is encrypted; decrypt it or set the values in the environment");
    Object.assign(settings, parsed.data.Values);
  }
  for (const [name, value] of Object.entries(environment)) if (value !== undefined) settings[name] = value;
  return settings;
}

/** Resolves a binding expression such as `%EscalationsQueue%` from the app settings. */
export function resolveSettingExpression(value: string, settings: Record<string, string>, what: string): string {
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const resolved = Object.hasOwn(settings, name) ? settings[name] : undefined;
    if (resolved === undefined) throw new AppConfigError(`${what}: app setting '${name}' is not set`);
    return resolved;
  });
}

/**
 * Functions switched off by the `AzureWebJobs.<name>.Disabled` app setting ("true" or "1"), as
 * lower-case names: their triggers do not fire and their HTTP routes answer only the master key.
 */
export function disabledFunctions(settings: Record<string, string>): Set<string> {
  const disabled = new Set<string>();
  for (const [name, value] of Object.entries(settings)) {
    const match = /^AzureWebJobs\.(.+)\.Disabled$/i.exec(name);
    if (match?.[1] !== undefined && /^(true|1)$/i.test(value.trim())) disabled.add(match[1].toLowerCase());
  }
  return disabled;
}
