// Benchmark of the local Azure Functions host (local/functions-host/): HTTP throughput and
// latency against a baseline measured in the same run, and the time `npm start` takes to serve.
//
//   npm run bench:functions-host -- [--seconds 5] [--rounds 2] [--runs 3] [--json <file>]
//
// 1. HTTP: the trivial `hello` function of bench/fixtures/trivial-app (GET, anonymous, returns
//    { body: "ok" }) served by the host CLI (dist/local/functions-host/cli.js) in a child
//    process, against the baseline, a bare node:http server answering the same 200 "ok"
//    (dist/bench/functions-host/bare-http-server.js), also a child process; and, as a reference point between
//    the two, node:http running only the @azure/functions programming model's per-request work on
//    the same function (dist/bench/functions-host/library-http-server.js), which tells the library's share of
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
import {
  describeWallTime,
  formatRatio,
  runBenchmark,
  verdict,
  withBenchProcesses,
  type ServerProcess,
} from "../kit/index.js";
import { runHttp } from "./http.js";
import { printHttpReport, printStartupReport, writeJson } from "./report.js";
import { runStartup } from "./startup.js";
import {
  AIM_STARTUP_MS,
  AIM_THROUGHPUT_RATIO,
  formatSeconds,
  parseOptions,
  rerun,
  usage,
  type Options,
} from "./settings.js";

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
