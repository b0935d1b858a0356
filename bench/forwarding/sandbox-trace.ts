// Timestamps of the Partner Center sandbox's answered creates, taken from Node's http server
// diagnostics channels in the process that runs the sandbox: no change to the sandbox, no polling
// of sandbox.requests() (which deep-copies every record), and the time each create spent in the
// sandbox (its latency included), from the request's start to the response's last byte.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

const REQUEST_START = "http.server.request.start";
const RESPONSE_FINISH = "http.server.response.finish";
/** POST /v1/servicerequests/{locale}: the create call (local/vianet-sandbox/index.ts). */
const CREATE_PATH = /^\/v1\/servicerequests\/[^/?]+(?:\?|$)/;

interface ServerEvent {
  request: IncomingMessage;
  response: ServerResponse;
  socket: Socket;
}

export interface CreateTrace {
  /** performance.now() of each 201 to a create, in order. */
  readonly answeredAt: number[];
  /** Milliseconds each of those spent in the sandbox, in the same order. */
  readonly inSandboxMs: number[];
  /** Answers to creates other than 201 (there should be none in a faults-free run). */
  otherStatuses: number;
}

export interface SandboxTracer {
  /** The trace being filled. */
  readonly current: CreateTrace;
  /** Starts a new, empty trace and returns it. */
  restart(): CreateTrace;
  close(): void;
}

const emptyTrace = (): CreateTrace => ({ answeredAt: [], inSandboxMs: [], otherStatuses: 0 });

/** Traces the creates answered by the http server listening on `port` in this process. */
export function traceSandboxCreates(port: number): SandboxTracer {
  let trace = emptyTrace();
  const startedAt = new WeakMap<IncomingMessage, number>();
  const isCreate = (event: ServerEvent) =>
    event.socket.localPort === port && event.request.method === "POST" && CREATE_PATH.test(event.request.url ?? "");
  const onStart = (message: unknown) => {
    const event = message as ServerEvent;
    if (isCreate(event)) startedAt.set(event.request, performance.now());
  };
  const onFinish = (message: unknown) => {
    const event = message as ServerEvent;
    if (!isCreate(event)) return;
    const now = performance.now();
    if (event.response.statusCode !== 201) {
      trace.otherStatuses++;
      return;
    }
    trace.answeredAt.push(now);
    trace.inSandboxMs.push(now - (startedAt.get(event.request) ?? now));
  };
  subscribe(REQUEST_START, onStart);
  subscribe(RESPONSE_FINISH, onFinish);
  return {
    get current() {
      return trace;
    },
    restart() {
      trace = emptyTrace();
      return trace;
    },
    close() {
      unsubscribe(REQUEST_START, onStart);
      unsubscribe(RESPONSE_FINISH, onFinish);
    },
  };
}
