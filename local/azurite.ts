// Azurite's Table service from node_modules, for `npm start` and the integration tests. Always
// with --disableTelemetry: otherwise Azurite tries to reach the internet.
//
// Azurite keeps its tables in a LokiJS database that it writes to disk every 5 s (a fixed
// interval, no option changes it) and once more when it stops on SIGINT, its only graceful path:
// any other signal ends it with up to 5 s of acknowledged writes unsaved. So it is stopped with
// SIGINT only, runs in its own process group (a terminal's Ctrl-C reaches the launcher, which
// stops Azurite after the app has drained, not before) and stops the same way by itself when
// the process that started it is gone, however that process ended.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { findFreePort } from "./free-port.js";

/** Azurite's published development account; the key is public and grants nothing outside it. */
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  port?: number;
  /** 0 (the default) picks a free port. Folder for its data below; omit for in-memory storage. */
  location?: string;
  onOutput?: (line: string) => void;
  /** Node options before Azurite's script (a benchmark's `--import` preload); none by default. */
  nodeArgs?: readonly string[];
  /** Extra environment variables for the child, over this process's. */
  env?: NodeJS.ProcessEnv;
}

export interface RunningAzurite {
  readonly port: number;
  readonly connectionString: string;
  readonly pid: number | undefined;
  close(): Promise<void>;
}

/** How long a graceful stop may take: closing the server and writing the database, well under a second for local data. */
const STOP_TIMEOUT_MS = 10_000;

// Loaded into Azurite before its own code: when its parent dies (even by SIGKILL) the orphan is
// adopted by another process, and Azurite is sent the SIGINT it saves on, once (a second
// SIGINT, with its handler gone, would end it mid-save).
const STOP_WHEN_ORPHANED = `const parent = process.ppid;
const watch = setInterval(() => {
  if (process.ppid !== parent) { clearInterval(watch); process.kill(process.pid, "SIGINT"); }
}, 500);
watch.unref();`;

function azuriteTableScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("azurite/package.json")), "dist", "src", "table", "main.js");
}

export function tableConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;
}

export async function startAzuriteTable(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const requested = options.port === undefined || options.port === 0 ? await findFreePort() : options.port;
  const args = [
    ...(options.nodeArgs ?? []),
    "--import",
    `data:text/javascript,${encodeURIComponent(STOP_WHEN_ORPHANED)}`,
    azuriteTableScript(),
    "--tableHost",
    "127.0.0.1",
    "--tablePort",
    String(requested),
    "--disableTelemetry",
    "--skipApiVersionCheck",
    "--silent",
  ];
  if (options.location === undefined) args.push("--inMemoryPersistence");
  else args.push("--location", options.location);
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    // Windows has neither process groups nor SIGINT between processes; there it stays in ours.
    detached: process.platform !== "win32",
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split("\n")) if (line.trim() !== "") options.onOutput?.(line);
      const match = /successfully (?:started|listening) (?:on|at) (?:http:\/\/)?127\.0\.0\.1:(\d+)/.exec(output);
      if (match?.[1]) resolve(Number(match[1]));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => reject(new Error(`Azurite exited with ${String(code)} before listening:\n${output}`)));
  });
  let closing: Promise<void> | undefined;
  return {
    port,
    pid: child.pid,
    connectionString: tableConnectionString(port),
    close: () => (closing ??= stopAzurite(child, exited)),
  };
}

/** SIGINT, once, then waits for Azurite to save and exit; a stuck one is killed so it never holds `npm start` open. */
async function stopAzurite(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
