// A table of its own for a describe block: created before its tests, deleted after them, named
// `<prefix><random>` so test files running at once never share rows.
import { randomUUID } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, inject } from "vitest";

export function freshTable(prefix: string): TableClient {
  const table = TableClient.fromConnectionString(
    inject("tableConnectionString"),
    `${prefix}${randomUUID().replaceAll("-", "").slice(0, 12)}`,
    { allowInsecureConnection: true },
  );
  beforeAll(async () => {
    await table.createTable();
  });
  afterAll(async () => {
    await table.deleteTable();
  });
  return table;
}
