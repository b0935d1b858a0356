// Runs a broker in a child process, so the benchmark's SDK client and the broker do not share an
// event loop and the broker's memory can be read on its own: the compiled Service Bus emulator CLI,
// or the bare-rhea baseline broker (bench/service-bus/baseline-broker.ts) the benchmark compares it with.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { superviseChild } from "./children.js";
import { readMemoryStatus, type MemoryStatus } from "./proc.js";

/** What both brokers print on stdout once they listen (local/service-bus/cli.ts, baseline-broker.ts). */
const READY_PATTERN = /connection string: (\S+)/;
const KEEP_OUTPUT_LINES = 200;

export interface BrokerProcess {
  /** "emulator" or "baseline", for messages. */
  readonly name: string;
  readonly pid: number;
  readonly connectionString: string;
  /** Rejects as soon as the child exits before stop() was called; never resolves. */
  readonly died: Promise<never>;
  memory(): MemoryStatus | undefined;
  /** The last lines the child wrote to stdout and stderr, for failure reports. */
  recentOutput(): string[];
  /** SIGTERM, then SIGKILL after a grace period. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartOptions {
  startTimeoutMs?: number;
  /** Called for every line the child writes to stderr (warnings, errors). */
  onStderrLine?: (line: string) => void;
}

/** A compiled script relative to this compiled file (dist/bench/kit/). */
function compiledPath(relative: string): string {
  const path = fileURLToPath(new URL(relative, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} does not exist; run \`npm run build\` first`);
  return path;
}

// --port 0: the broker binds a free port itself and prints it in its connection string, which
// avoids the race of probing for a free port and handing it over.

/** The emulator CLI, dist/local/service-bus/cli.js, with the given Config.json. */
export function startEmulatorProcess(options: StartOptions & { configPath: string }): Promise<BrokerProcess> {
  const cliPath = compiledPath("../../local/service-bus/cli.js");
  return startBrokerProcess(
    "emulator",
    [cliPath, "--port", "0", "--host", "127.0.0.1", "--config", options.configPath],
    options,
  );
}

/** The bare-rhea baseline broker, dist/bench/service-bus/baseline-broker.js. */
export function startBaselineProcess(options: StartOptions = {}): Promise<BrokerProcess> {
  const scriptPath = compiledPath("../service-bus/baseline-broker.js");
  return startBrokerProcess("baseline", [scriptPath, "--port", "0", "--host", "127.0.0.1"], options);
}

async function startBrokerProcess(
  name: string,
  args: readonly string[],
  options: StartOptions,
): Promise<BrokerProcess> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${process.execPath} ${args.join(" ")}`);

  const output: string[] = [];
  const remember = (line: string) => {
    output.push(line);
    if (output.length > KEEP_OUTPUT_LINES) output.shift();
  };

  const supervised = superviseChild(child);
  const died = supervised.exited.then((how): never => {
    throw new Error(
      `the ${name} process (pid ${pid}) exited unexpectedly with ${how}; its last output:\n  ${output.slice(-30).join("\n  ")}`,
    );
  });
  // Only reported when someone races against it; stop() makes the exit expected.
  died.catch(() => undefined);

  const ready = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      remember(`[stdout] ${line}`);
      const match = READY_PATTERN.exec(line);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    remember(`[stderr] ${line}`);
    options.onStderrLine?.(line);
  });

  const stop = () => supervised.stop();

  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  let startTimer: NodeJS.Timeout | undefined;
  try {
    const connectionString = await Promise.race([
      ready,
      died,
      new Promise<never>((_resolve, reject) => {
        startTimer = setTimeout(() => {
          reject(
            new Error(
              `the ${name} broker did not print its connection string within ${startTimeoutMs} ms; its output:\n  ${output.join("\n  ")}`,
            ),
          );
        }, startTimeoutMs);
      }),
    ]);
    const diedUnexpectedly = supervised.unlessStopped(died);
    return {
      name,
      pid,
      connectionString,
      died: diedUnexpectedly,
      memory: () => readMemoryStatus(pid),
      recentOutput: () => [...output],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(startTimer);
  }
}
