// The newest Partner Center refresh token in Azurite: none at first, the last saved one after.
import { describe, expect, it } from "vitest";
import { TableRefreshTokenStore } from "../../../../shared/adapters/table-storage/table-refresh-token-store.js";
import { freshTable } from "./fresh-table.js";

describe("TableRefreshTokenStore", () => {
  const table = freshTable("rtokens");

  it("when nothing was saved, then load answers undefined; after saves, the last one", async () => {
    const store = new TableRefreshTokenStore(table);
    expect(await store.load()).toBeUndefined();
    await store.save({ token: "rt.first", seededFrom: "a".repeat(64), savedAt: "2026-12-06T20:00:00.000Z" });
    await store.save({ token: "rt.second", seededFrom: "a".repeat(64), savedAt: "2026-12-06T21:00:00.000Z" });
    expect(await new TableRefreshTokenStore(table).load()).toEqual({
      token: "rt.second",
      seededFrom: "a".repeat(64),
      savedAt: "2026-12-06T21:00:00.000Z",
    });
  });
});
