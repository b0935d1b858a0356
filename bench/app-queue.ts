// The emulator config the benchmarks run the app's queue with: the "escalations" queue exactly as
// local/service-bus/escalations.config.json (what `npm start` uses) configures it, under the
// benchmark's own queue name, so a benchmark never measures a queue set up otherwise.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const APP_CONFIG = fileURLToPath(new URL("../../local/service-bus/escalations.config.json", import.meta.url));

interface QueueEntry {
  Name: string;
  Properties?: Record<string, unknown>;
}

/** The app's emulator config with its escalations queue renamed to `queueName`; its other queues as they are. */
export function appQueueEmulatorConfig(queueName: string): unknown {
  const config = JSON.parse(readFileSync(APP_CONFIG, "utf8")) as {
    UserConfig: { Namespaces: { Queues: QueueEntry[] }[] };
  };
  const queues = config.UserConfig.Namespaces.flatMap((namespace) => namespace.Queues);
  const queue = queues.find((entry) => entry.Name === "escalations");
  if (queue === undefined) throw new Error(`${APP_CONFIG}: expected the "escalations" queue`);
  queue.Name = queueName;
  return config;
}
