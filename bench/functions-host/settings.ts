// The Functions host benchmark's command line and the constants its parts share.
import { join } from "node:path";
import { REPO_ROOT, parseBenchArgs, positiveInteger, rerunCommand } from "../kit/index.js";

const DEFAULT_SECONDS = 5;
const DEFAULT_ROUNDS = 2;
export const WARM_UP_SECONDS = 1;
export const CONNECTIONS = 10;
export const PIPELINING = 1;
export const EXPECTED_BODY = "ok";
export const REQUEST_PATH = "/api/hello";
/** host req/s over bare req/s, both from this run. */
export const AIM_THROUGHPUT_RATIO = 0.8;

export const fixtureApp = join(REPO_ROOT, "bench", "fixtures", "trivial-app");

export const SERVERS = ["bare", "library", "host"] as const;
export type ServerName = (typeof SERVERS)[number];
export const SERVER_LABELS: Record<ServerName, string> = {
  bare: "bare node:http",
  library: "node:http + @azure/functions",
  host: "local Functions host",
};
export const LABEL_WIDTH = Math.max(...Object.values(SERVER_LABELS).map((label) => label.length));

export const usage = `usage: npm run bench:functions-host -- [--seconds N] [--rounds N] [--json <file>]
  --seconds N    seconds per HTTP measurement, after a ${WARM_UP_SECONDS} s warm-up per server (default ${DEFAULT_SECONDS})
  --rounds N     HTTP measurements per server, the order reversed every round (default ${DEFAULT_ROUNDS})
  --json <file>  also write the results as JSON`;

export interface Options {
  seconds: number;
  rounds: number;
  jsonPath: string | undefined;
}

export function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      seconds: { type: "string", default: String(DEFAULT_SECONDS) },
      rounds: { type: "string", default: String(DEFAULT_ROUNDS) },
    },
    usage,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  return {
    seconds: positiveInteger("seconds", values.seconds),
    rounds: positiveInteger("rounds", values.rounds),
    jsonPath,
  };
}

export function rerun(options: Options): string {
  return rerunCommand("bench:functions-host", [
    ["seconds", options.seconds, DEFAULT_SECONDS],
    ["rounds", options.rounds, DEFAULT_ROUNDS],
  ]);
}
