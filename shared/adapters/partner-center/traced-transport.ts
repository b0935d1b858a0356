// A client span around every Partner Center call: method, host, the route with its ids left out
// (a customer's tenant id sits in one path), the answer's status, and the MS-RequestId and
// MS-CorrelationId that 21Vianet's support can look the call up by. No header values beyond
// those, no body: the body holds the customer's name and the escalation's text.
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { inSpan } from "../../lib/spans.js";
import type { HttpTransport } from "../http/http-transport.js";

/** The Partner Center route a path follows, e.g. `/v1/customers/{customer-tenant-id}/servicerequests`. */
export function partnerCenterRoute(method: string, pathname: string): string {
  const segments = pathname.split("/");
  return segments
    .map((segment, index) => {
      const previous = segments[index - 1];
      if (previous === "customers") return "{customer-tenant-id}";
      if (previous === "servicerequests") return method === "POST" ? "{agent-locale}" : "{service-request-id}";
      return segment;
    })
    .join("/");
}

export function tracedTransport(transport: HttpTransport): HttpTransport {
  return (call) => {
    const url = new URL(call.url);
    const route = partnerCenterRoute(call.method, url.pathname);
    const requestId = call.headers["MS-RequestId"];
    const correlationId = call.headers["MS-CorrelationId"];
    return inSpan(
      `${call.method} ${route}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "http.request.method": call.method,
          "server.address": url.hostname,
          "server.port": Number(url.port || (url.protocol === "https:" ? 443 : 80)),
          "url.template": route,
          ...(requestId === undefined ? {} : { "partner_center.request_id": requestId }),
          ...(correlationId === undefined ? {} : { "partner_center.correlation_id": correlationId }),
        },
      },
      async (span) => {
        const answer = await transport(call);
        span.setAttribute("http.response.status_code", answer.status);
        if (answer.status >= 400) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute("error.type", String(answer.status));
        }
        return answer;
      },
    );
  };
}
