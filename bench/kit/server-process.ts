// Runs an HTTP server under test in a child process (the local Functions host CLI, the bare
// node:http baseline...) and reads its CPU time and memory. The child's stdout and
// stderr go straight to a log file, so the benchmark process, which may also run the load
// generator, spends nothing on reading the host's per-request log lines; the file is read only to
// find the ready line and, on failure, the last lines.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { superviseChild } from "./children.js";
import { readCpuSeconds, readMemoryStatus, type MemoryStatus } from "./proc.js";

const READY_POLL_MS = 20;
const TAIL_BYTES = 16 * 1024;

export interface ServerProcess {
  /** For messages and the report. */
  readonly name: string;
  readonly pid: number;
  /** The base URL the server printed, such as http://127.0.0.1:43127. */
  readonly url: string;
  readonly logPath: string;
  /** Rejects as soon as the child exits before stop() was called; never resolves. */
  readonly died: Promise<never>;
  memory(): MemoryStatus | undefined;
  /** User + system CPU time the child has used so far, in seconds; undefined without procfs. */
  cpuSeconds(): number | undefined;
  /** The last lines of its output, for failure reports. */
  recentOutput(lines?: number): string[];
  /** SIGTERM, then SIGKILL after a grace period. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  name: string;
  /** Arguments to `node` (process.execPath): the script first. */
  args: readonly string[];
  /** Matches the line the server prints once it listens; group 1 is its base URL. */
  readyPattern: RegExp;
  /** Where the child's stdout and stderr go. */
  logPath: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

/** The last `count` lines of a file, reading only its tail. */
function tailLines(path: string, count: number): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const size = statSync(path).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer
      .toString("utf8")
      .split("\n")
      .filter((line) => line !== "")
      .slice(-count);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const { name, logPath } = options;
  const logFd = openSync(logPath, "w");
  const spawnChild = () => {
    try {
      return spawn(process.execPath, options.args, {
        stdio: ["ignore", logFd, logFd],
        env: options.env ?? process.env,
      });
    } finally {
      // The child has its own copy of the descriptor.
      closeSync(logFd);
    }
  };
  const child = spawnChild();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${process.execPath} ${options.args.join(" ")}`);
  const recentOutput = (lines = 30) => tailLines(logPath, lines);

  const supervised = superviseChild(child);
  const died = supervised.exited.then((how): never => {
    throw new Error(
      `the ${name} process (pid ${pid}) exited unexpectedly with ${how}; its last output (${logPath}):\n  ${recentOutput().join("\n  ")}`,
    );
  });
  died.catch(() => undefined);

  const stop = () => supervised.stop();

  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const deadline = performance.now() + startTimeoutMs;
  try {
    let url: string | undefined;
    while (url === undefined) {
      const match = options.readyPattern.exec(readFileSync(logPath, "utf8"));
      if (match?.[1] !== undefined) {
        url = match[1];
        break;
      }
      if (child.exitCode !== null || child.signalCode !== null) await died;
      if (performance.now() > deadline) {
        throw new Error(
          `the ${name} did not print its ready line within ${startTimeoutMs} ms; its output (${logPath}):\n  ${recentOutput().join("\n  ")}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    const diedUnexpectedly = supervised.unlessStopped(died);
    return {
      name,
      pid,
      url,
      logPath,
      died: diedUnexpectedly,
      memory: () => readMemoryStatus(pid),
      cpuSeconds: () => readCpuSeconds(pid),
      recentOutput,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
