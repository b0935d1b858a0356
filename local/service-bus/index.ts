// Programmatic entry point of the local Service Bus emulator: start({ port, config }) for tests
// and for the launcher behind `npm start`.
import { Broker } from "./broker.js";
import {
  DEFAULT_MAX_MESSAGE_SIZE_BYTES,
  loadEmulatorConfigFile,
  parseEmulatorConfig,
  type BrokerSettings,
  type EmulatorConfig,
} from "./config.js";
import { AmqpServer, silentLogger, type Logger } from "./server.js";
import type { Queue } from "./queue.js";

export type { EmulatorConfig, BrokerSettings, Logger };
export { ConfigError } from "./config.js";

/** The key Microsoft's emulator documents for its connection string; fine for a local broker. */
export const DEFAULT_KEY_NAME = "RootManageSharedAccessKey";
export const DEFAULT_KEY = "SAS_KEY_VALUE";

export interface StartOptions {
  /** TCP port on the host; 0 picks a free one. Default 5672. */
  port?: number;
  host?: string;
  /** A Config.json object, its already-parsed settings, or a path to the file. */
  config: EmulatorConfig | BrokerSettings | string;
  /** Keep messages across restarts in this directory; without it, memory only. */
  dataDir?: string;
  keyName?: string;
  key?: string;
  maxMessageSizeBytes?: number;
  logger?: Logger;
}

export interface RunningEmulator {
  readonly host: string;
  readonly port: number;
  /** A connection string the real SDK accepts unchanged. */
  readonly connectionString: string;
  readonly settings: BrokerSettings;
  /** Fault hook: drop every client connection at once. */
  dropConnections(): void;
  /** Number of open client connections. */
  connectionCount(): number;
  /** Inspection for tests: message counts of a queue or its dead-letter queue. */
  counts(queueName: string): ReturnType<Queue["counts"]> & { deadLettered: number };
  close(): Promise<void>;
}

function isBrokerSettings(config: StartOptions["config"]): config is BrokerSettings {
  return typeof config === "object" && "queues" in config && Array.isArray(config.queues);
}

async function resolveSettings(config: StartOptions["config"]): Promise<BrokerSettings> {
  if (typeof config === "string") return loadEmulatorConfigFile(config);
  if (isBrokerSettings(config)) return config;
  return parseEmulatorConfig(config);
}

export function connectionStringFor(host: string, port: number, keyName = DEFAULT_KEY_NAME, key = DEFAULT_KEY): string {
  return `Endpoint=sb://${host}:${port};SharedAccessKeyName=${keyName};SharedAccessKey=${key};UseDevelopmentEmulator=true`;
}

export async function start(options: StartOptions): Promise<RunningEmulator> {
  const settings = await resolveSettings(options.config);
  const logger = options.logger ?? silentLogger;
  for (const warning of settings.warnings) logger.warn(warning);
  const host = options.host ?? "127.0.0.1";
  const keyName = options.keyName ?? DEFAULT_KEY_NAME;
  const key = options.key ?? DEFAULT_KEY;
  const broker = new Broker(settings, options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  const server = new AmqpServer({
    broker,
    host,
    port: options.port ?? 5672,
    keyName,
    key,
    maxMessageSizeBytes: options.maxMessageSizeBytes ?? DEFAULT_MAX_MESSAGE_SIZE_BYTES,
    maxFrameSizeBytes: 65_536,
    logger,
  });
  let port: number;
  try {
    port = await server.listen();
  } catch (error) {
    broker.close();
    throw error;
  }
  logger.info(
    `Service Bus emulator listening on ${host}:${port} with queues: ${settings.queues.map((q) => q.name).join(", ") || "(none)"}`,
  );
  return {
    host,
    port,
    connectionString: connectionStringFor(host, port, keyName, key),
    settings,
    dropConnections: () => server.dropConnections(),
    connectionCount: () => server.connectionCount,
    counts: (queueName) => {
      const queue = broker.queue(queueName);
      if (queue === undefined) throw new Error(`no queue '${queueName}'`);
      const deadLettered = queue.deadLetterQueue?.counts().active ?? 0;
      return { ...queue.counts(), deadLettered };
    },
    close: async () => {
      await server.close();
      broker.close();
    },
  };
}
