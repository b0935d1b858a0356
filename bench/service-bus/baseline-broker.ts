// The same-run baseline for the Service Bus benchmark (bench/service-bus/): a deliberately minimal AMQP 1.0 server on bare
// rhea that does only the least @azure/service-bus needs to send, receive, complete and peek.
//
//   node dist/bench/service-bus/baseline-broker.js [--port 0] [--host 127.0.0.1]
//
// It prints `connection string: ...` once it listens, like the emulator's CLI. The benchmark runs
// every workload against it and against the emulator in the same run, so the ratio
// emulator / baseline shows what the emulator's broker semantics cost on top of "rhea + the SDK"
// on this machine today, which fixed reference figures cannot.
//
// What it does, each because the SDK fails or stalls without it:
// * SASL ANONYMOUS; CBS put-token answered 202 without looking at the token.
// * Any address is a queue, created on first use: an in-memory array of what rhea handed over (a
//   decoded message for a single transfer, the raw bytes of each message of a batch).
// * Receive links get messages while they have credit, with a random 16-byte delivery tag and the
//   annotations the SDK reads (sequence number, enqueued time, locked-until); a client
//   disposition is answered with a settled disposition of the same outcome; drains are answered
//   even with no credit left.
// * $management answers peek-message with 204 (nothing to peek) and anything else with 501.
//
// What it deliberately does not do: locks, redelivery, delivery counts, dead-lettering, TTL,
// scheduling, duplicate detection, persistence, token checks, entity configuration, size checks,
// sessions. A message is gone once it is handed to a receive link, whatever the client does next.
import { randomBytes } from "node:crypto";
import type { Server } from "node:net";
import { parseArgs } from "node:util";
import rhea from "rhea";
import type { Connection, Delivery, EventContext, Message, Receiver, Sender } from "rhea";

/** What Service Bus Standard advertises; createMessageBatch() sizes batches by it. */
const MAX_MESSAGE_SIZE = 262_144;
/** A batch transfer: one data section per message, each a complete encoded AMQP message. */
const BATCH_MESSAGE_FORMAT = 0x80013700;
/** Only reported to the SDK (x-opt-locked-until); nothing is locked. */
const LOCK_DURATION_MS = 60_000;

// ---- the few rhea internals the SDK forces on a server ----------------------------------------

interface Terminus {
  address?: string | null;
}
interface AttachFrame {
  name: string;
  source?: Terminus | null;
  target?: Terminus | null;
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  max_message_size?: number;
}
interface LinkInternals {
  local: { attach: AttachFrame };
  remote: { attach?: AttachFrame };
  credit: number;
  delivery_count: number;
  _draining: boolean;
  _get_drain: () => boolean;
  issue_flow: boolean;
  session: { outgoing: { next_delivery_id: number; next_pending_delivery: number } };
  connection: { _register(): void };
}
interface Described {
  described(): unknown;
}
interface Outcomes {
  accepted(): Described;
  released(): Described;
  modified(fields: object): Described;
  rejected(fields: object): Described;
}

const internals = (link: Sender | Receiver) => link as unknown as LinkInternals;
const outcomes = rhea.message as unknown as Outcomes;
type Outcome = "accepted" | "released" | "modified" | "rejected";

/** Transfers handed to rhea on this link's session but not yet written: rhea lowers credit only as it writes. */
function unwritten(sender: Sender): number {
  const outgoing = internals(sender).session.outgoing;
  return outgoing.next_delivery_id - outgoing.next_pending_delivery;
}

/** Credit not yet spoken for (the SDK opens one session per link, so the session count is the link's). */
function freeCredit(sender: Sender): number {
  return internals(sender).credit - unwritten(sender);
}

/**
 * Answers `flow drain=true`: rhea only does so while credit is left, but the SDK also drains with
 * none left and closes the link when no answer comes. Queued transfers need the credit first.
 */
function answerDrain(sender: Sender): void {
  const link = internals(sender);
  if (!sender.is_open() || !link._draining) return;
  if (unwritten(sender) > 0) {
    setImmediate(() => {
      answerDrain(sender);
    });
    return;
  }
  link.delivery_count += link.credit;
  link.credit = 0;
  link._get_drain = () => {
    delete (link as Partial<LinkInternals>)._get_drain; // back to rhea's own
    return true;
  };
  link.issue_flow = true;
  link.connection._register();
}

/**
 * With rcv-settle-mode second the client never settles after our settled reply, and rhea frees a
 * sent delivery only once both sides settled: without this a receive link stalls after 2,048.
 */
function markRemoteSettled(delivery: Delivery): void {
  (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
}

// ---- queues ------------------------------------------------------------------------------------

interface Stored {
  /** As rhea handed it over: decoded for a single transfer, raw bytes for one message of a batch. */
  payload: Message | Buffer;
  sequenceNumber: number;
  enqueuedAtMs: number;
}

/** The annotated message fields this server reads or writes. */
interface Deliverable {
  message_id?: unknown;
  message_annotations?: Record<string, unknown>;
}

class Queue {
  readonly receivers = new Set<Sender>();
  #items: Stored[] = [];
  #head = 0;

  push(item: Stored): void {
    this.#items.push(item);
  }

  /** Array.shift() is O(n) on large arrays; a head index with occasional compaction is O(1). */
  shift(): Stored | undefined {
    const item = this.#items[this.#head];
    if (item === undefined) return undefined;
    this.#head++;
    if (this.#head >= 1_024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

const queues = new Map<string, Queue>();
const consumers = new Map<Sender, Queue>();
/** Per connection: the CBS and $management reply links by name (the requests' reply-to). */
const replyLinks = new WeakMap<Connection, Map<string, Sender>>();
let nextSequenceNumber = 1;

function queueOf(address: string): Queue {
  let queue = queues.get(address);
  if (queue === undefined) {
    queue = new Queue();
    queues.set(address, queue);
  }
  return queue;
}

function isReplySource(address: string): boolean {
  return address === "$cbs" || address.endsWith("/$management");
}

function deliver(sender: Sender, stored: Stored): void {
  const message = (Buffer.isBuffer(stored.payload) ? rhea.message.decode(stored.payload) : stored.payload) as Message &
    Deliverable;
  message.message_id ??= `baseline-${stored.sequenceNumber}`;
  message.message_annotations = {
    ...message.message_annotations,
    "x-opt-sequence-number": rhea.types.wrap_long(stored.sequenceNumber),
    "x-opt-enqueued-time": new Date(stored.enqueuedAtMs),
    "x-opt-locked-until": new Date(Date.now() + LOCK_DURATION_MS),
  };
  // Pre-settled in receiveAndDelete (snd-settle-mode settled): rhea does that from the attach.
  sender.send(message, randomBytes(16));
}

/** Hands messages to receive links while they have credit. */
function pump(queue: Queue): void {
  for (const sender of queue.receivers) {
    if (!sender.is_open()) {
      // Its connection dropped without a detach.
      queue.receivers.delete(sender);
      consumers.delete(sender);
      continue;
    }
    for (let credit = freeCredit(sender); credit > 0; credit--) {
      const stored = queue.shift();
      if (stored === undefined) return;
      deliver(sender, stored);
    }
  }
}

// ---- requests on $cbs and $management -------------------------------------------------------

interface Request {
  message_id?: unknown;
  reply_to?: string;
  application_properties?: Record<string, unknown>;
}

function reply(connection: Connection, request: Request, properties: Record<string, unknown>): void {
  const link = request.reply_to === undefined ? undefined : replyLinks.get(connection)?.get(request.reply_to);
  if (link === undefined || !link.is_open()) return;
  link.send({ correlation_id: request.message_id, application_properties: properties, body: null } as Message);
}

function answerManagement(connection: Connection, request: Request): void {
  if (request.application_properties?.operation === "com.microsoft:peek-message") {
    reply(connection, request, {
      statusCode: 204,
      statusDescription: "No messages to peek (the baseline never shows any).",
    });
  } else {
    const operation = String(request.application_properties?.operation);
    reply(connection, request, {
      statusCode: 501,
      statusDescription: `${operation} is not implemented by the baseline.`,
      errorCondition: rhea.types.wrap_symbol("amqp:not-implemented"),
    });
  }
}

// ---- the server ---------------------------------------------------------------------------------

function echoAttach(link: Sender | Receiver): AttachFrame {
  const { local, remote } = internals(link);
  if (remote.attach === undefined) throw new Error(`link ${link.name} has no remote attach`);
  local.attach.source = remote.attach.source;
  local.attach.target = remote.attach.target;
  local.attach.snd_settle_mode = remote.attach.snd_settle_mode;
  local.attach.rcv_settle_mode = remote.attach.rcv_settle_mode;
  return remote.attach;
}

function accepted(delivery: Delivery): void {
  delivery.update(true, outcomes.accepted().described());
}

function onTransfer(context: EventContext): void {
  const { receiver, delivery, connection } = context;
  if (receiver === undefined || delivery === undefined) return;
  const address = internals(receiver).remote.attach?.target?.address ?? "";
  const payload: unknown = context.message;
  if (address === "$cbs") {
    reply(connection, payload as Request, { "status-code": 202, "status-description": "Accepted" });
    accepted(delivery);
    return;
  }
  if (address.endsWith("/$management")) {
    accepted(delivery);
    answerManagement(connection, payload as Request);
    return;
  }
  const queue = queueOf(address);
  const enqueuedAtMs = Date.now();
  if (delivery.format === 0) {
    queue.push({ payload: payload as Message, sequenceNumber: nextSequenceNumber++, enqueuedAtMs });
  } else if (delivery.format === BATCH_MESSAGE_FORMAT && Buffer.isBuffer(payload)) {
    // rhea splits the envelope: its body is one data section (a Buffer) or several (an array).
    const sections = (rhea.message.decode(payload) as { body?: { content?: Buffer | Buffer[] } }).body?.content ?? [];
    for (const raw of Array.isArray(sections) ? sections : [sections])
      queue.push({ payload: raw, sequenceNumber: nextSequenceNumber++, enqueuedAtMs });
  } else {
    delivery.update(
      true,
      outcomes
        .rejected({ error: { condition: "amqp:not-implemented", description: `message format ${delivery.format}` } })
        .described(),
    );
    return;
  }
  accepted(delivery);
  pump(queue);
}

function createServer(host: string, port: number): Server {
  const container = rhea.create_container({
    id: "bench-baseline-broker",
    autoaccept: false,
    autosettle: false,
    treat_modified_as_released: false,
  });
  (container.sasl_server_mechanisms as { enable_anonymous(): void }).enable_anonymous();

  // A client sender (we receive): echo its target, advertise the size createMessageBatch() uses.
  container.on("receiver_open", (context: EventContext) => {
    if (context.receiver === undefined) return;
    echoAttach(context.receiver);
    internals(context.receiver).local.attach.max_message_size = MAX_MESSAGE_SIZE;
  });
  container.on("message", onTransfer);

  // A client receiver (we send): a CBS/$management reply link, or a queue receive link.
  container.on("sender_open", (context: EventContext) => {
    const sender = context.sender;
    if (sender === undefined) return;
    const remote = echoAttach(sender);
    const address = remote.source?.address ?? "";
    if (isReplySource(address)) {
      internals(sender).local.attach.snd_settle_mode = 1; // replies go out pre-settled
      let links = replyLinks.get(context.connection);
      if (links === undefined) {
        links = new Map();
        replyLinks.set(context.connection, links);
      }
      links.set(sender.name, sender);
      return;
    }
    const queue = queueOf(address);
    consumers.set(sender, queue);
    queue.receivers.add(sender);
  });
  container.on("sendable", (context: EventContext) => {
    const queue = context.sender && consumers.get(context.sender);
    if (queue !== undefined) pump(queue);
  });
  container.on("sender_draining", (context: EventContext) => {
    const sender = context.sender;
    const queue = sender && consumers.get(sender);
    if (sender === undefined || queue === undefined) return;
    pump(queue);
    answerDrain(sender);
  });
  const linkClosed = (context: EventContext) => {
    const sender = context.sender;
    if (sender === undefined) return;
    consumers.get(sender)?.receivers.delete(sender);
    consumers.delete(sender);
    replyLinks.get(context.connection)?.delete(sender.name);
  };
  container.on("sender_close", linkClosed);
  container.on("sender_error", linkClosed);

  // Client dispositions on delivered messages: confirm with a settled one of the same outcome
  // (a Rejected without its error: echoing a dead-letter error would fail the SDK's call).
  const echo: Record<Outcome, () => Described> = {
    accepted: () => outcomes.accepted(),
    released: () => outcomes.released(),
    modified: () => outcomes.modified({}),
    rejected: () => outcomes.rejected({}),
  };
  for (const outcome of Object.keys(echo) as Outcome[]) {
    container.on(outcome, (context: EventContext) => {
      const delivery = context.delivery;
      if (delivery === undefined || delivery.remote_settled) return;
      delivery.update(true, echo[outcome]().described());
      markRemoteSettled(delivery);
    });
  }

  container.on("disconnected", () => undefined);
  container.on("error", (error: unknown) => {
    console.error(`baseline broker: ${String(error)}`);
  });
  return container.listen({ host, port, tcp_no_delay: true } as Parameters<typeof container.listen>[0]);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be 0..65535, got ${values.port}`);
  const server = createServer(values.host, port);
  server.once("error", (error) => {
    console.error(`baseline broker: ${error.message}`);
    process.exit(1);
  });
  server.once("listening", () => {
    const address = server.address();
    const actual = typeof address === "object" && address !== null ? address.port : port;
    // The SDK insists on a key name and key; nothing checks them.
    console.log(
      `[baseline] connection string: Endpoint=sb://${values.host}:${actual};SharedAccessKeyName=baseline;SharedAccessKey=unchecked;UseDevelopmentEmulator=true`,
    );
  });
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main();
