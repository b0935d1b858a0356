// What the Table Storage adapters need to read from SDK failures: the HTTP status, and deleting
// a row that may already be gone.
import { RestError, type TableClient } from "@azure/data-tables";

export function tableStatusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** Deletes a row; a row already gone (404) is what the caller wanted anyway. */
export async function deleteIfPresent(table: TableClient, partitionKey: string, rowKey: string): Promise<void> {
  try {
    await table.deleteEntity(partitionKey, rowKey);
  } catch (error) {
    if (tableStatusOf(error) !== 404) throw error;
  }
}
