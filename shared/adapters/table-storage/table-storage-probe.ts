// Table Storage reachability: one page of the table list, the cheapest authorized call.
import type { TableServiceClient } from "@azure/data-tables";
import type { DependencyProbe } from "../../domain/health/check-health.js";

export function makeTableStorageProbe(client: TableServiceClient): DependencyProbe {
  return {
    name: "storage",
    async check(signal) {
      await client.listTables({ abortSignal: signal }).byPage({ maxPageSize: 1 }).next();
    },
  };
}
