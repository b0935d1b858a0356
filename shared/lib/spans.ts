// Running work inside a span: ended on every path, marked failed with the error's type only
// (an error's message can name hosts, addresses or input, none of which belongs in telemetry).
// Without a started OpenTelemetry SDK the API is a no-op and so is this.
import { SpanStatusCode, trace, type Context, type Span, type SpanOptions } from "@opentelemetry/api";
import { INSTRUMENTATION_SCOPE } from "./telemetry-names.js";

export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
  parent?: Context,
): Promise<T> {
  const tracer = trace.getTracer(INSTRUMENTATION_SCOPE);
  const run = async (span: Span): Promise<T> => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute("error.type", error instanceof Error ? error.name : typeof error);
      throw error;
    } finally {
      span.end();
    }
  };
  return parent === undefined
    ? tracer.startActiveSpan(name, options, run)
    : tracer.startActiveSpan(name, options, parent, run);
}
