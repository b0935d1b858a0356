// The app's one error family: every error it throws on purpose is a BridgeError whose `code` comes
// from one closed list, and an error standing for another failure (an SDK, socket or token
// endpoint error) keeps that failure as its standard `cause` instead of folding it into the text.

/** Every code a BridgeError can carry; the list is closed so a reader can switch over it. */
export const BRIDGE_ERROR_CODES = [
  /** The app settings are invalid (ConfigError). */
  "invalid-settings",
  /** An escalation with this id is stored already. */
  "escalation-exists",
  /** An escalation does not fit one table entity. */
  "escalation-too-large",
  /** A change the escalation lifecycle forbids: a bug in the caller. */
  "forbidden-escalation-change",
  /** Stored data that is not what the app writes: damaged data or a bug. */
  "invalid-stored-data",
  /** An escalation kept changing under an update that had to happen: the work is retried. */
  "escalation-kept-changing",
  /** A Partner Center token could not be had. */
  "token-request-failed",
  /** The store of the newest refresh token failed a load or a save. */
  "refresh-token-store-failed",
  /** Partner Center refused or never answered a call. */
  "partner-center-failed",
  /** An HTTP call got no complete answer within its deadline. */
  "http-timeout",
  /** An outbound address the outbound policy forbids. */
  "blocked-address",
  /** A dependency's health probe did not answer within its deadline. */
  "probe-timeout",
  /** The last Partner Center token request or call was refused: a configuration problem. */
  "credentials-refused",
  /** A queue message goes back to the queue on purpose, to be delivered again. */
  "redeliver",
  /** Scheduled metrics reports could not all be made. */
  "reports-failed",
  /** A schema has no Swagger 2.0 equivalent: a bug in the OpenAPI document. */
  "unrepresentable-schema",
] as const;
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number];

/** The base of the family. Subclasses set `name`, and exist only where they carry more data. */
export class BridgeError extends Error {
  override name = "BridgeError";
  readonly code: BridgeErrorCode;

  constructor(code: BridgeErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A BridgeError, of the given code when one is named. */
export function isBridgeError(error: unknown, code?: BridgeErrorCode): error is BridgeError {
  return error instanceof BridgeError && (code === undefined || error.code === code);
}

/** How deep a chain of causes is followed for the log; a cycle or a very long chain stops there. */
const MAX_CAUSES = 5;

/** An error as a log line carries it: name, code, message, stack and its causes, for operators only. */
export function errorForLog(error: unknown, depth = 0): Record<string, unknown> | string {
  if (!(error instanceof Error)) return String(error);
  const cause = depth < MAX_CAUSES && error.cause !== undefined ? errorForLog(error.cause, depth + 1) : undefined;
  return {
    name: error.name,
    ...(isBridgeError(error) ? { code: error.code } : {}),
    message: error.message,
    stack: error.stack,
    ...(cause === undefined ? {} : { cause }),
  };
}
