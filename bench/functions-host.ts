// Benchmark of the local Azure Functions host (local/functions-host/): HTTP throughput and
// latency against a baseline measured in the same run, and the time `npm start` takes to serve.
//
//   npm run bench:functions-host -- [--seconds 5] [--rounds 2] [--runs 3] [--json <file>]
//
// 1. HTTP: the trivial `hello` function of bench/fixtures/trivial-app (GET, anonymous, returns
//    { body: "ok" }) served by the host CLI (dist/local/functions-host/cli.js) in a child
//    process, against the baseline, a bare node:http server answering the same 200 "ok"
//    (dist/bench/bare-http-server.js), also a child process; and, as a reference point between
//    the two, node:http running only the @azure/functions programming model's per-request work on
//    the same function (dist/bench/library-http-server.js), which tells the library's share of
//    the gap from the host's own. autocannon runs in this process with the same settings for all
//    (10 connections, pipelining 1), each server warmed up first, then `--rounds` rounds of one
//    `--seconds` measurement per server, reversing the order every round. Every response must be
//    200 with the body "ok", or the benchmark fails. Reported: req/s, latency percentiles, each
//    server's CPU time per request and memory, and host/bare and host/library req/s against the
//    0.8 aim: no host running the real @azure/functions model can come near bare node:http, so
//    host/library is the ratio that measures the host itself.
// 2. Start-up: after one untimed `npm run build`, the time from spawning
//    `npm start -- --in-memory --port 0 --service-bus-port 0 --storage-port 0` to the first 200
//    from GET /api/health, median of `--runs` runs; the same for `node dist/local/start.js` (no
//    build step, no npm) and the time of `npm run build` alone with nothing to rebuild, which
//    together tell where the time goes. Settings that point the app at real Azure resources are
//    removed from the child's environment, so it starts its own emulators.
import { cpus } from "node:os";
import { join } from "node:path";
import { loadProblems, runLoad, type LoadResult, type LoadSettings } from "./http-load.js";
import {
  DIST_DIR,
  LISTENING,
  REPO_ROOT,
  appHostCli,
  describeWallTime,
  formatInteger,
  formatMiB,
  formatMs,
  formatRatio,
  formatTable,
  inAlternatingOrder,
  inheritedEnvironment,
  machineJson,
  mergeLatencies,
  parseBenchArgs,
  positiveInteger,
  rerunCommand,
  runBenchmark,
  startServerProcess,
  summarizeLatencies,
  verdict,
  withBenchProcesses,
  writeJsonReport,
  type LatencySummary,
  type ServerProcess,
} from "./kit/index.js";
import { timeCommand, timeStartup, type StageKey, type StartupTiming } from "./startup-time.js";

const DEFAULT_SECONDS = 5;
const DEFAULT_ROUNDS = 2;
const DEFAULT_RUNS = 3;
const WARM_UP_SECONDS = 1;
const CONNECTIONS = 10;
const PIPELINING = 1;
const EXPECTED_BODY = "ok";
const REQUEST_PATH = "/api/hello";
/** host req/s over bare req/s, both from this run. */
const AIM_THROUGHPUT_RATIO = 0.8;
/** `npm start` to the first 200 on /api/health, median. */
const AIM_STARTUP_MS = 3_000;
const START_ARGS = ["--in-memory", "--port", "0", "--service-bus-port", "0", "--storage-port", "0"] as const;
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** App settings that would point `npm start` at real resources instead of its own emulators. */
const REMOTE_SETTINGS = ["EscalationsStorage", "ServiceBusConnection"] as const;

const fixtureApp = join(REPO_ROOT, "bench", "fixtures", "trivial-app");

const SERVERS = ["bare", "library", "host"] as const;
type ServerName = (typeof SERVERS)[number];
const SERVER_LABELS: Record<ServerName, string> = {
  bare: "bare node:http",
  library: "node:http + @azure/functions",
  host: "local Functions host",
};
const LABEL_WIDTH = Math.max(...Object.values(SERVER_LABELS).map((label) => label.length));

const usage = `usage: npm run bench:functions-host -- [--seconds N] [--rounds N] [--runs N] [--json <file>]
  --seconds N    seconds per HTTP measurement, after a ${WARM_UP_SECONDS} s warm-up per server (default ${DEFAULT_SECONDS})
  --rounds N     HTTP measurements per server, the order reversed every round (default ${DEFAULT_ROUNDS})
  --runs N       start-up runs of each command; the median is reported (default ${DEFAULT_RUNS})
  --json <file>  also write the results as JSON`;

interface Options {
  seconds: number;
  rounds: number;
  runs: number;
  jsonPath: string | undefined;
}

function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      seconds: { type: "string", default: String(DEFAULT_SECONDS) },
      rounds: { type: "string", default: String(DEFAULT_ROUNDS) },
      runs: { type: "string", default: String(DEFAULT_RUNS) },
    },
    usage,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  return {
    seconds: positiveInteger("seconds", values.seconds),
    rounds: positiveInteger("rounds", values.rounds),
    runs: positiveInteger("runs", values.runs),
    jsonPath,
  };
}

function rerun(options: Options): string {
  return rerunCommand("bench:functions-host", [
    ["seconds", options.seconds, DEFAULT_SECONDS],
    ["rounds", options.rounds, DEFAULT_ROUNDS],
    ["runs", options.runs, DEFAULT_RUNS],
  ]);
}

function formatSeconds(ms: number | undefined): string {
  return ms === undefined ? "n/a" : `${(ms / 1000).toFixed(2)} s`;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

// ---------------------------------------------------------------------------------------------
// 1. HTTP throughput and latency

/** One measurement of one server. */
interface HttpMeasurement {
  server: ServerName;
  round: number;
  load: LoadResult;
  /** The server's user + system CPU seconds during the measurement. */
  cpuSeconds: number | undefined;
  rssAfterBytes: number | undefined;
}

/** All rounds of one server merged. */
interface HttpSummary {
  server: ServerName;
  requests: number;
  seconds: number;
  reqPerSec: number;
  latencyMs: LatencySummary;
  cpuSeconds: number | undefined;
  cpuMicrosPerRequest: number | undefined;
  /** CPU seconds per wall second, in %: 100% is one core busy. */
  cpuPercent: number | undefined;
  peakRssBytes: number | undefined;
}

function checkResponses(label: string, load: LoadResult): void {
  const problems = loadProblems(load, EXPECTED_BODY);
  if (problems.length > 0) throw new Error(`${label}: wrong responses from ${load.url}:\n  ${problems.join("\n  ")}`);
}

async function measureServer(server: ProcessOf, round: number, settings: LoadSettings): Promise<HttpMeasurement> {
  const cpuBefore = server.process.cpuSeconds();
  const load = await Promise.race([runLoad(`${server.process.url}${REQUEST_PATH}`, settings), server.process.died]);
  const cpuAfter = server.process.cpuSeconds();
  checkResponses(`${SERVER_LABELS[server.name]}, round ${round}`, load);
  return {
    server: server.name,
    round,
    load,
    cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
    rssAfterBytes: server.process.memory()?.rssBytes,
  };
}

interface ProcessOf {
  name: ServerName;
  process: ServerProcess;
}

function summarize(server: ServerName, measurements: readonly HttpMeasurement[]): HttpSummary {
  const mine = measurements.filter((measurement) => measurement.server === server);
  const requests = mine.reduce((sum, measurement) => sum + measurement.load.requests, 0);
  const seconds = mine.reduce((sum, measurement) => sum + measurement.load.durationSeconds, 0);
  const cpuKnown = mine.every((measurement) => measurement.cpuSeconds !== undefined);
  const cpuSeconds = cpuKnown ? mine.reduce((sum, measurement) => sum + (measurement.cpuSeconds ?? 0), 0) : undefined;
  const rss = mine.map((measurement) => measurement.rssAfterBytes).filter((bytes) => bytes !== undefined);
  return {
    server,
    requests,
    seconds,
    reqPerSec: requests / seconds,
    latencyMs: summarizeLatencies(mergeLatencies(mine.map((measurement) => measurement.load.latencies))),
    cpuSeconds,
    cpuMicrosPerRequest: cpuSeconds === undefined ? undefined : (cpuSeconds * 1e6) / requests,
    cpuPercent: cpuSeconds === undefined ? undefined : (cpuSeconds / seconds) * 100,
    peakRssBytes: rss.length === 0 ? undefined : Math.max(...rss),
  };
}

async function runHttp(
  options: Options,
  tempDir: string,
  started: ServerProcess[],
): Promise<{ measurements: HttpMeasurement[]; summaries: Record<ServerName, HttpSummary> }> {
  const listenArgs = ["--port", "0", "--host", "127.0.0.1"];
  const commands: Record<ServerName, { args: string[]; readyPattern: RegExp }> = {
    bare: {
      args: [join(DIST_DIR, "bench", "bare-http-server.js"), ...listenArgs],
      readyPattern: LISTENING,
    },
    library: {
      args: [join(DIST_DIR, "bench", "library-http-server.js"), "--app", fixtureApp, ...listenArgs],
      readyPattern: LISTENING,
    },
    host: {
      args: [appHostCli(), "--app", fixtureApp, ...listenArgs],
      readyPattern: /Host listening on (http:\/\/\S+)/,
    },
  };
  const servers = {} as Record<ServerName, ProcessOf>;
  for (const name of SERVERS) {
    const child = await startServerProcess({
      name: SERVER_LABELS[name],
      ...commands[name],
      logPath: join(tempDir, `${name}.log`),
    });
    started.push(child);
    servers[name] = { name, process: child };
    console.log(
      `${SERVER_LABELS[name].padEnd(LABEL_WIDTH)}  pid ${child.pid}: ${child.url}${REQUEST_PATH}; idle RSS ${formatMiB(child.memory()?.rssBytes)}; output in ${child.logPath}`,
    );
  }

  const settings: LoadSettings = {
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    seconds: options.seconds,
    expectBody: EXPECTED_BODY,
  };
  for (const name of SERVERS) {
    const { process: child } = servers[name];
    const warmUp = await Promise.race([
      runLoad(`${child.url}${REQUEST_PATH}`, { ...settings, seconds: WARM_UP_SECONDS }),
      child.died,
    ]);
    checkResponses(`${SERVER_LABELS[name]}, warm-up`, warmUp);
    console.log(
      `warm-up  ${SERVER_LABELS[name].padEnd(LABEL_WIDTH)}  ${formatInteger(warmUp.requests).padStart(7)} requests in ${WARM_UP_SECONDS} s, untimed`,
    );
  }

  const measurements: HttpMeasurement[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    // Reverse the order every round so no server always runs right after the same other one.
    const order = inAlternatingOrder(SERVERS, round);
    for (const name of order) {
      const measurement = await measureServer(servers[name], round, settings);
      measurements.push(measurement);
      const { load } = measurement;
      console.log(
        `round ${round}  ${SERVER_LABELS[name].padEnd(LABEL_WIDTH)}  ${formatInteger(load.reqPerSec).padStart(7)} req/s  ` +
          `p50 ${formatMs(load.latencyMs.p50)} ms  p99 ${formatMs(load.latencyMs.p99)} ms  (${formatInteger(load.requests)} responses, all 200 "${EXPECTED_BODY}")`,
      );
    }
  }
  await Promise.all(SERVERS.map((name) => servers[name].process.stop()));
  return {
    measurements,
    summaries: {
      bare: summarize("bare", measurements),
      library: summarize("library", measurements),
      host: summarize("host", measurements),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Start-up time

const STARTUP_KINDS = ["npmStart", "startJs"] as const;
type StartupKind = (typeof STARTUP_KINDS)[number];
const STARTUP_LABELS: Record<StartupKind, string> = {
  npmStart: `npm start -- ${START_ARGS.join(" ")}`,
  startJs: `node dist/local/start.js ${START_ARGS.join(" ")}`,
};

interface StartupResults {
  runs: Record<StartupKind, StartupTiming[]>;
  buildMs: number[];
  /** Settings removed from the children's environment. */
  removedSettings: string[];
}

async function runStartup(options: Options): Promise<StartupResults> {
  const { env, removed } = inheritedEnvironment(REMOTE_SETTINGS);
  if (removed.length > 0) console.log(`Removed from the environment of npm start: ${removed.join(", ")}`);
  const untimedBuild = await timeCommand("npm", ["run", "build", "--silent"], REPO_ROOT, env);
  console.log(`npm run build (untimed, so that npm start finds dist/ up to date): ${formatSeconds(untimedBuild)}`);
  const results: StartupResults = { runs: { npmStart: [], startJs: [] }, buildMs: [], removedSettings: removed };
  const commands: Record<StartupKind, { command: string; args: string[] }> = {
    npmStart: { command: "npm", args: ["start", "--", ...START_ARGS] },
    startJs: { command: process.execPath, args: [join(DIST_DIR, "local", "start.js"), ...START_ARGS] },
  };
  for (let run = 1; run <= options.runs; run++) {
    for (const kind of STARTUP_KINDS) {
      const { command, args } = commands[kind];
      const timing = await timeStartup({
        command,
        args,
        cwd: REPO_ROOT,
        env,
        healthPath: "/api/health",
        timeoutMs: STARTUP_TIMEOUT_MS,
        stopTimeoutMs: STOP_TIMEOUT_MS,
      });
      results.runs[kind].push(timing);
      console.log(
        `run ${run}  ${STARTUP_LABELS[kind].padEnd(80)} first 200 after ${formatSeconds(timing.readyMs)} ` +
          `(${timing.healthPolls} health request${timing.healthPolls === 1 ? "" : "s"}); stopped in ${formatSeconds(timing.stopMs)}, ${timing.exit}` +
          (timing.leftovers ? "; PROCESSES OF ITS GROUP OUTLIVED IT (killed)" : ""),
      );
    }
    const buildMs = await timeCommand("npm", ["run", "build", "--silent"], REPO_ROOT, env);
    results.buildMs.push(buildMs);
    console.log(`run ${run}  ${"npm run build --silent (nothing to rebuild)".padEnd(80)} ${formatSeconds(buildMs)}`);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Report

function printHttpReport(
  options: Options,
  measurements: readonly HttpMeasurement[],
  summaries: Record<ServerName, HttpSummary>,
): number {
  console.log("");
  console.log(
    `HTTP: GET ${REQUEST_PATH} answering 200 "${EXPECTED_BODY}", same run for all servers; autocannon in the benchmark process, ` +
      `${CONNECTIONS} connections, pipelining ${PIPELINING}, ${options.seconds} s per measurement after a ${WARM_UP_SECONDS} s warm-up per server, ` +
      `${options.rounds} round${options.rounds === 1 ? "" : "s"}, the order reversed every round`,
  );
  console.log("");
  const row = (
    server: ServerName,
    round: string,
    requests: number,
    reqPerSec: number,
    latency: LatencySummary,
    cpuMicros: number | undefined,
    cpuPercent: number | undefined,
    rss: number | undefined,
  ) => [
    SERVER_LABELS[server],
    round,
    formatInteger(requests),
    formatInteger(reqPerSec),
    formatMs(latency.p50),
    formatMs(latency.p90),
    formatMs(latency.p99),
    formatMs(latency.max),
    cpuMicros === undefined ? "n/a" : formatInteger(cpuMicros),
    cpuPercent === undefined ? "n/a" : `${formatInteger(cpuPercent)}%`,
    formatMiB(rss),
  ];
  const rows: string[][] = [];
  for (const server of SERVERS) {
    for (const measurement of measurements.filter((candidate) => candidate.server === server)) {
      const { load, cpuSeconds } = measurement;
      rows.push(
        row(
          server,
          String(measurement.round),
          load.requests,
          load.reqPerSec,
          load.latencyMs,
          cpuSeconds === undefined ? undefined : (cpuSeconds * 1e6) / load.requests,
          cpuSeconds === undefined ? undefined : (cpuSeconds / load.durationSeconds) * 100,
          measurement.rssAfterBytes,
        ),
      );
    }
    const summary = summaries[server];
    rows.push(
      row(
        server,
        "all",
        summary.requests,
        summary.reqPerSec,
        summary.latencyMs,
        summary.cpuMicrosPerRequest,
        summary.cpuPercent,
        summary.peakRssBytes,
      ),
    );
  }
  console.log(
    formatTable(
      [
        "Server",
        "Round",
        "Responses",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "CPU us/req",
        "CPU",
        "RSS after",
      ],
      rows,
      2,
    ),
  );
  console.log("");
  const ratioRow = (label: string, top: HttpSummary, bottom: HttpSummary, meaning: string) => [
    label,
    formatRatio(top.reqPerSec / bottom.reqPerSec),
    formatRatio(top.latencyMs.p50 / bottom.latencyMs.p50),
    formatRatio(top.latencyMs.p99 / bottom.latencyMs.p99),
    formatRatio(
      top.cpuMicrosPerRequest === undefined || bottom.cpuMicrosPerRequest === undefined
        ? undefined
        : top.cpuMicrosPerRequest / bottom.cpuMicrosPerRequest,
    ),
    meaning,
  ];
  console.log(
    formatTable(
      ["Ratio, all rounds", "req/s", "p50", "p99", "CPU/req", "Meaning"],
      [
        ratioRow(
          "host / bare",
          summaries.host,
          summaries.bare,
          `aim req/s >= ${AIM_THROUGHPUT_RATIO.toFixed(2)}x against a server doing none of the model's work`,
        ),
        ratioRow(
          "library / bare",
          summaries.library,
          summaries.bare,
          "what the @azure/functions model alone leaves: the most any host running it can reach",
        ),
        ratioRow(
          "host / library",
          summaries.host,
          summaries.library,
          `aim req/s >= ${AIM_THROUGHPUT_RATIO.toFixed(2)}x: the same handler on bare node:http; the host's own cost`,
        ),
      ],
    ),
  );
  console.log("(req/s: higher is better; latency and CPU per request: lower is better)");
  console.log(
    "Latency: from autocannon's per-response times (process.hrtime, sub-ms), over every response; 'all' merges the rounds. " +
      "CPU: the server process's user+system time during the measurement (/proc/<pid>/stat), per response and per wall second (100% = one core). " +
      `The load generator shares this machine's ${cpus().length} CPUs with the server.`,
  );
  return summaries.host.reqPerSec / summaries.bare.reqPerSec;
}

function printStartupReport(options: Options, results: StartupResults): number | undefined {
  console.log("");
  console.log(
    `Start-up: spawn to the first 200 from GET /api/health (polled every 25 ms once 'Host listening on' is printed), ${options.runs} run${options.runs === 1 ? "" : "s"} of each, median`,
  );
  console.log("");
  const runHeaders = Array.from({ length: options.runs }, (_unused, index) => `run ${index + 1}`);
  const rows: string[][] = [];
  const stageLabels: Record<StageKey, string> = {
    emulators: "  first '[start]' line (emulators up)",
    hostLoading: "  host child 'Loading the app'",
    listening: "  'Host listening on'",
  };
  for (const kind of STARTUP_KINDS) {
    const timings = results.runs[kind];
    const ready = timings.map((timing) => timing.readyMs);
    rows.push([STARTUP_LABELS[kind], ...ready.map((ms) => formatMs(ms, 0)), formatMs(median(ready), 0)]);
    for (const stage of Object.keys(stageLabels) as StageKey[]) {
      const values = timings.map((timing) => timing.stagesMs[stage]);
      const known = values.filter((ms) => ms !== undefined);
      rows.push([stageLabels[stage], ...values.map((ms) => formatMs(ms, 0)), formatMs(median(known), 0)]);
    }
    const stops = timings.map((timing) => timing.stopMs);
    rows.push([
      "  stop: SIGINT to the group until all output closed",
      ...stops.map((ms) => formatMs(ms, 0)),
      formatMs(median(stops), 0),
    ]);
  }
  rows.push([
    "npm run build --silent, nothing to rebuild",
    ...results.buildMs.map((ms) => formatMs(ms, 0)),
    formatMs(median(results.buildMs), 0),
  ]);
  console.log(formatTable(["ms from spawn", ...runHeaders, "median"], rows));
  const npmStart = median(results.runs.npmStart.map((timing) => timing.readyMs));
  const startJs = median(results.runs.startJs.map((timing) => timing.readyMs));
  const build = median(results.buildMs);
  if (npmStart !== undefined && startJs !== undefined) {
    const stage = (key: StageKey) =>
      median(results.runs.startJs.map((timing) => timing.stagesMs[key]).filter((ms) => ms !== undefined));
    console.log("");
    console.log(
      `Where npm start's ${formatSeconds(npmStart)} goes (medians): ${formatSeconds(npmStart - startJs)} (${formatInteger(((npmStart - startJs) / npmStart) * 100)}%) before start.js ` +
        `(npm, then \`npm run build --silent\`: tsc with nothing to rebuild; that command timed on its own: ${formatSeconds(build)}), ` +
        `and ${formatSeconds(startJs)} in start.js itself: emulators up at ${formatSeconds(stage("emulators"))}, host child loading the app at ${formatSeconds(stage("hostLoading"))}, ` +
        `listening at ${formatSeconds(stage("listening"))}, first 200 at ${formatSeconds(startJs)}.`,
    );
  }
  const leftovers = STARTUP_KINDS.flatMap((kind) => results.runs[kind]).filter((timing) => timing.leftovers).length;
  if (leftovers > 0)
    console.log(
      `WARNING: in ${leftovers} run(s), processes of the started group were still alive after its output closed, and were killed.`,
    );
  return npmStart;
}

async function writeJson(
  path: string,
  options: Options,
  http: { measurements: HttpMeasurement[]; summaries: Record<ServerName, HttpSummary>; ratio: number },
  startup: StartupResults,
  totalMs: number,
): Promise<void> {
  const npmStart = median(startup.runs.npmStart.map((timing) => timing.readyMs));
  const json = {
    date: new Date().toISOString(),
    command: rerun(options),
    environment: machineJson(),
    http: {
      path: REQUEST_PATH,
      connections: CONNECTIONS,
      pipelining: PIPELINING,
      secondsPerMeasurement: options.seconds,
      warmUpSeconds: WARM_UP_SECONDS,
      rounds: options.rounds,
      measurements: http.measurements.map(({ load, ...rest }) => ({
        ...rest,
        load: { ...load, latencies: undefined },
      })),
      summaries: http.summaries,
      hostBareRatio: http.ratio,
      hostLibraryRatio: http.summaries.host.reqPerSec / http.summaries.library.reqPerSec,
      aim: {
        ratioAtLeast: AIM_THROUGHPUT_RATIO,
        hostBareMet: http.ratio >= AIM_THROUGHPUT_RATIO,
        hostLibraryMet: http.summaries.host.reqPerSec / http.summaries.library.reqPerSec >= AIM_THROUGHPUT_RATIO,
      },
    },
    startup: {
      ...startup,
      medianMs: {
        npmStart,
        startJs: median(startup.runs.startJs.map((timing) => timing.readyMs)),
        build: median(startup.buildMs),
      },
      aim: { npmStartBelowMs: AIM_STARTUP_MS, met: npmStart !== undefined && npmStart < AIM_STARTUP_MS },
    },
    totalMs,
  };
  await writeJsonReport(path, json);
}

async function main(options: Options, began: number): Promise<void> {
  const started: ServerProcess[] = [];
  await withBenchProcesses(
    {
      tempPrefix: "functions-host-bench-",
      stopAll: () => Promise.all(started.map((server) => server.stop())),
      onFailure: () => {
        for (const server of started) {
          const recent = server.recentOutput(40);
          if (recent.length > 0)
            console.error(
              `${server.name} output (last ${recent.length} lines of ${server.logPath}):\n  ${recent.join("\n  ")}`,
            );
        }
      },
    },
    async ({ tempDir }) => {
      const http = await runHttp(options, tempDir, started);
      const startup = await runStartup(options);
      const totalMs = performance.now() - began;

      const ratio = printHttpReport(options, http.measurements, http.summaries);
      const npmStart = printStartupReport(options, startup);
      console.log("");
      console.log("Aims:");
      const hostLibrary = http.summaries.host.reqPerSec / http.summaries.library.reqPerSec;
      console.log(
        `  host/bare req/s >= ${AIM_THROUGHPUT_RATIO.toFixed(2)}x: ${formatRatio(ratio)}, ${verdict(ratio >= AIM_THROUGHPUT_RATIO)} (the @azure/functions model alone reaches ${formatRatio(http.summaries.library.reqPerSec / http.summaries.bare.reqPerSec)})`,
      );
      console.log(
        `  host/library req/s >= ${AIM_THROUGHPUT_RATIO.toFixed(2)}x (same handler, same library, on bare node:http): ${formatRatio(hostLibrary)}, ${verdict(hostLibrary >= AIM_THROUGHPUT_RATIO)}`,
      );
      console.log(
        `  npm start to the first 200 on /api/health < ${formatSeconds(AIM_STARTUP_MS)} (median of ${options.runs}): ${formatSeconds(npmStart)}, ` +
          verdict(npmStart !== undefined && npmStart < AIM_STARTUP_MS),
      );
      console.log("");
      console.log(describeWallTime(totalMs));
      console.log(`Rerun: ${rerun(options)}`);
      if (options.jsonPath !== undefined)
        await writeJson(options.jsonPath, options, { ...http, ratio }, startup, totalMs);
    },
  );
}

runBenchmark(parseOptions, main, usage);
