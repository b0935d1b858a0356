// The newest Partner Center refresh token in Table Storage: one row, replaced at each rotation.
// For local runs and tests; in Azure the token lives in Key Vault (key-vault-refresh-token-store).
import type { TableClient } from "@azure/data-tables";
import { z } from "zod";
import { joinKey } from "./table-keys.js";
import { tableStatusOf } from "./table-errors.js";
import type { RefreshTokenStore, StoredRefreshToken } from "../partner-center/partner-center-tokens.js";

const PARTITION = joinKey("credentials");
const ROW = joinKey("partner-center-refresh-token");

const Row = z.object({ token: z.string().min(1), seededFrom: z.string().regex(/^[0-9a-f]{64}$/), savedAt: z.string() });

export class TableRefreshTokenStore implements RefreshTokenStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async load(): Promise<StoredRefreshToken | undefined> {
    try {
      const parsed = Row.safeParse(await this.#table.getEntity(PARTITION, ROW));
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      if (tableStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async save(token: StoredRefreshToken): Promise<void> {
    await this.#table.upsertEntity({ partitionKey: PARTITION, rowKey: ROW, ...token }, "Replace");
  }
}
