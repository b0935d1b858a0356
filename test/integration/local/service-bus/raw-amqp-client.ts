// A bare rhea client for what the SDK will not send: exact AMQP types, oversized or malformed
// transfers, odd addresses. It authorizes through CBS like the SDK does.
import { createHmac, randomUUID } from "node:crypto";
import rhea from "rhea";
import type { Connection, Delivery, EventContext, Message, Receiver, Sender } from "rhea";

export interface Endpoint {
  host: string;
  port: number;
  keyName: string;
  key: string;
}

export function parseConnectionString(connectionString: string): Endpoint {
  const fields = new Map(
    connectionString
      .split(";")
      .filter(Boolean)
      .map((pair) => {
        const at = pair.indexOf("=");
        return [pair.slice(0, at), pair.slice(at + 1)] as const;
      }),
  );
  const url = new URL((fields.get("Endpoint") ?? "").replace(/^sb:/, "http:"));
  return {
    host: url.hostname,
    port: Number(url.port),
    keyName: fields.get("SharedAccessKeyName") ?? "",
    key: fields.get("SharedAccessKey") ?? "",
  };
}

function sasToken(endpoint: Endpoint, audience: string): string {
  const sr = encodeURIComponent(audience);
  const se = Math.floor(Date.now() / 1000) + 3600;
  const sig = encodeURIComponent(createHmac("sha256", endpoint.key).update(`${sr}\n${se}`).digest("base64"));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${endpoint.keyName}`;
}

function once<T>(
  emitter: { once(event: string, listener: (context: EventContext) => void): unknown },
  event: string,
  pick: (context: EventContext) => T,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), timeoutMs);
    emitter.once(event, (context) => {
      clearTimeout(timer);
      resolve(pick(context));
    });
  });
}

export class RawAmqpClient {
  readonly connection: Connection;
  readonly #endpoint: Endpoint;

  private constructor(connection: Connection, endpoint: Endpoint) {
    this.connection = connection;
    this.#endpoint = endpoint;
  }

  static async connect(connectionString: string): Promise<RawAmqpClient> {
    const endpoint = parseConnectionString(connectionString);
    const container = rhea.create_container({ id: `raw-${randomUUID()}` });
    const connection = container.connect({
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.keyName,
      reconnect: false,
      hostname: endpoint.host,
    });
    await once(connection, "connection_open", () => undefined);
    return new RawAmqpClient(connection, endpoint);
  }

  /** CBS put-token for an entity path, as the SDK sends it before each attach. */
  async authorize(entityPath: string): Promise<number> {
    const audience = `sb://${this.#endpoint.host}:${this.#endpoint.port}/${entityPath}`;
    const replyTo = `cbs-${randomUUID()}`;
    const session = this.connection.create_session();
    session.begin();
    const requests = session.attach_sender({ target: { address: "$cbs" } });
    const replies = session.attach_receiver({ name: replyTo, source: { address: "$cbs" } });
    await Promise.all([once(replies, "receiver_open", () => undefined), once(requests, "sendable", () => undefined)]);
    const messageId = randomUUID();
    const response = once(replies, "message", (context) => context.message);
    requests.send({
      message_id: messageId,
      reply_to: replyTo,
      to: "$cbs",
      application_properties: { operation: "put-token", name: audience, type: "servicebus.windows.net:sastoken" },
      body: sasToken(this.#endpoint, audience),
    });
    const reply = await response;
    return Number((reply?.application_properties as Record<string, unknown> | undefined)?.["status-code"]);
  }

  async openSender(address: string): Promise<Sender> {
    const sender = this.connection.open_sender({ target: { address }, snd_settle_mode: 2, rcv_settle_mode: 0 });
    if (!sender.sendable()) await once(sender, "sendable", () => undefined);
    return sender;
  }

  /** Attaches and returns the detach error (or undefined if the link opened). */
  async attachError(
    address: string,
    role: "sender" | "receiver",
  ): Promise<{ condition?: string; description?: string } | undefined> {
    const link =
      role === "sender"
        ? this.connection.open_sender({ target: { address } })
        : this.connection.open_receiver({ source: { address }, credit_window: 0 });
    const closed = once(
      link,
      role === "sender" ? "sender_close" : "receiver_close",
      (context) =>
        (context.sender ?? context.receiver)?.error as { condition?: string; description?: string } | undefined,
      3_000,
    ).catch(() => undefined);
    link.on(role === "sender" ? "sender_error" : "receiver_error", () => undefined);
    return closed;
  }

  /** Sends one transfer and resolves with the broker's outcome. */
  send(
    sender: Sender,
    payload: Message | Buffer,
    format?: number,
  ): Promise<{ outcome: string; error?: { condition?: string; description?: string } }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no disposition")), 5_000);
      const delivery: Delivery = format === undefined ? sender.send(payload) : sender.send(payload, undefined, format);
      const settle = (outcome: string) => (context: EventContext) => {
        if (context.delivery !== delivery) return;
        clearTimeout(timer);
        const state = context.delivery.remote_state as
          { error?: { condition?: string; description?: string } } | undefined;
        resolve({ outcome, ...(state?.error ? { error: state.error } : {}) });
      };
      sender.on("accepted", settle("accepted"));
      sender.on("rejected", settle("rejected"));
      sender.on("released", settle("released"));
    });
  }

  openReceiver(address: string, credit: number): Receiver {
    const receiver = this.connection.open_receiver({
      source: { address },
      credit_window: 0,
      autoaccept: false,
      snd_settle_mode: 1,
      rcv_settle_mode: 0,
    });
    receiver.add_credit(credit);
    return receiver;
  }

  close(): void {
    this.connection.close();
  }
}
