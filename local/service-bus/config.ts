// Reads queue definitions in the format of Microsoft's Service Bus emulator `Config.json`, so an
// existing emulator configuration works here unchanged.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { parseIsoDuration } from "../../shared/lib/iso-duration.js";

/** Standard tier limit; createMessageBatch() uses it as the batch size. */
export const DEFAULT_MAX_MESSAGE_SIZE_BYTES = 256 * 1024;

const FOREVER_MS = Number.MAX_SAFE_INTEGER;

/** Zero is allowed here (e.g. no duplicate detection window); a negative duration is not ISO 8601. */
const IsoDuration = z.string().transform((text, ctx) => {
  const ms = parseIsoDuration(text);
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: "custom", message: `"${text}" is not an ISO-8601 duration such as PT1M or P14D` });
  return z.NEVER;
});

const QueueProperties = z.object({
  LockDuration: IsoDuration.prefault("PT1M"),
  MaxDeliveryCount: z.number().int().min(1).max(2000).default(10),
  RequiresDuplicateDetection: z.boolean().default(false),
  DuplicateDetectionHistoryTimeWindow: IsoDuration.prefault("PT10M"),
  DefaultMessageTimeToLive: IsoDuration.optional(),
  DeadLetteringOnMessageExpiration: z.boolean().default(false),
  RequiresSession: z.boolean().default(false),
  ForwardTo: z.string().optional(),
  ForwardDeadLetteredMessagesTo: z.string().optional(),
});

const QueueDefinition = z.object({
  Name: z
    .string()
    .min(1)
    .max(260)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "letters, digits, . _ - / only"),
  Properties: QueueProperties.prefault({}),
});

const EmulatorConfig = z.object({
  UserConfig: z.object({
    Namespaces: z
      .array(
        z.object({
          Name: z.string().default("sbemulatorns"),
          Queues: z
            .array(QueueDefinition)
            .default([])
            .superRefine((queues, ctx) => {
              const seen = new Set<string>();
              queues.forEach((queue, index) => {
                const key = queue.Name.toLowerCase();
                if (seen.has(key))
                  ctx.addIssue({
                    code: "custom",
                    path: [index, "Name"],
                    message: `queue "${queue.Name}" is defined twice`,
                  });
                seen.add(key);
              });
            }),
          Topics: z.array(z.unknown()).default([]),
        }),
      )
      .min(1),
    Logging: z.unknown().optional(),
  }),
});
export type EmulatorConfig = z.input<typeof EmulatorConfig>;

export interface QueueSettings {
  name: string;
  lockDurationMs: number;
  maxDeliveryCount: number;
  requiresDuplicateDetection: boolean;
  duplicateDetectionWindowMs: number;
  defaultTimeToLiveMs: number;
  deadLetteringOnMessageExpiration: boolean;
}

export interface BrokerSettings {
  namespace: string;
  queues: QueueSettings[];
  /** Things in the file that this emulator does not do, to be reported at start-up. */
  warnings: string[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Validates a parsed Config.json; every problem is listed at once. */
export function parseEmulatorConfig(input: unknown): BrokerSettings {
  const parsed = EmulatorConfig.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ConfigError(`invalid Service Bus emulator config:\n  ${problems.join("\n  ")}`);
  }
  const warnings: string[] = [];
  const queues: QueueSettings[] = [];
  const namespaces = parsed.data.UserConfig.Namespaces;
  if (namespaces.length > 1) warnings.push("only the first namespace is served");
  const namespace = namespaces[0];
  if (namespace === undefined) throw new ConfigError("invalid Service Bus emulator config: no namespace");
  if (namespace.Topics.length > 0) warnings.push("topics and subscriptions are not supported and were ignored");
  for (const queue of namespace.Queues) {
    const p = queue.Properties;
    if (p.RequiresSession)
      warnings.push(`queue "${queue.Name}": sessions are not supported; it is served without them`);
    if (p.ForwardTo) warnings.push(`queue "${queue.Name}": ForwardTo is not supported`);
    if (p.ForwardDeadLetteredMessagesTo)
      warnings.push(`queue "${queue.Name}": ForwardDeadLetteredMessagesTo is not supported`);
    queues.push({
      name: queue.Name,
      lockDurationMs: p.LockDuration,
      maxDeliveryCount: p.MaxDeliveryCount,
      requiresDuplicateDetection: p.RequiresDuplicateDetection,
      duplicateDetectionWindowMs: p.DuplicateDetectionHistoryTimeWindow,
      defaultTimeToLiveMs: p.DefaultMessageTimeToLive ?? FOREVER_MS,
      deadLetteringOnMessageExpiration: p.DeadLetteringOnMessageExpiration,
    });
  }
  return { namespace: namespace.Name, queues, warnings };
}

export async function loadEmulatorConfigFile(path: string): Promise<BrokerSettings> {
  const text = await readFile(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseEmulatorConfig(json);
}
