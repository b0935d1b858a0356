// `node dist/local/vianet-sandbox/cli.js --port 0 [--latency-ms 50]`
import { parseArgs } from "node:util";
import { DEFAULT_APP, DEFAULT_REFRESH_TOKEN, start } from "./index.js";

const usage =
  "usage: node dist/local/vianet-sandbox/cli.js [--port 0] [--host 127.0.0.1] [--latency-ms 0] [--request-id-window-ms 900000] [--attention-after-ms N] [--close-after-ms N]";

function intOption(name: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > max)
    throw new Error(`--${name} must be an integer 0..${max}, got ${value}`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      "latency-ms": { type: "string", default: "0" },
      "request-id-window-ms": { type: "string", default: String(15 * 60_000) },
      "attention-after-ms": { type: "string" },
      "close-after-ms": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const sandbox = await start({
    port: intOption("port", values.port, 65_535),
    host: values.host,
    latencyMs: intOption("latency-ms", values["latency-ms"]),
    requestIdWindowMs: intOption("request-id-window-ms", values["request-id-window-ms"]),
    lifecycle: {
      ...(values["attention-after-ms"] === undefined
        ? {}
        : { attentionAfterMs: intOption("attention-after-ms", values["attention-after-ms"]) }),
      ...(values["close-after-ms"] === undefined
        ? {}
        : { closeAfterMs: intOption("close-after-ms", values["close-after-ms"]) }),
    },
  });
  console.log(`Partner Center sandbox listening on ${sandbox.url}`);
  console.log(
    `  MSAL authority: ${sandbox.authority()} (use sandboxNetworkClient("${sandbox.url}") as system.networkClient)`,
  );
  console.log(
    `  client id ${DEFAULT_APP.clientId}, client secret ${DEFAULT_APP.clientSecret}, refresh token ${DEFAULT_REFRESH_TOKEN}`,
  );
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
