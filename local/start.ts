// `npm start`: the local Azure for this app. For now it runs the Service Bus emulator with the
// app's queues; later it also starts Azurite, the 21Vianet sandbox and the Functions host.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { start } from "./service-bus/index.js";

const { values } = parseArgs({
  options: {
    "in-memory": { type: "boolean", default: false },
    "service-bus-port": { type: "string", default: "5672" },
  },
});

const root = fileURLToPath(new URL("../..", import.meta.url));
const logger = {
  info: (message: string) => console.log(`[service-bus] ${message}`),
  warn: (message: string) => console.warn(`[service-bus] warning: ${message}`),
  error: (message: string) => console.error(`[service-bus] error: ${message}`),
};

const serviceBus = await start({
  port: Number(values["service-bus-port"]),
  config: join(root, "local", "service-bus", "escalations.config.json"),
  logger,
  ...(values["in-memory"] ? {} : { dataDir: join(root, ".local-data", "service-bus") }),
});

console.log("");
console.log("Local Azure is running:");
console.log(`  ServiceBusConnection=${serviceBus.connectionString}`);
console.log(values["in-memory"] ? "  data: in memory" : `  data: ${join(root, ".local-data")}`);
console.log("Press Ctrl-C to stop.");

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping...");
  void serviceBus.close().then(() => process.exit(0));
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
