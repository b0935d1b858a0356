// Benchmark of the local Azure Functions host (local/functions-host/): HTTP throughput and
// latency against a baseline measured in the same run. The time `npm start` takes to serve is
// measured by bench/start/ (`npm run bench:start`).
//
//   npm run bench:functions-host -- [--seconds 5] [--rounds 2] [--json <file>]
//
// HTTP: the trivial `hello` function of bench/fixtures/trivial-app (GET, anonymous, returns
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
import {
  describeWallTime,
  formatRatio,
  runBenchmark,
  verdict,
  withBenchProcesses,
  type ServerProcess,
} from "../kit/index.js";
import { runHttp } from "./http.js";
import { printHttpReport, writeJson } from "./report.js";
import { AIM_THROUGHPUT_RATIO, parseOptions, rerun, usage, type Options } from "./settings.js";

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
      const totalMs = performance.now() - began;

      const ratio = printHttpReport(options, http.measurements, http.summaries);
      console.log("");
      console.log("Aims:");
      const hostLibrary = http.summaries.host.reqPerSec / http.summaries.library.reqPerSec;
      console.log(
        `  host/bare req/s >= ${AIM_THROUGHPUT_RATIO.toFixed(2)}x: ${formatRatio(ratio)}, ${verdict(ratio >= AIM_THROUGHPUT_RATIO)} (the @azure/functions model alone reaches ${formatRatio(http.summaries.library.reqPerSec / http.summaries.bare.reqPerSec)})`,
      );
      console.log(
        `  host/library req/s >= ${AIM_THROUGHPUT_RATIO.toFixed(2)}x (same handler, same library, on bare node:http): ${formatRatio(hostLibrary)}, ${verdict(hostLibrary >= AIM_THROUGHPUT_RATIO)}`,
      );
      console.log("");
      console.log(describeWallTime(totalMs));
      console.log(`Rerun: ${rerun(options)}`);
      if (options.jsonPath !== undefined) await writeJson(options.jsonPath, options, { ...http, ratio }, totalMs);
    },
  );
}

runBenchmark(parseOptions, main, usage);
