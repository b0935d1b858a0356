// One timed start of the app for the start-up benchmark (bench/start/): spawns `npm start ...` in
// its own process group, notes when its output shows each phase, polls GET <url>/api/health every
// 25 ms from the moment it prints `Host listening on <url>` until the first 200, then stops the
// whole group with SIGINT (a terminal's Ctrl-C) and waits until every process holding its output
// has gone.
import { spawn } from "node:child_process";
import { request } from "node:http";
import { createInterface } from "node:readline";

const LISTENING_PATTERN = /Host listening on (http:\/\/\S+)/;
const POLL_INTERVAL_MS = 25;
const KEEP_OUTPUT_LINES = 60;

/** Lines of `npm start`'s output that mark a phase, in the order they usually come, and what the report calls each. */
export const STAGES = [
  { key: "npm", label: "npm runs the start script", pattern: /^> node local\/launch\.js/ },
  { key: "buildChecked", label: "build checked (or built)", pattern: /^\[start\] build: (up to date|done)/ },
  { key: "hostSpawned", label: "Functions host process started", pattern: /^\[start\] Functions host started/ },
  { key: "sandbox", label: "21Vianet sandbox listening", pattern: /^\[start\] Partner Center \(21Vianet\) sandbox on/ },
  { key: "serviceBus", label: "Service Bus emulator listening", pattern: /^\[start\] Service Bus emulator on/ },
  { key: "appLoading", label: "host loading the app", pattern: /Loading the app in / },
  { key: "azurite", label: "Azurite listening", pattern: /^\[start\] Azurite Table service on/ },
  { key: "emulatorsUp", label: "every emulator up", pattern: /^\[start\] data: / },
  {
    key: "appLoaded",
    label: "host has loaded the app",
    pattern: /^\[start\] Functions host \(pid \d+\) loaded the app/,
  },
  { key: "listening", label: "host listening", pattern: LISTENING_PATTERN },
] as const;
export type StageKey = (typeof STAGES)[number]["key"];

export interface StartupTiming {
  /** From spawn to the first 200 from GET /api/health. */
  readyMs: number;
  /** From spawn to the first line showing each phase, where it was seen. */
  stagesMs: Partial<Record<StageKey, number>>;
  /** Health requests made, the last one being the 200. */
  healthPolls: number;
  /** From SIGINT to the 'close' event (every process holding its stdout/stderr gone). */
  stopMs: number;
  /** How the command ended after SIGINT. */
  exit: string;
  /** Whether processes of its group were still alive after 'close' (and were killed). */
  leftovers: boolean;
}

export interface StartupOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  healthPath: string;
  timeoutMs: number;
  stopTimeoutMs: number;
}

interface HealthAnswer {
  status: number | undefined;
  error?: string;
}

function getStatus(url: string, timeoutMs: number): Promise<HealthAnswer> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: "GET", agent: false, headers: { connection: "close" }, timeout: timeoutMs },
      (response) => {
        response.resume();
        response.once("end", () => {
          resolve({ status: response.statusCode });
        });
        response.once("error", (error) => {
          resolve({ status: undefined, error: error.message });
        });
      },
    );
    req.once("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once("error", (error) => {
      resolve({ status: undefined, error: error.message });
    });
    req.end();
  });
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function timeStartup(options: StartupOptions): Promise<StartupTiming> {
  const began = performance.now();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${options.command} ${options.args.join(" ")}`);
  const killOnExit = () => {
    killGroup(pid, "SIGKILL");
  };
  process.on("exit", killOnExit);

  const output: string[] = [];
  const stagesMs: Partial<Record<StageKey, number>> = {};
  let resolveUrl: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => {
    resolveUrl = resolve;
  });
  const onLine = (stream: string) => (line: string) => {
    const at = performance.now() - began;
    output.push(`[${stream} +${Math.round(at)} ms] ${line}`);
    if (output.length > KEEP_OUTPUT_LINES) output.shift();
    for (const stage of STAGES) {
      if (stagesMs[stage.key] === undefined && stage.pattern.test(line)) stagesMs[stage.key] = at;
    }
    const match = LISTENING_PATTERN.exec(line);
    if (match?.[1] !== undefined) resolveUrl(match[1]);
  };
  createInterface({ input: child.stdout }).on("line", onLine("stdout"));
  createInterface({ input: child.stderr }).on("line", onLine("stderr"));

  const closed = new Promise<string>((resolve) => {
    child.once("close", (code, signal) => {
      resolve(signal === null ? `exit code ${String(code)}` : `signal ${signal}`);
    });
  });
  const describe = (what: string) =>
    `${options.command} ${options.args.join(" ")}: ${what}; its output:\n  ${output.join("\n  ")}`;

  const stop = async (): Promise<{ stopMs: number; exit: string; leftovers: boolean }> => {
    const stopBegan = performance.now();
    killGroup(pid, "SIGINT");
    let timer: NodeJS.Timeout | undefined;
    let exit = await Promise.race([
      closed,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => {
          resolve(undefined);
        }, options.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (exit === undefined) {
      killGroup(pid, "SIGKILL");
      exit = `${await closed} (SIGKILL after ${options.stopTimeoutMs} ms without closing)`;
    }
    const stopMs = performance.now() - stopBegan;
    // Anything of the group still alive here no longer holds the output pipes but was not stopped.
    const leftovers = groupAlive(pid);
    if (leftovers) killGroup(pid, "SIGKILL");
    process.off("exit", killOnExit);
    return { stopMs, exit, leftovers };
  };

  try {
    const deadline = began + options.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const url = await Promise.race([
      listening,
      closed.then((how): never => {
        throw new Error(describe(`ended with ${how} before printing 'Host listening on'`));
      }),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(describe(`did not print 'Host listening on' within ${options.timeoutMs} ms`)));
        }, options.timeoutMs);
      }),
    ]).finally(() => {
      clearTimeout(timer);
    });
    const healthUrl = new URL(options.healthPath, url).href;
    let polls = 0;
    let last: HealthAnswer = { status: undefined };
    for (;;) {
      polls++;
      last = await getStatus(healthUrl, Math.max(1, deadline - performance.now()));
      if (last.status === 200) break;
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          describe(`ended before GET ${healthUrl} answered 200 (last: ${last.status ?? last.error ?? "?"})`),
        );
      if (performance.now() > deadline)
        throw new Error(
          describe(
            `GET ${healthUrl} did not answer 200 within ${options.timeoutMs} ms (last: ${last.status ?? last.error ?? "?"})`,
          ),
        );
      await sleep(POLL_INTERVAL_MS);
    }
    const readyMs = performance.now() - began;
    const stopped = await stop();
    return { readyMs, stagesMs, healthPolls: polls, ...stopped };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs a command to completion and returns its wall time in ms; throws if it fails. */
export async function timeCommand(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const began = performance.now();
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode) => {
      resolve(exitCode);
    });
  });
  const elapsed = performance.now() - began;
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} failed with exit code ${String(code)}:\n${output}`);
  return elapsed;
}
