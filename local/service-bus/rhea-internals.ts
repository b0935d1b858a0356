// Narrow typings for the rhea internals the broker relies on, and the one hook it installs.
// rhea exposes a transfer only as a decoded message; the broker must forward the sender's
// bytes untouched (re-encoding changes AMQP types), so it keeps the raw buffer beside it.
import rhea from "rhea";
import type { Connection, Delivery, Message, Receiver, Sender } from "rhea";

const RAW_BYTES = Symbol.for("local-service-bus.raw-bytes");
const DECODE_ERROR = Symbol.for("local-service-bus.decode-error");

interface MessageModule {
  decode(buffer: Buffer): Message;
}

interface HookedMessage {
  [RAW_BYTES]?: Buffer;
  [DECODE_ERROR]?: unknown;
}

let hookInstalled = false;

/** Makes every decoded format-0 transfer carry its raw bytes, and turns decode failures into a marker. */
export function installRawMessageHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  const messages = rhea.message as unknown as MessageModule;
  const decode = messages.decode.bind(messages);
  messages.decode = (buffer: Buffer): Message => {
    let decoded: Message;
    try {
      decoded = decode(buffer);
    } catch (error) {
      decoded = {} as Message;
      Object.defineProperty(decoded, DECODE_ERROR, { value: error });
    }
    Object.defineProperty(decoded, RAW_BYTES, { value: buffer });
    return decoded;
  };
}

export function rawBytesOf(message: unknown): Buffer | undefined {
  return (message as HookedMessage)[RAW_BYTES];
}

export function decodeErrorOf(message: unknown): unknown {
  return (message as HookedMessage)[DECODE_ERROR];
}

export interface Terminus {
  address?: string | null;
  [key: string]: unknown;
}

export interface AttachFrame {
  name: string;
  source?: Terminus | null;
  target?: Terminus | null;
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  max_message_size?: number | Buffer;
  properties?: Record<string, unknown>;
}

interface LinkInternals {
  local: { attach: AttachFrame & { source?: unknown; target?: unknown } };
  remote: { attach?: AttachFrame };
  credit: number;
  delivery_count: number;
  _draining?: boolean;
  _drained?: boolean;
  issue_flow: boolean;
  _get_drain: () => boolean;
  connection: Connection & { _register(): void };
}

export function remoteAttach(link: Sender | Receiver): AttachFrame {
  const attach = (link as unknown as LinkInternals).remote.attach;
  if (attach === undefined) throw new Error("link has no remote attach");
  return attach;
}

export function localAttach(link: Sender | Receiver): LinkInternals["local"]["attach"] {
  return (link as unknown as LinkInternals).local.attach;
}

export function linkCredit(link: Sender): number {
  return (link as unknown as LinkInternals).credit;
}

/**
 * Answers a drain request. rhea only answers a drain while credit remains; Service Bus clients
 * also drain with none left and close the link if no answer comes, so always answer.
 */
export function answerDrain(sender: Sender): number {
  const internals = sender as unknown as LinkInternals;
  if (!internals._draining) return 0;
  const returned = internals.credit;
  internals.delivery_count += returned;
  internals.credit = 0;
  internals._get_drain = () => {
    internals._get_drain = () => false;
    return true;
  };
  internals.issue_flow = true;
  internals.connection._register();
  return returned;
}

export function isDraining(sender: Sender): boolean {
  return (sender as unknown as LinkInternals)._draining === true;
}

/** rhea frees a sent delivery only once both sides settled: mark the peer's side done. */
export function markRemoteSettled(delivery: Delivery): void {
  (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
}

export function requestFlush(connection: Connection): void {
  (connection as unknown as { _register(): void })._register();
}

interface OutcomeFactory {
  accepted(): { described(): unknown };
  released(): { described(): unknown };
  modified(fields: Record<string, never>): { described(): unknown };
  rejected(fields: { error?: { condition: string; description: string } }): { described(): unknown };
}

const outcomeFactory = rhea.message as unknown as OutcomeFactory;

export function acceptedOutcome(): unknown {
  return outcomeFactory.accepted().described();
}

export function rejectedOutcome(condition: string, description: string): unknown {
  return outcomeFactory.rejected({ error: { condition, description } }).described();
}

/** Transfers rhea has put on the wire for this link so far (drained credit included). */
export function linkDeliveryCount(link: Sender): number {
  return (link as unknown as LinkInternals).delivery_count;
}

/**
 * The outcome confirming a client's settlement: the same kind, without its payload. Echoing a
 * dead-letter Rejected with its error would make the SDK report the settlement as failed.
 */
export function echoedOutcome(outcome: "accepted" | "rejected" | "modified" | "released"): unknown {
  switch (outcome) {
    case "accepted":
      return outcomeFactory.accepted().described();
    case "rejected":
      return outcomeFactory.rejected({}).described();
    case "modified":
      return outcomeFactory.modified({}).described();
    case "released":
      return outcomeFactory.released().described();
  }
}
