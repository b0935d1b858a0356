// What every benchmark's main does around its measurements: its command line (own options plus
// --json and --help, the usage on a mistake, the command that reruns it), the processes it starts
// stopped whatever happens (Ctrl-C included), the temporary folder with their logs kept only when
// the run failed, the JSON report, and the exit: 0, or 1 and "BENCHMARK FAILED".
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { describeMachine } from "./format.js";

/** The repository, from the compiled kit (dist/bench/kit/). */
export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** The compiled tree the benchmarks and their children run from. */
export const DIST_DIR = fileURLToPath(new URL("../..", import.meta.url));

/** A mistake in the command line: printed with the usage, not as a failure of the benchmark. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A wrong answer, a lost or duplicated item: the figures would mean nothing. */
export class VerificationError extends Error {
  override readonly name = "VerificationError";
}

export function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`--${name} must be a positive integer, got ${text}`);
  return value;
}

export function nonNegativeInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new UsageError(`--${name} must be a non-negative integer, got ${text}`);
  return value;
}

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** What every benchmark takes besides its own options. */
const COMMON_OPTIONS = {
  json: { type: "string" },
  help: { type: "boolean", default: false },
} as const satisfies OptionsConfig;

/**
 * A benchmark's command line: its own `options` plus --json <file> and --help. For --help it
 * prints `usage` and answers undefined; otherwise the parsed values and the JSON report's path.
 */
export function parseBenchArgs<T extends OptionsConfig>(options: T, usage: string) {
  const { values } = parseArgs({ options: { ...options, ...COMMON_OPTIONS } });
  // The two common options, read where their types are known; `values` keeps the caller's own.
  const common = values as { json?: string; help?: boolean };
  if (common.help === true) {
    console.log(usage);
    return undefined;
  }
  return { values, jsonPath: common.json === undefined ? undefined : resolve(common.json) };
}

/** A flag of the rerun command: its name, its value, and the default that leaves it out (none: always given). */
export type RerunFlag = readonly [
  name: string,
  value: string | number | boolean,
  omittedAt?: string | number | boolean,
];

/** `npm run <script> -- <flags>`: a boolean flag given as `--name` when true, the others as `--name value`. */
export function rerunCommand(script: string, flags: readonly RerunFlag[]): string {
  const given = flags
    .filter(([, value, omittedAt]) => value !== omittedAt && value !== false)
    .map(([name, value]) => (value === true ? `--${name}` : `--${name} ${value}`));
  return `npm run ${script}${given.length > 0 ? ` -- ${given.join(" ")}` : ""}`;
}

export interface BenchRun {
  /** A fresh temporary folder for configs, data and logs. */
  tempDir: string;
}

export interface HarnessOptions {
  /** Prefix of the temporary folder's name, e.g. "intake-bench-". */
  tempPrefix: string;
  /** Stops everything the run started; called once at the end and on Ctrl-C. */
  stopAll(): Promise<unknown>;
  /** Prints what helps diagnose a failure (the children's last output lines). */
  onFailure?(): void;
  /** Keep the temporary folder after a failed run (it holds the children's logs). Default true. */
  keepTempDirOnFailure?: boolean;
}

export async function withBenchProcesses<T>(options: HarnessOptions, body: (run: BenchRun) => Promise<T>): Promise<T> {
  const tempDir = await mkdtemp(join(tmpdir(), options.tempPrefix));
  const interrupt = () => {
    console.error("interrupted; stopping the processes");
    void options
      .stopAll()
      .finally(() => rm(tempDir, { recursive: true, force: true }))
      .finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  let succeeded = false;
  try {
    const result = await body({ tempDir });
    succeeded = true;
    return result;
  } catch (error) {
    options.onFailure?.();
    throw error;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await options.stopAll();
    if (succeeded || options.keepTempDirOnFailure === false) await rm(tempDir, { recursive: true, force: true });
  }
}

/**
 * Runs a benchmark: parses its options (undefined after --help), prints the machine, runs
 * `main` with the options and its start time, and exits: 0, or 1 with the usage after a
 * UsageError and "BENCHMARK FAILED".
 */
export function runBenchmark<O>(
  parseOptions: () => O | undefined,
  main: (options: O, began: number) => Promise<void>,
  usage: string,
): void {
  const run = async () => {
    const options = parseOptions();
    if (options === undefined) return;
    const began = performance.now();
    console.log(describeMachine());
    await main(options, began);
  };
  run().then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      console.error(error instanceof UsageError ? `${error.message}\n${usage}` : error);
      console.error("BENCHMARK FAILED");
      process.exit(1);
    },
  );
}

/** Writes a benchmark's results as indented JSON and says where. */
export async function writeJsonReport(path: string, json: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`Results written to ${path}`);
}

/** `count` calls of `work(n)`, `inFlight` at a time; the first failure stops the rest from starting and is thrown. */
export async function inPool(count: number, inFlight: number, work: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < count) {
      const n = next++;
      try {
        await work(n);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

/**
 * The items in their order in odd rounds and reversed in even ones (ABBA with two rounds), so a
 * drift over the run (the machine's other load, a growing store) weighs on all of them alike.
 */
export function inAlternatingOrder<T>(items: readonly T[], round: number): readonly T[] {
  return round % 2 === 1 ? items : [...items].reverse();
}
