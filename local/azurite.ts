// Azurite's Table service from node_modules, for `npm start` and the integration tests. Always
// with --disableTelemetry: otherwise Azurite tries to reach the internet.
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

function azuriteTableScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("azurite/package.json")), "dist", "src", "table", "main.js");
}

export function tableConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;
}

export async function startAzuriteTable(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const requested = options.port === undefined || options.port === 0 ? await findFreePort() : options.port;
  const args = [...(options.nodeArgs ?? []), azuriteTableScript(), "--tableHost", "127.0.0.1", "--tablePort", String(requested), "--disableTelemetry", "--skipApiVersionCheck", "--silent"];
  if (options.location === undefined) args.push("--inMemoryPersistence");
  else args.push("--location", options.location);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }) });
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
  return {
    port,
    pid: child.pid,
    connectionString: tableConnectionString(port),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      // Azurite stops in well under a second; never let a stuck one hold `npm start` open.
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
