// The intake benchmark's host path: the local Functions host child serving the app with the
// bench's key and caller, and autocannon POSTing to it; every answer must be a 202 with its own id.
import { createHash } from "node:crypto";
import autocannon from "autocannon";
import { buildEscalationRequest, BUILT_TENANT_ID } from "../../test/builders/escalation-request.js";
import {
  appHostEnvironment,
  numberedTitle,
  startAppHost,
  summarizeLatencies,
  VerificationError,
  type AppStack,
  type LatencySummary,
  type ServerProcess,
} from "../kit/index.js";
import { CALLER_ID, FUNCTION_KEY, PATH } from "./settings.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The host's environment: the inherited one less the remote settings, plus the bench's. */
export function hostEnvironment(stack: AppStack, tableName: string): NodeJS.ProcessEnv {
  return appHostEnvironment(stack, tableName, {
    LOCAL_FUNCTIONS_KEY: FUNCTION_KEY,
    ESCALATION_CALLERS: JSON.stringify([
      { id: CALLER_ID, keySha256: sha256(FUNCTION_KEY), tenants: [BUILT_TENANT_ID] },
    ]),
    // The intake alone: the forwarder stays off the queue the verification reads, and with no
    // forwarding no Partner Center settings are needed.
    ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
    "AzureWebJobs.forward-escalation.Disabled": "true",
    "AzureWebJobs.escalations-dead-letter.Disabled": "true",
  });
}

export function startHost(stack: AppStack, tableName: string, index: number): Promise<ServerProcess> {
  return startAppHost(stack, hostEnvironment(stack, tableName), index);
}

export interface PathRun {
  submissions: number;
  /** From the first request to the last answer. */
  seconds: number;
  perSec: number;
  latencyMs: LatencySummary;
  latencies: Float64Array;
  /** The accepted escalations' ids, in the order the answers came. */
  ids: string[];
  /** Submissions/s over the second half of the answers: the rate once warm. */
  steadyPerSec: number;
}

/** `answeredAt`: performance.now() of each answer, in order. */
export function finishRun(ids: string[], latencies: number[], answeredAt: number[], seconds: number): PathRun {
  const all = Float64Array.from(latencies);
  const middle = Math.floor(answeredAt.length / 2);
  const span = ((answeredAt[answeredAt.length - 1] ?? 0) - (answeredAt[middle] ?? 0)) / 1000;
  const steadyPerSec = span > 0 ? (answeredAt.length - 1 - middle) / span : ids.length / seconds;
  return {
    submissions: ids.length,
    seconds,
    perSec: ids.length / seconds,
    latencyMs: summarizeLatencies(all),
    latencies: all,
    ids,
    steadyPerSec,
  };
}

/** The id of a 202's body { id, status: "queued" }, or undefined. */
function acceptedId(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { id, status } = parsed as { id?: unknown; status?: unknown };
  return typeof id === "string" && id !== "" && status === "queued" ? id : undefined;
}

/** `amount` POSTs over `connections` connections; throws unless every answer is a 202 with a distinct id. */
export function hostRun(
  baseUrl: string,
  settings: { connections: number; amount: number; keyed: boolean; label: string },
): Promise<PathRun> {
  return new Promise((resolvePromise, reject) => {
    let counter = 0;
    const ids: string[] = [];
    const latencies: number[] = [];
    const answeredAt: number[] = [];
    const statuses = new Map<number, number>();
    const wrongSamples: string[] = [];
    const errorSamples = new Set<string>();
    let lastAnswerAt = 0;
    const startedAt = performance.now();
    const instance = autocannon(
      {
        url: `${baseUrl}${PATH}`,
        connections: settings.connections,
        pipelining: 1,
        amount: settings.amount,
        // autocannon reports at its next sample tick after the last answer: keep that wait short.
        sampleInt: 50,
        requests: [
          {
            method: "POST",
            path: PATH,
            headers: { "content-type": "application/json", "x-functions-key": FUNCTION_KEY },
            setupRequest: (request) => {
              const n = counter++;
              const headers = settings.keyed
                ? { ...request.headers, "idempotency-key": `${settings.label}-${n}` }
                : request.headers;
              return {
                ...request,
                headers,
                body: JSON.stringify(buildEscalationRequest({ title: numberedTitle(settings.label, n) })),
              };
            },
            onResponse: (status, body) => {
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              const id = status === 202 ? acceptedId(body) : undefined;
              if (id !== undefined) ids.push(id);
              else if (wrongSamples.length < 3) wrongSamples.push(`${status} ${body.slice(0, 300)}`);
            },
          },
        ],
      },
      (error: unknown, result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error(`autocannon failed: ${JSON.stringify(error)}`));
          return;
        }
        const problems: string[] = [];
        const answers = latencies.length;
        if (answers !== settings.amount) problems.push(`${answers} answers to ${settings.amount} requests`);
        const others = [...statuses].filter(([status]) => status !== 202);
        if (others.length > 0)
          problems.push(
            `status codes other than 202: ${others.map(([status, count]) => `${status} x${count}`).join(", ")}`,
          );
        if (ids.length !== answers)
          problems.push(`${answers - ids.length} answers without a 202 { id, status: "queued" } body`);
        if (wrongSamples.length > 0) problems.push(`for example: ${wrongSamples.join(" | ")}`);
        const distinct = new Set(ids).size;
        if (distinct !== ids.length)
          problems.push(`${ids.length - distinct} ids answered twice (an idempotent replay?)`);
        if (result.errors > 0 || result.timeouts > 0)
          problems.push(
            `${result.errors} request errors, ${result.timeouts} timeouts${errorSamples.size > 0 ? `: ${[...errorSamples].join("; ")}` : ""}`,
          );
        if (result.resets > 0) problems.push(`${result.resets} request pipeline resets`);
        if (problems.length > 0) {
          reject(
            new VerificationError(
              `${settings.label}: wrong answers from POST ${baseUrl}${PATH}:\n  ${problems.join("\n  ")}`,
            ),
          );
          return;
        }
        resolvePromise(finishRun(ids, latencies, answeredAt, (lastAnswerAt - startedAt) / 1000));
      },
    );
    instance.on("response", (_client, _statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastAnswerAt = performance.now();
      answeredAt.push(lastAnswerAt);
    });
    instance.on("reqError", (error: unknown) => {
      if (errorSamples.size < 5) errorSamples.add(error instanceof Error ? error.message : String(error));
    });
  });
}
