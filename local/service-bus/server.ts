// The AMQP 1.0 front of the emulator: SASL ANONYMOUS, CBS put-token, queue send and receive
// links, and $management request/response, speaking what @azure/service-bus expects.
import { createServer, type Server, type Socket } from "node:net";
import { randomUUID } from "node:crypto";
import rhea from "rhea";
import type { Connection, Container, Delivery, EventContext, Message, Receiver, Sender } from "rhea";
import type { Broker } from "./broker.js";
import { FrameGuard } from "./frame-guard.js";
import { handleManagementRequest } from "./management.js";
import {
  BATCH_MESSAGE_FORMAT,
  MessageDecodeError,
  decodeBatch,
  decodeMessage,
  encodeForDelivery,
  type EncodedMessage,
} from "./message-codec.js";
import {
  deliveryStateOf,
  type Consumer,
  type Lock,
  type Queue,
  type ReceiveMode,
  type Settlement,
  type StoredMessage,
} from "./queue.js";
import {
  acceptedOutcome,
  echoedOutcome,
  answerDrain,
  linkDeliveryCount,
  rejectedOutcome,
  decodeErrorOf,
  installRawMessageHook,
  isDraining,
  linkCredit,
  localAttach,
  markRemoteSettled,
  rawBytesOf,
  remoteAttach,
  requestFlush,
} from "./rhea-internals.js";
import { audienceCovers, audiencePath, checkSasToken } from "./sas.js";
import { lockTokenKey, swapGuidByteOrder } from "./lock-token.js";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface ServerOptions {
  broker: Broker;
  host: string;
  port: number;
  keyName: string;
  key: string;
  maxMessageSizeBytes: number;
  maxFrameSizeBytes: number;
  logger: Logger;
}

const CONDITION = {
  unauthorized: "amqp:unauthorized-access",
  notFound: "amqp:not-found",
  notImplemented: "amqp:not-implemented",
  notAllowed: "amqp:not-allowed",
  decodeError: "amqp:decode-error",
  messageSizeExceeded: "amqp:link:message-size-exceeded",
  framingError: "amqp:connection:framing-error",
  lockLost: "com.microsoft:message-lock-lost",
  deadLetter: "com.microsoft:dead-letter",
} as const;

/** Per connection: granted CBS audiences, reply links by address, and live consumers. */
interface ConnectionState {
  readonly id: string;
  readonly socket: Socket;
  readonly grants: Map<string, number>;
  readonly replyLinks: Map<string, Sender>;
  readonly consumers: Map<Sender, LinkConsumer>;
}

/** A client receive link, fed by a queue while it has credit. */
class LinkConsumer implements Consumer {
  readonly receiveMode: ReceiveMode;
  readonly queue: Queue;
  readonly sender: Sender;
  /** Lock key of each delivery still waiting for the client's disposition. */
  readonly pending = new WeakMap<Delivery, string>();
  /** Transfers handed to rhea, and credit given back by drains: rhea lowers its credit only once it writes. */
  #sent = 0;
  #drained = 0;
  /** rhea writes pending transfers before pending attaches: hold deliveries until our attach is out. */
  #attached = false;

  constructor(queue: Queue, sender: Sender, receiveMode: ReceiveMode) {
    this.queue = queue;
    this.sender = sender;
    this.receiveMode = receiveMode;
  }

  /** Called once rhea has written the attach frame (it does so on the next tick). */
  markAttached(): void {
    this.#attached = true;
  }

  credit(): number {
    if (!this.#attached || !this.sender.is_open()) return 0;
    return linkCredit(this.sender) - this.#unwritten();
  }

  #unwritten(): number {
    return this.#sent - (linkDeliveryCount(this.sender) - this.#drained);
  }

  /**
   * Returns unused credit when the client drains. Transfers still queued inside rhea go out
   * first (they need that credit), so the answer waits until they have been written.
   */
  drain(): void {
    if (!this.sender.is_open() || !isDraining(this.sender)) return;
    if (this.#unwritten() > 0) {
      setImmediate(() => this.drain());
      return;
    }
    this.#drained += answerDrain(this.sender);
  }

  deliver(stored: StoredMessage, lock: Lock | undefined): void {
    const payload = encodeForDelivery(stored.message, deliveryStateOf(stored, lock));
    const tag = lock ? swapGuidByteOrder(lock.token) : Buffer.from(randomUUID().replaceAll("-", ""), "hex");
    const delivery = this.sender.send(payload, tag, 0);
    this.#sent++;
    if (lock) this.pending.set(delivery, lock.key);
  }
}

function errorOf(condition: string, description: string) {
  return { condition, description };
}

export class AmqpServer {
  readonly #options: ServerOptions;
  readonly #container: Container;
  readonly #server: Server;
  readonly #connections = new Map<Connection, ConnectionState>();
  readonly #sockets = new Set<Socket>();

  constructor(options: ServerOptions) {
    installRawMessageHook();
    this.#options = options;
    this.#container = rhea.create_container({
      id: `local-service-bus-${randomUUID()}`,
      autoaccept: false,
      autosettle: false,
      treat_modified_as_released: false,
      receiver_options: { autoaccept: false, autosettle: false, credit_window: 500 },
      sender_options: { autosettle: false, treat_modified_as_released: false },
    });
    (this.#container.sasl_server_mechanisms as { enable_anonymous(): void }).enable_anonymous();
    this.#registerHandlers();
    this.#server = createServer((socket) => {
      this.#accept(socket);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off("error", reject);
        const address = this.#server.address();
        resolve(typeof address === "object" && address !== null ? address.port : this.#options.port);
      });
    });
  }

  /** Drops every client connection at once, as a network failure would. */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  get connectionCount(): number {
    return this.#sockets.size;
  }

  /** Stops listening and drops every connection; resolves once each one's locks are released. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const sockets = [...this.#sockets].map(
      (socket) => new Promise<void>((resolve) => socket.once("close", () => resolve())),
    );
    this.dropConnections();
    await Promise.all([closed, ...sockets]);
  }

  #accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    const connection = this.#container.create_connection({
      max_frame_size: this.#options.maxFrameSizeBytes,
      channel_max: 4999,
      idle_time_out: 120_000,
      container_id: this.#container.id,
    } as Parameters<Container["create_connection"]>[0]) as Connection & {
      input(buffer: Buffer): void;
      accept(socket: Socket): void;
    };
    const state: ConnectionState = {
      id: randomUUID(),
      socket,
      grants: new Map(),
      replyLinks: new Map(),
      consumers: new Map(),
    };
    this.#connections.set(connection, state);
    const guard = new FrameGuard(this.#options.maxFrameSizeBytes);
    const input = connection.input.bind(connection);
    connection.input = (buffer: Buffer) => {
      const failure = guard.check(buffer);
      if (failure === undefined) {
        input(buffer);
        return;
      }
      this.#options.logger.warn(`closing connection ${state.id}: ${failure}`);
      if (connection.is_open()) connection.close(errorOf(CONDITION.framingError, failure));
      setTimeout(() => socket.destroy(), 100).unref();
    };
    socket.on("close", () => this.#forgetConnection(connection));
    connection.accept(socket);
  }

  #forgetConnection(connection: Connection): void {
    const state = this.#connections.get(connection);
    if (state === undefined) return;
    this.#connections.delete(connection);
    const byQueue = new Map<Queue, Set<Consumer>>();
    for (const consumer of state.consumers.values()) {
      consumer.queue.removeConsumer(consumer);
      let set = byQueue.get(consumer.queue);
      if (set === undefined) {
        set = new Set();
        byQueue.set(consumer.queue, set);
      }
      set.add(consumer);
    }
    for (const [queue, consumers] of byQueue) queue.releaseLocksOf(consumers);
  }

  #state(context: EventContext): ConnectionState | undefined {
    return this.#connections.get(context.connection);
  }

  #registerHandlers(): void {
    const container = this.#container;
    container.on("receiver_open", (context: EventContext) => {
      this.#guarded(context, () => this.#onClientSenderAttached(context));
    });
    container.on("sender_open", (context: EventContext) => {
      this.#guarded(context, () => this.#onClientReceiverAttached(context));
    });
    container.on("message", (context: EventContext) => {
      this.#guarded(context, () => this.#onTransfer(context));
    });
    container.on("sendable", (context: EventContext) => {
      const consumer = context.sender && this.#state(context)?.consumers.get(context.sender);
      consumer?.queue.creditAvailable();
    });
    container.on("sender_draining", (context: EventContext) => {
      const sender = context.sender;
      const consumer = sender && this.#state(context)?.consumers.get(sender);
      if (sender === undefined || consumer === undefined) return;
      consumer.queue.creditAvailable();
      // Whatever the queue could hand out has gone; what credit is left is returned.
      consumer.drain();
    });
    for (const outcome of ["accepted", "rejected", "modified", "released"] as const) {
      container.on(outcome, (context: EventContext) => {
        this.#guarded(context, () => this.#onClientDisposition(context, outcome));
      });
    }
    const linkClosed = (context: EventContext) => {
      const sender = context.sender;
      const state = this.#state(context);
      if (sender !== undefined && state !== undefined) {
        const consumer = state.consumers.get(sender);
        if (consumer) {
          // Locks survive a detached link: the client may still settle through $management.
          consumer.queue.removeConsumer(consumer);
          state.consumers.delete(sender);
        }
        for (const [address, link] of state.replyLinks) if (link === sender) state.replyLinks.delete(address);
      }
    };
    container.on("sender_close", linkClosed);
    container.on("sender_error", linkClosed);
    container.on("receiver_close", () => undefined);
    container.on("receiver_error", () => undefined);
    container.on("session_error", () => undefined);
    container.on("connection_error", () => undefined);
    container.on("protocol_error", (context: EventContext & { error?: unknown }) => {
      this.#options.logger.warn(`protocol error: ${String(context.error ?? "unknown")}`);
    });
    container.on("error", (error: unknown) => {
      this.#options.logger.warn(`connection error: ${String(error)}`);
    });
    container.on("disconnected", () => undefined);
  }

  /** A handler failure closes that connection only; the broker and every other client go on. */
  #guarded(context: EventContext, handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.#options.logger.error(`closing connection after internal error: ${(error as Error).stack ?? String(error)}`);
      context.connection.close(errorOf("amqp:internal-error", (error as Error).message));
    }
  }

  #isGranted(state: ConnectionState, address: string): boolean {
    const path = audiencePath(`sb://host/${address}`);
    const now = Date.now();
    for (const [granted, expiresAt] of state.grants) {
      if (expiresAt > now && audienceCovers(granted, path)) return true;
    }
    return false;
  }

  /** Refuses a link the way Service Bus does: attach with no terminus, then detach with the error. */
  #refuse(link: Sender | Receiver, condition: string, description: string): void {
    const attach = localAttach(link);
    attach.source = null;
    attach.target = null;
    link.close(errorOf(condition, description));
  }

  // ---- client senders: $cbs requests, $management requests, queue sends ----------------

  #onClientSenderAttached(context: EventContext): void {
    const receiver = context.receiver;
    const state = this.#state(context);
    if (receiver === undefined || state === undefined) return;
    const remote = remoteAttach(receiver);
    const address = remote.target?.address ?? "";
    const attach = localAttach(receiver);
    attach.target = remote.target;
    attach.source = remote.source;
    attach.snd_settle_mode = remote.snd_settle_mode;
    attach.rcv_settle_mode = 0;
    if (address === "$cbs") return;
    const resolved = this.#options.broker.resolve(address);
    if (!resolved.ok) {
      this.#refuse(
        receiver,
        resolved.reason === "notFound" ? CONDITION.notFound : CONDITION.notImplemented,
        resolved.description,
      );
      return;
    }
    if (!this.#isGranted(state, address)) {
      this.#refuse(
        receiver,
        CONDITION.unauthorized,
        `Unauthorized access. 'Send' claim(s) are required to perform this operation. Resource: '${address}'.`,
      );
      return;
    }
    if (resolved.kind === "deadLetterQueue") {
      this.#refuse(receiver, CONDITION.notAllowed, `Cannot send to a dead-letter queue: '${address}'.`);
      return;
    }
    if (resolved.kind === "queue") attach.max_message_size = this.#options.maxMessageSizeBytes;
  }

  #onTransfer(context: EventContext): void {
    const receiver = context.receiver;
    const delivery = context.delivery;
    const state = this.#state(context);
    if (receiver === undefined || delivery === undefined || state === undefined) return;
    const address = remoteAttach(receiver).target?.address ?? "";
    if (address === "$cbs") {
      this.#onPutToken(state, context.message);
      delivery.update(true, acceptedOutcome());
      return;
    }
    const resolved = this.#options.broker.resolve(address);
    if (!resolved.ok) {
      delivery.update(true, rejectedOutcome(CONDITION.notFound, resolved.description));
      return;
    }
    if (resolved.kind === "management") {
      delivery.update(true, acceptedOutcome());
      this.#onManagementRequest(state, resolved.queue, context.message);
      return;
    }
    this.#onSend(resolved.queue, context, delivery);
  }

  #onSend(queue: Queue, context: EventContext, delivery: Delivery): void {
    const reject = (condition: string, description: string) => {
      delivery.update(true, rejectedOutcome(condition, description));
    };
    let messages: EncodedMessage[];
    const payload: unknown = context.message;
    try {
      if (delivery.format === BATCH_MESSAGE_FORMAT && Buffer.isBuffer(payload)) {
        if (payload.length > this.#options.maxMessageSizeBytes) {
          reject(
            CONDITION.messageSizeExceeded,
            `The received message batch (size: ${payload.length}) exceeds the limit (${this.#options.maxMessageSizeBytes}).`,
          );
          return;
        }
        messages = decodeBatch(payload);
      } else if (delivery.format === 0) {
        const decodeError = decodeErrorOf(payload);
        const raw = rawBytesOf(payload);
        if (decodeError !== undefined || raw === undefined) {
          reject(
            CONDITION.decodeError,
            `The message could not be decoded: ${decodeError instanceof Error ? decodeError.message : "no bytes"}`,
          );
          return;
        }
        if (raw.length > this.#options.maxMessageSizeBytes) {
          reject(
            CONDITION.messageSizeExceeded,
            `The received message (size: ${raw.length}) exceeds the limit (${this.#options.maxMessageSizeBytes}).`,
          );
          return;
        }
        messages = [decodeMessage(raw)];
      } else {
        reject(CONDITION.notImplemented, `Message format ${delivery.format} is not supported.`);
        return;
      }
    } catch (error) {
      if (error instanceof MessageDecodeError) {
        reject(CONDITION.decodeError, error.message);
        return;
      }
      throw error;
    }
    queue.send(messages);
    delivery.update(true, acceptedOutcome());
  }

  #onPutToken(state: ConnectionState, message: Message | undefined): void {
    const properties = (message?.application_properties ?? {}) as Record<string, unknown>;
    const replyTo = message?.reply_to;
    const reply = (statusCode: number, description: string) => {
      this.#reply(state, replyTo, message?.message_id, {
        "status-code": statusCode,
        "status-description": description,
      });
    };
    if (properties.operation !== "put-token") {
      reply(400, `Unsupported CBS operation '${String(properties.operation)}'.`);
      return;
    }
    const audience = typeof properties.name === "string" ? properties.name : "";
    const type = properties.type;
    const token: unknown = message?.body;
    if (type !== "servicebus.windows.net:sastoken" || typeof token !== "string") {
      reply(401, "Only Shared Access Signature tokens are accepted by the emulator.");
      return;
    }
    const check = checkSasToken(token, this.#options.keyName, this.#options.key, audience, Date.now());
    if (!check.ok) {
      reply(401, `InvalidSignature: ${check.reason}`);
      return;
    }
    state.grants.set(check.audiencePath, check.expiresAtMs);
    reply(202, "Accepted");
  }

  #onManagementRequest(state: ConnectionState, queue: Queue, message: Message | undefined): void {
    if (message === undefined) return;
    const response = handleManagementRequest(queue, message);
    this.#reply(state, message.reply_to, message.message_id, response.properties, response.body);
  }

  #reply(
    state: ConnectionState,
    replyTo: string | undefined,
    messageId: unknown,
    properties: Record<string, unknown>,
    body?: unknown,
  ): void {
    if (replyTo === undefined) return;
    const link = state.replyLinks.get(replyTo);
    if (link === undefined || !link.is_open()) return;
    const reply: Message = { application_properties: properties, body: body ?? null };
    if (messageId !== undefined) reply.correlation_id = messageId as Message["correlation_id"];
    link.send(reply);
  }

  // ---- client receivers: reply links and queue receive links ---------------------------

  #onClientReceiverAttached(context: EventContext): void {
    const sender = context.sender;
    const state = this.#state(context);
    if (sender === undefined || state === undefined) return;
    const remote = remoteAttach(sender);
    const address = remote.source?.address ?? "";
    const attach = localAttach(sender);
    attach.source = remote.source;
    attach.target = remote.target;
    if (address === "$cbs" || address.toLowerCase().endsWith("/$management")) {
      if (address !== "$cbs") {
        const resolved = this.#options.broker.resolve(address);
        if (!resolved.ok) {
          this.#refuse(sender, CONDITION.notFound, resolved.description);
          return;
        }
      }
      // Replies go out pre-settled, so rhea never holds them waiting for the client.
      attach.snd_settle_mode = 1;
      attach.rcv_settle_mode = 0;
      state.replyLinks.set(remote.name, sender);
      const targetAddress = remote.target?.address;
      if (targetAddress) state.replyLinks.set(targetAddress, sender);
      return;
    }
    const resolved = this.#options.broker.resolve(address);
    if (!resolved.ok) {
      this.#refuse(
        sender,
        resolved.reason === "notFound" ? CONDITION.notFound : CONDITION.notImplemented,
        resolved.description,
      );
      return;
    }
    if (!this.#isGranted(state, address)) {
      this.#refuse(
        sender,
        CONDITION.unauthorized,
        `Unauthorized access. 'Listen' claim(s) are required to perform this operation. Resource: '${address}'.`,
      );
      return;
    }
    const filter: unknown = (remote.source as { filter?: unknown } | null | undefined)?.filter;
    if (typeof filter === "object" && filter !== null && "com.microsoft:session-filter" in filter) {
      this.#refuse(sender, CONDITION.notImplemented, `Sessions are not supported by the emulator: '${address}'.`);
      return;
    }
    const receiveAndDelete = remote.snd_settle_mode === 1;
    attach.snd_settle_mode = receiveAndDelete ? 1 : 0;
    attach.rcv_settle_mode = receiveAndDelete ? 0 : 1;
    const consumer = new LinkConsumer(resolved.queue, sender, receiveAndDelete ? "receiveAndDelete" : "peekLock");
    state.consumers.set(sender, consumer);
    resolved.queue.addConsumer(consumer);
    setImmediate(() => {
      consumer.markAttached();
      consumer.queue.creditAvailable();
    });
  }

  #onClientDisposition(context: EventContext, outcome: "accepted" | "rejected" | "modified" | "released"): void {
    const sender = context.sender;
    const delivery = context.delivery;
    const state = this.#state(context);
    if (sender === undefined || delivery === undefined || state === undefined) return;
    const consumer = state.consumers.get(sender);
    const lockKey = consumer?.pending.get(delivery) ?? lockKeyFromTag(delivery.tag);
    const queue = consumer?.queue ?? this.#queueForLink(sender);
    if (queue === undefined) return;
    consumer?.pending.delete(delivery);
    const result = queue.settle(lockKey, settlementOf(outcome, delivery));
    if (result.ok) {
      delivery.update(true, echoedOutcome(outcome));
    } else if (result.error === "notAllowed") {
      delivery.update(
        true,
        rejectedOutcome(CONDITION.notAllowed, "A message in a dead-letter queue cannot be dead-lettered again."),
      );
    } else {
      delivery.update(
        true,
        rejectedOutcome(
          CONDITION.lockLost,
          "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
        ),
      );
    }
    markRemoteSettled(delivery);
    requestFlush(context.connection);
  }

  #queueForLink(sender: Sender): Queue | undefined {
    const address = remoteAttach(sender).source?.address ?? "";
    const resolved = this.#options.broker.resolve(address);
    return resolved.ok ? resolved.queue : undefined;
  }
}

function lockKeyFromTag(tag: Buffer | string): string {
  const bytes = typeof tag === "string" ? Buffer.from(tag) : tag;
  return bytes.length === 16 ? lockTokenKey(swapGuidByteOrder(bytes)) : "";
}

function settlementOf(outcome: "accepted" | "rejected" | "modified" | "released", delivery: Delivery): Settlement {
  const state = delivery.remote_state as
    | {
        error?: { condition?: string; description?: string; info?: Record<string, unknown> };
        undeliverable_here?: boolean;
        message_annotations?: Record<string, unknown>;
      }
    | undefined;
  switch (outcome) {
    case "accepted":
      return { kind: "complete" };
    case "released":
      return { kind: "abandon" };
    case "modified": {
      const properties = state?.message_annotations;
      if (state?.undeliverable_here === true) return properties ? { kind: "defer", properties } : { kind: "defer" };
      return properties ? { kind: "abandon", properties } : { kind: "abandon" };
    }
    case "rejected": {
      const info = { ...(state?.error?.info ?? {}) };
      const reason = typeof info.DeadLetterReason === "string" ? info.DeadLetterReason : undefined;
      const description =
        typeof info.DeadLetterErrorDescription === "string" ? info.DeadLetterErrorDescription : undefined;
      delete info.DeadLetterReason;
      delete info.DeadLetterErrorDescription;
      return {
        kind: "deadLetter",
        ...(reason === undefined ? {} : { reason }),
        ...(description === undefined ? {} : { description }),
        properties: info,
      };
    }
  }
}
