// What kind of failure an SDK, network or token endpoint error is, in one word a caller can be
// shown and a few words safe to keep in an escalation's history: the error's own text (hosts,
// addresses, AADSTS codes and trace ids, keys) stays in logs. The one classifier of such errors.
import { z } from "zod";
import { isBridgeError, type BridgeErrorCode } from "./errors.js";

export const FailureKind = z.enum(["timeout", "unreachable", "unauthorised", "error"]);
export type FailureKind = z.infer<typeof FailureKind>;

/** A failure as it may be shown: its kind, and what happened in a few safe words (e.g. `connection reset`). */
export interface FailureDescription {
  kind: FailureKind;
  words: string;
}

/** The fields of SDK and Node errors that tell the kinds apart (RestError, MessagingError, system errors, MSAL, @azure/identity). */
const ErrorShape = z.object({
  name: z.string().optional(),
  code: z.union([z.string(), z.number()]).optional(),
  errorCode: z.string().optional(),
  statusCode: z.number().optional(),
  status: z.number().optional(),
  message: z.string().optional(),
});

const UNAUTHORISED =
  /\b(UnauthorizedAccess|AuthenticationFailed|AuthorizationFailure|AuthorizationPermissionMismatch|AuthenticationError|CredentialUnavailableError|AuthenticationRequiredError|InteractionRequiredAuthError|invalid_grant|invalid_client|unauthorized_client|AADSTS\d+)\b/;
const TIMEOUT = /\b(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|TimeoutError|AbortError|ServiceTimeout|OperationTimeout)\b/;
const UNREACHABLE =
  /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ServiceCommunicationProblem|REQUEST_SEND_ERROR)\b/;

/** The unreachable failures worth naming apart; any other is a `network error`. */
const UNREACHABLE_WORDS: readonly [RegExp, string][] = [
  [/\b(ECONNRESET|EPIPE)\b/, "connection reset"],
  [/\bECONNREFUSED\b/, "connection refused"],
  [/\b(ENOTFOUND|EAI_AGAIN)\b/, "host name not resolved"],
  [/\bblocked-address\b/, "address not allowed"],
];

/** The app's own errors that say their kind by their code. */
const KIND_OF_CODE: Partial<Record<BridgeErrorCode, FailureKind>> = {
  "http-timeout": "timeout",
  "probe-timeout": "timeout",
  "credentials-refused": "unauthorised",
  "blocked-address": "unreachable",
};

/** `otherwise`: the words for a failure of no known kind; a transport's caller says `network error`. */
export function describeFailure(error: unknown, otherwise = "network error"): FailureDescription {
  const known = isBridgeError(error) ? KIND_OF_CODE[error.code] : undefined;
  const shape = ErrorShape.safeParse(error);
  if (!shape.success) return { kind: known ?? "error", words: otherwise };
  const { name = "", code = "", errorCode = "", statusCode, status, message = "" } = shape.data;
  const words = `${name} ${String(code)} ${errorCode} ${message}`;
  const httpStatus = statusCode ?? status;
  if (known === "unauthorised" || httpStatus === 401 || httpStatus === 403 || UNAUTHORISED.test(words))
    return { kind: "unauthorised", words: httpStatus === undefined ? "unauthorised" : `HTTP ${String(httpStatus)}` };
  if (known === "timeout" || TIMEOUT.test(words)) return { kind: "timeout", words: "timed out" };
  if (known === "unreachable" || UNREACHABLE.test(words)) {
    const named = UNREACHABLE_WORDS.find(([pattern]) => pattern.test(words));
    return { kind: "unreachable", words: named?.[1] ?? "network error" };
  }
  return { kind: "error", words: httpStatus === undefined ? otherwise : `HTTP ${String(httpStatus)}` };
}

export function failureKindOf(error: unknown): FailureKind {
  return describeFailure(error).kind;
}

/** Removes anything that looks like a credential from an error message before it is logged or stored. */
export function redactSecrets(message: string): string {
  return message
    .replace(/(SharedAccessKey|AccountKey|SharedAccessSignature|sig)=([^;&\s]+)/gi, "$1=[redacted]")
    .slice(0, 300);
}
