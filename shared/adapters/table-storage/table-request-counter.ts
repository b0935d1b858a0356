// Counts the HTTP requests a TableClient sends (a batch is one request), for the figures a timer
// run logs and the benchmarks print: real requests, as the service bills and throttles them.
import type { TableClient } from "@azure/data-tables";

export interface RequestCount {
  readonly requests: number;
}

/** Adds a counting policy to `table`'s pipeline; every request it sends from now on is counted. */
export function countRequests(table: TableClient): RequestCount {
  const count = { requests: 0 };
  table.pipeline.addPolicy(
    {
      name: "countTableRequests",
      sendRequest: (request, next) => {
        count.requests += 1;
        return next(request);
      },
    },
    // After the retry policy: each retry of a request is a request too.
    { afterPhase: "Retry" },
  );
  return count;
}
