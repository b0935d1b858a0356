// Every request a TableClient sends, recorded as the Table Storage operation it is (kind and
// partition), by a pipeline policy: what the tests assert per path and the benchmarks count per
// forwarding and per submission. An entity-group transaction is one request and one operation.
import type { TableClient } from "@azure/data-tables";

export type TableOperationKind =
  "insert" | "upsert" | "update" | "merge" | "delete" | "get" | "query" | "batch" | "table";

export interface TableOperation {
  kind: TableOperationKind;
  /** The partition named by the key, the body or the filter; "" when none is (a table-level call). */
  partition: string;
}

/** An operation as sent, with the time from sending it to its answer. */
export interface TimedTableOperation extends TableOperation {
  ms: number;
}

/** The partition prefix of a key, up to the first "!": `escalation`, `status`, `events`... */
export function partitionKind(partition: string): string {
  return partition.split("!")[0] ?? partition;
}

const ENTITY_PATH = /\(PartitionKey='((?:[^']|'')*)',RowKey='(?:[^']|'')*'\)$/;
const FILTER_PARTITION = /PartitionKey eq '((?:[^']|'')*)'/;
const BODY_PARTITION = /"PartitionKey":"((?:[^"\\]|\\.)*)"/;
/** A batch's delete names its row in the URL of its part. */
const PART_PARTITION = /\(PartitionKey='((?:[^']|'')*)',RowKey=/;

function unquote(value: string): string {
  return decodeURIComponent(value).replaceAll("''", "'");
}

/** What one request is, from its method, URL, headers and body. */
export function classifyTableRequest(
  method: string,
  url: string,
  ifMatch: string | undefined,
  body: unknown,
): TableOperation {
  const { pathname, searchParams } = new URL(url);
  const text = typeof body === "string" ? body : "";
  const bodyPartition = BODY_PARTITION.exec(text)?.[1] ?? unquote(PART_PARTITION.exec(text)?.[1] ?? "");
  if (pathname.endsWith("/$batch")) return { kind: "batch", partition: bodyPartition };
  const entity = ENTITY_PATH.exec(decodeURIComponent(pathname));
  if (entity !== null) {
    const partition = unquote(entity[1] ?? "");
    switch (method) {
      case "GET":
        return { kind: "get", partition };
      case "DELETE":
        return { kind: "delete", partition };
      case "PATCH":
      case "MERGE":
        return { kind: "merge", partition };
      default:
        // A replace with no If-Match (or "*" from an upsert) writes whatever is there: an upsert.
        return { kind: ifMatch === undefined || ifMatch === "*" ? "upsert" : "update", partition };
    }
  }
  if (method === "GET") {
    const filter = searchParams.get("$filter") ?? "";
    return { kind: "query", partition: unquote(FILTER_PARTITION.exec(filter)?.[1] ?? "") };
  }
  if (method === "POST" && !pathname.endsWith("/Tables")) return { kind: "insert", partition: bodyPartition };
  return { kind: "table", partition: "" };
}

/** Records every request `table` sends into `into` (in the order answered); answers the same client. */
export function recordTableOperations(table: TableClient, into: TimedTableOperation[]): TableClient {
  table.pipeline.addPolicy({
    name: "recordTableOperations",
    sendRequest: async (request, next) => {
      const operation = classifyTableRequest(
        request.method,
        request.url,
        request.headers.get("If-Match"),
        request.body,
      );
      const began = performance.now();
      try {
        return await next(request);
      } finally {
        into.push({ ...operation, ms: performance.now() - began });
      }
    },
  });
  return table;
}

/** "upsert status, delete status, ..." counts by kind and partition kind, for a report or a failure message. */
export function describeOperations(operations: readonly TableOperation[]): string {
  const counts = new Map<string, number>();
  for (const operation of operations) {
    const key = `${operation.kind} ${partitionKind(operation.partition) || "-"}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => (count === 1 ? key : `${count}x ${key}`))
    .join(", ");
}
