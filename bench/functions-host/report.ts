// The Functions host benchmark's printed report and its JSON.
import { cpus } from "node:os";
import {
  formatInteger,
  formatMiB,
  formatMs,
  formatRatio,
  formatTable,
  machineJson,
  writeJsonReport,
  type LatencySummary,
} from "../kit/index.js";
import type { HttpMeasurement, HttpSummary } from "./http.js";
import {
  AIM_THROUGHPUT_RATIO,
  CONNECTIONS,
  EXPECTED_BODY,
  PIPELINING,
  REQUEST_PATH,
  rerun,
  SERVER_LABELS,
  SERVERS,
  WARM_UP_SECONDS,
  type Options,
  type ServerName,
} from "./settings.js";

export function printHttpReport(
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

export async function writeJson(
  path: string,
  options: Options,
  http: { measurements: HttpMeasurement[]; summaries: Record<ServerName, HttpSummary>; ratio: number },
  totalMs: number,
): Promise<void> {
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
    totalMs,
  };
  await writeJsonReport(path, json);
}
