// Runs the local Functions host as a child process, as `npm start` does, and reads what it prints.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const HOST_CLI = fileURLToPath(new URL("../../../../dist/local/functions-host/cli.js", import.meta.url));
export const FIXTURE_APP = fileURLToPath(new URL("../../../fixtures/functions-app", import.meta.url));

export interface HostProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  records(): Record<string, unknown>[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startHostProcess(environment: Record<string, string>, app = FIXTURE_APP): Promise<HostProcess> {
  if (!existsSync(HOST_CLI)) throw new Error("run `npm run build` first: the test starts the built host");
  const recordFile = join(mkdtempSync(join(tmpdir(), "host-records-")), "records.jsonl");
  const child = spawn(process.execPath, [HOST_CLI, "--app", app, "--port", "0"], {
    // The app's event-delivery trigger names its queue by this setting; tests that deliver events set their own.
    env: {
      EVENT_DELIVERY_QUEUE_NAME: "event-deliveries",
      ...process.env,
      FIXTURE_RECORD_FILE: recordFile,
      ...environment,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /Host listening on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`host exited with ${String(code)} before listening:\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    records: () =>
      existsSync(recordFile)
        ? readFileSync(recordFile, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    exited,
    stop: async (signal: NodeJS.Signals = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
