// Test-side workaround for an Azurite bug, shared by the storage integration tests.
import type { TableClient } from "@azure/data-tables";

/**
 * Azurite 3.35 decodes each network chunk of a request body separately, so a multi-byte UTF-8
 * character straddling two chunks is stored as U+FFFD (Azure/Azurite#2670); bodies over about
 * 64 KiB arrive in several chunks. Escaping non-ASCII in the JSON body as \uXXXX sends the same
 * JSON in pure ASCII. Real Table Storage does not need this, so the adapters do not do it.
 */
export function withAsciiJsonBodies(client: TableClient): TableClient {
  client.pipeline.addPolicy({
    name: "asciiJsonBodies",
    sendRequest: (request, next) => {
      if (typeof request.body === "string") {
        const ascii = request.body.replace(
          /[\u0080-\uffff]/g,
          (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`,
        );
        request.body = ascii;
        request.headers.set("Content-Length", String(ascii.length));
      }
      return next(request);
    },
  });
  return client;
}
