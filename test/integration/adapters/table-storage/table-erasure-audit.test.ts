// The erasure audit in Azurite: entries read back as recorded, oldest first, across months; a long
// list of escalation ids split over properties and joined again; only the asked range returned.
import { describe, expect, it } from "vitest";
import { TableErasureAudit } from "../../../../shared/adapters/table-storage/table-erasure-audit.js";
import type { ErasureAuditEntry } from "../../../../shared/domain/escalations/personal-data-ports.js";
import { freshTable } from "./fresh-table.js";

const entry = (overrides: Partial<ErasureAuditEntry> = {}): ErasureAuditEntry => ({
  at: "2026-05-31T23:59:59.000Z",
  actor: "data-retention",
  action: "erase-after-retention",
  escalationIds: ["esc-1", "esc-2"],
  rows: 6,
  counts: { escalations: 2 },
  ...overrides,
});

describe("TableErasureAudit", () => {
  const table = freshTable("audit");
  const audit = new TableErasureAudit(table);

  it("when entries are recorded in two months, then a range over both reads them back oldest first, unchanged", async () => {
    const may = entry();
    const june = entry({
      at: "2026-06-01T00:00:00.000Z",
      actor: "operator",
      action: "erase-on-request",
      tenantId: "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
      escalationIds: ["esc-3"],
      rows: 9,
    });
    const withoutCounts: ErasureAuditEntry = {
      at: "2026-06-02T10:00:00.000Z",
      actor: "data-retention",
      action: "delete-after-retention",
      escalationIds: ["esc-4"],
      rows: 11,
    };
    await audit.record(june);
    await audit.record(may);
    await audit.record(withoutCounts);

    const entries = await audit.list(new Date("2026-05-01T00:00:00.000Z"), new Date("2026-07-01T00:00:00.000Z"));

    expect(entries).toEqual([may, june, withoutCounts]);
  });

  it("when a range is asked for, then entries outside it are left out (its end excluded)", async () => {
    const entries = await audit.list(new Date("2026-06-01T00:00:00.000Z"), new Date("2026-06-02T10:00:00.000Z"));

    expect(entries.map((found) => found.at)).toEqual(["2026-06-01T00:00:00.000Z"]);
  });

  it("when an entry names thousands of escalations, then every id comes back, in order", async () => {
    const escalationIds = Array.from({ length: 5_000 }, (_, index) => `esc_${String(index).padStart(36, "0")}`);
    await audit.record(entry({ at: "2026-08-15T00:00:00.000Z", escalationIds, rows: 15_000 }));

    const [found] = await audit.list(new Date("2026-08-01T00:00:00.000Z"), new Date("2026-09-01T00:00:00.000Z"));

    expect(found?.escalationIds).toEqual(escalationIds);
    expect(found?.rows).toBe(15_000);
  });
});
