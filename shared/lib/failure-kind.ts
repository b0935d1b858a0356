// What kind of failure an SDK, network or token endpoint error is, in one word a caller can be
// shown: the error's own text (hosts, AADSTS codes and trace ids, keys) stays in logs.
import { z } from "zod";

export const FailureKind = z.enum(["timeout", "unreachable", "unauthorised", "error"]);
export type FailureKind = z.infer<typeof FailureKind>;

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
const TIMEOUT = /\b(ETIMEDOUT|TimeoutError|ServiceTimeout|OperationTimeout)\b/;
const UNREACHABLE =
  /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ServiceCommunicationProblem|REQUEST_SEND_ERROR)\b/;

export function failureKindOf(error: unknown): FailureKind {
  const shape = ErrorShape.safeParse(error);
  if (!shape.success) return "error";
  const { name = "", code = "", errorCode = "", statusCode, status, message = "" } = shape.data;
  const words = `${name} ${String(code)} ${errorCode} ${message}`;
  const httpStatus = statusCode ?? status;
  if (httpStatus === 401 || httpStatus === 403 || UNAUTHORISED.test(words)) return "unauthorised";
  if (TIMEOUT.test(words)) return "timeout";
  if (UNREACHABLE.test(words)) return "unreachable";
  return "error";
}

/** Removes anything that looks like a credential from an error message before it is logged or stored. */
export function redactSecrets(message: string): string {
  return message
    .replace(/(SharedAccessKey|AccountKey|SharedAccessSignature|sig)=([^;&\s]+)/gi, "$1=[redacted]")
    .slice(0, 300);
}
