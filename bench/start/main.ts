// Benchmark of `npm start`: the time from typing it to the first 200 from GET /api/health, with
// nothing to rebuild, against the aim of 3 s (median).
//
//   npm run bench:start -- [--runs 5] [--json <file>]
//
// After one untimed `npm start` (it builds if a source changed, and warms the file cache), runs
// `npm start -- --in-memory` on free ports (every port flag 0) `--runs` times, each in its own
// process group, stopped with SIGINT once /api/health has answered 200; reports each run and the
// median of each phase, in ms from spawning npm: npm running the script, the build check, the
// host process and each emulator starting, the host loading the app, listening, and the first
// 200. For comparison it also times `npm run build --silent` with nothing to rebuild, the step
// `npm start` skips when nothing changed. Settings that point the app at real Azure resources are
// removed from the children's environment, so it starts its own emulators.
import {
  describeWallTime,
  formatMs,
  formatTable,
  inheritedEnvironment,
  machineJson,
  parseBenchArgs,
  positiveInteger,
  REPO_ROOT,
  rerunCommand,
  runBenchmark,
  verdict,
  writeJsonReport,
} from "../kit/index.js";
import { STAGES, timeCommand, timeStartup, type StartupTiming } from "./startup-time.js";

const DEFAULT_RUNS = 5;
/** `npm start` to the first 200 on /api/health, median. */
const AIM_MS = 3_000;
const START_ARGS = [
  "--in-memory",
  "--port",
  "0",
  "--service-bus-port",
  "0",
  "--storage-port",
  "0",
  "--sandbox-port",
  "0",
] as const;
const STARTUP_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
/** App settings that would point `npm start` at real resources instead of its own emulators. */
const REMOTE_SETTINGS = [
  "EscalationsStorage",
  "ServiceBusConnection",
  "PARTNER_CENTER_API_URL",
  "PARTNER_CENTER_AUTHORITY",
];

const usage = `usage: npm run bench:start -- [--runs N] [--json <file>]
  --runs N       timed starts; the median is reported (default ${DEFAULT_RUNS})
  --json <file>  also write the results as JSON`;

interface Options {
  runs: number;
  jsonPath: string | undefined;
}

function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs({ runs: { type: "string", default: String(DEFAULT_RUNS) } }, usage);
  if (parsed === undefined) return undefined;
  return { runs: positiveInteger("runs", parsed.values.runs), jsonPath: parsed.jsonPath };
}

const rerun = (options: Options) => rerunCommand("bench:start", [["runs", options.runs, DEFAULT_RUNS]]);

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const seconds = (ms: number | undefined) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(2)} s`);

async function main(options: Options, began: number): Promise<void> {
  const { env, removed } = inheritedEnvironment(REMOTE_SETTINGS);
  if (removed.length > 0) console.log(`Removed from the environment of npm start: ${removed.join(", ")}`);
  const startOnce = () =>
    timeStartup({
      command: "npm",
      args: ["start", "--", ...START_ARGS],
      cwd: REPO_ROOT,
      env,
      healthPath: "/api/health",
      timeoutMs: STARTUP_TIMEOUT_MS,
      stopTimeoutMs: STOP_TIMEOUT_MS,
    });
  const warmUp = await startOnce();
  console.log(`untimed first npm start (builds what changed, warms the file cache): ${seconds(warmUp.readyMs)}`);

  const runs: StartupTiming[] = [];
  const builds: number[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const timing = await startOnce();
    runs.push(timing);
    console.log(
      `run ${run}  npm start: first 200 after ${seconds(timing.readyMs)}; stopped by SIGINT in ${seconds(timing.stopMs)}, ${timing.exit}` +
        (timing.leftovers ? "; PROCESSES OF ITS GROUP OUTLIVED IT (killed)" : ""),
    );
    builds.push(await timeCommand("npm", ["run", "build", "--silent"], REPO_ROOT, env));
  }

  const header = ["ms from spawning npm start", ...runs.map((_timing, index) => `run ${index + 1}`), "median"];
  const row = (label: string, values: readonly (number | undefined)[]) => [
    label,
    ...values.map((ms) => formatMs(ms, 0)),
    formatMs(median(values.filter((ms) => ms !== undefined)), 0),
  ];
  const rows = [
    ...STAGES.map((stage) =>
      row(
        `  ${stage.label}`,
        runs.map((timing) => timing.stagesMs[stage.key]),
      ),
    ),
    row(
      "first 200 from GET /api/health",
      runs.map((timing) => timing.readyMs),
    ),
    row(
      "  stop: SIGINT until every process has gone",
      runs.map((timing) => timing.stopMs),
    ),
    row("for comparison: npm run build --silent, nothing to rebuild", builds),
  ];
  console.log("");
  console.log(
    `npm start -- ${START_ARGS.join(" ")}: each phase when its line appeared; /api/health polled every 25 ms once the host listens`,
  );
  console.log(formatTable(header, rows));
  const ready = median(runs.map((timing) => timing.readyMs));
  const leftovers = runs.filter((timing) => timing.leftovers).length;
  if (leftovers > 0)
    console.log(`WARNING: in ${leftovers} run(s), processes of npm start outlived it, and were killed.`);
  console.log("");
  console.log(
    `Aim: npm start to the first 200 on /api/health < ${seconds(AIM_MS)} (median of ${options.runs}): ${seconds(ready)}, ` +
      verdict(ready !== undefined && ready < AIM_MS),
  );
  const totalMs = performance.now() - began;
  console.log(describeWallTime(totalMs));
  console.log(`Rerun: ${rerun(options)}`);
  if (options.jsonPath !== undefined)
    await writeJsonReport(options.jsonPath, {
      date: new Date().toISOString(),
      command: rerun(options),
      environment: machineJson(),
      args: START_ARGS,
      removedSettings: removed,
      runs,
      noOpBuildMs: builds,
      medianMs: {
        ready,
        ...Object.fromEntries(
          STAGES.map((stage) => [
            stage.key,
            median(runs.map((timing) => timing.stagesMs[stage.key]).filter((ms) => ms !== undefined)),
          ]),
        ),
        noOpBuild: median(builds),
      },
      aim: { belowMs: AIM_MS, met: ready !== undefined && ready < AIM_MS },
      totalMs,
    });
}

runBenchmark(parseOptions, main, usage);
