// The Functions host benchmark's HTTP part: the bare node:http baseline, node:http with the
// @azure/functions model alone, and the local host, each a child serving the trivial app's
// `hello`, loaded by autocannon in rounds; every response checked.
import { join } from "node:path";
import { loadProblems, runLoad, type LoadResult, type LoadSettings } from "./http-load.js";
import {
  DIST_DIR,
  LISTENING,
  appHostCli,
  formatInteger,
  formatMiB,
  formatMs,
  inAlternatingOrder,
  mergeLatencies,
  startServerProcess,
  summarizeLatencies,
  type LatencySummary,
  type ServerProcess,
} from "../kit/index.js";
import {
  CONNECTIONS,
  EXPECTED_BODY,
  fixtureApp,
  LABEL_WIDTH,
  PIPELINING,
  REQUEST_PATH,
  SERVER_LABELS,
  SERVERS,
  WARM_UP_SECONDS,
  type Options,
  type ServerName,
} from "./settings.js";

/** One measurement of one server. */
export interface HttpMeasurement {
  server: ServerName;
  round: number;
  load: LoadResult;
  /** The server's user + system CPU seconds during the measurement. */
  cpuSeconds: number | undefined;
  rssAfterBytes: number | undefined;
}

/** All rounds of one server merged. */
export interface HttpSummary {
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

export async function runHttp(
  options: Options,
  tempDir: string,
  started: ServerProcess[],
): Promise<{ measurements: HttpMeasurement[]; summaries: Record<ServerName, HttpSummary> }> {
  const listenArgs = ["--port", "0", "--host", "127.0.0.1"];
  const commands: Record<ServerName, { args: string[]; readyPattern: RegExp }> = {
    bare: {
      args: [join(DIST_DIR, "bench", "functions-host", "bare-http-server.js"), ...listenArgs],
      readyPattern: LISTENING,
    },
    library: {
      args: [join(DIST_DIR, "bench", "functions-host", "library-http-server.js"), "--app", fixtureApp, ...listenArgs],
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
