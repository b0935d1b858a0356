// Every `context.log/info/warn/error(message, fields)` of an invocation also becomes an
// OpenTelemetry log record whose body is the message and whose attributes are the fields, in the
// trace of the span that was active. Taken here because @azure/functions formats a call's
// arguments into one string before the host or any log hook sees them: a record built later
// could only hold the formatted text.
import type { InvocationContext } from "@azure/functions";
import { SeverityNumber, type AnyValue, type AnyValueMap, type Logger } from "@opentelemetry/api-logs";

const LOG_METHODS = ["trace", "debug", "log", "info", "warn", "error"] as const;
type LogMethod = (typeof LOG_METHODS)[number];

const SEVERITY: Record<LogMethod, { number: SeverityNumber; text: string }> = {
  trace: { number: SeverityNumber.TRACE, text: "TRACE" },
  debug: { number: SeverityNumber.DEBUG, text: "DEBUG" },
  log: { number: SeverityNumber.INFO, text: "INFO" },
  info: { number: SeverityNumber.INFO, text: "INFO" },
  warn: { number: SeverityNumber.WARN, text: "WARN" },
  error: { number: SeverityNumber.ERROR, text: "ERROR" },
};

/** A field as a log attribute value: nested objects stay maps, errors keep their type and message only. */
function toAnyValue(value: unknown, depth = 0): AnyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return { type: value.name, message: value.message };
  if (depth >= 4) return "[nested too deep]";
  if (Array.isArray(value)) return value.map((item) => toAnyValue(item, depth + 1));
  if (typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toAnyValue(item, depth + 1)]));
  // Functions and symbols: their kind is all a log record can use.
  return `[${typeof value}]`;
}

/** The record of one call: the first string is the body, plain objects after it are the attributes. */
export function toLogRecord(args: readonly unknown[]): { body: string; attributes: AnyValueMap } {
  const [first, ...rest] = args;
  const body = typeof first === "string" ? first : "";
  const attributes: AnyValueMap = {};
  const fields = typeof first === "string" ? rest : args;
  fields.forEach((field, index) => {
    const value = toAnyValue(field);
    if (typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array))
      Object.assign(attributes, value);
    else attributes[`arg${String(index)}`] = value;
  });
  return { body, attributes };
}

/** Makes each log method of `invocation` emit its structured record to `logger`, then log as before. */
export function captureStructuredLogs(invocation: InvocationContext, logger: Logger): void {
  for (const method of LOG_METHODS) {
    const original = invocation[method].bind(invocation);
    const severity = SEVERITY[method];
    invocation[method] = (...args: unknown[]) => {
      const { body, attributes } = toLogRecord(args);
      logger.emit({
        body,
        severityNumber: severity.number,
        severityText: severity.text,
        attributes: {
          ...attributes,
          "faas.name": invocation.functionName,
          "faas.invocation_id": invocation.invocationId,
        },
      });
      original(...args);
    };
  }
}
