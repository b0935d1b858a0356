// One autocannon measurement for the Functions host benchmark (bench/functions-host/), run from the
// benchmark process with the programmatic API. Latency is taken from autocannon's per-response
// event (sub-millisecond, from process.hrtime) rather than its histogram, which counts whole
// milliseconds; every response is checked: status 200, body as expected, no socket errors.
import autocannon from "autocannon";
import { summarizeLatencies, type LatencySummary } from "../kit/index.js";

export interface LoadSettings {
  connections: number;
  pipelining: number;
  seconds: number;
  /** The body every response must have. */
  expectBody: string;
}

export interface LoadResult {
  url: string;
  /** Responses received (any status). */
  requests: number;
  /** The load's wall time, as autocannon reports it. */
  durationSeconds: number;
  reqPerSec: number;
  /** Milliseconds, over every response. */
  latencyMs: LatencySummary;
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  /** Up to a few distinct error messages, for the failure report. */
  errorSamples: string[];
  /** Every response time in ms, kept so that rounds can be merged exactly. */
  latencies: Float64Array;
}

/** A growable list of numbers without boxing. */
class NumberList {
  #values = new Float64Array(65_536);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  toArray(): Float64Array {
    return this.#values.slice(0, this.#length);
  }
}

export function runLoad(url: string, settings: LoadSettings): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies = new NumberList();
    const errorSamples = new Set<string>();
    const instance = autocannon(
      {
        url,
        connections: settings.connections,
        pipelining: settings.pipelining,
        duration: settings.seconds,
        expectBody: settings.expectBody,
      },
      (error: unknown, result) => {
        if (error instanceof Error) {
          reject(error);
          return;
        }
        if (error !== null && error !== undefined) {
          reject(new Error(`autocannon failed: ${JSON.stringify(error)}`));
          return;
        }
        const statusCodes: Record<string, number> = {};
        for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
        const all = latencies.toArray();
        resolve({
          url,
          requests: all.length,
          durationSeconds: result.duration,
          reqPerSec: all.length / result.duration,
          latencyMs: summarizeLatencies(all),
          statusCodes,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          mismatches: result.mismatches,
          errorSamples: [...errorSamples],
          latencies: all,
        });
      },
    );
    instance.on("response", (_client, _statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
    instance.on("reqError", (error: unknown) => {
      if (errorSamples.size < 5) errorSamples.add(error instanceof Error ? error.message : String(error));
    });
  });
}

/** What is wrong with a measurement's responses; empty when every one was 200 with the expected body. */
export function loadProblems(result: LoadResult, expectBody: string): string[] {
  const problems: string[] = [];
  if (result.requests === 0) problems.push("no response at all");
  const others = Object.entries(result.statusCodes).filter(([code]) => code !== "200");
  if (others.length > 0)
    problems.push(`status codes other than 200: ${others.map(([code, count]) => `${code} x${count}`).join(", ")}`);
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx responses`);
  if (result.mismatches > 0)
    problems.push(`${result.mismatches} responses whose body was not ${JSON.stringify(expectBody)}`);
  if (result.errors > 0)
    problems.push(
      `${result.errors} request errors (${result.timeouts} timeouts)${result.errorSamples.length > 0 ? `: ${result.errorSamples.join("; ")}` : ""}`,
    );
  return problems;
}
