// The metrics benchmark's check that storing an older escalation in its final state leaves the
// rows the step-by-step path leaves, on every fate, before any store is seeded that way.
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { TableClient } from "@azure/data-tables";
import type { RunningAzurite } from "../../local/azurite.js";
import { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import { azuriteTable, VerificationError } from "../kit/index.js";
import { accepted, HISTORY_FATES, historyStates, randomSource, requestFor } from "./history.js";
import { storeFinal } from "./seed.js";
import { DAY_MS, HISTORY_NEWEST_DAYS_AGO, type Options } from "./settings.js";

/** Every row of a table, without what the service stamps (Timestamp, ETag), keyed and sorted. */
async function rowsOf(table: TableClient, dropSubmissionChannel: boolean): Promise<string[]> {
  const rows: string[] = [];
  for await (const row of table.listEntities()) {
    const rest: Record<string, unknown> = { ...row };
    delete rest.etag;
    delete rest.timestamp;
    const submissionEvent =
      typeof rest.partitionKey === "string" && rest.partitionKey.startsWith("events!") && !("from" in rest);
    if (dropSubmissionChannel && submissionEvent) delete rest.channel;
    rows.push(JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)))));
  }
  return rows.sort();
}

/**
 * The older history is stored by storeFinal. Checked here, on every fate: its rows are exactly
 * the ones the step-by-step path (create as submitted and pending, the dispatch, then a replace
 * per move) leaves, but for the submission events' channel (storeFinal says why).
 */
export async function checkFinalStateLayout(azurite: RunningAzurite, options: Options): Promise<number> {
  const tag = randomBytes(3).toString("hex");
  const stepwise = azuriteTable(azurite.connectionString, `layoutstep${tag}`);
  const direct = azuriteTable(azurite.connectionString, `layoutfinal${tag}`);
  await Promise.all([stepwise.createTable(), direct.createTable()]);
  const stepStore = new TableEscalationStore(stepwise);
  const directStore = new TableEscalationStore(direct);
  let checked = 0;
  for (const [index, fate] of HISTORY_FATES.entries()) {
    for (let copy = 0; copy < 2; copy++) {
      const random = randomSource(0x1a70_0000 + index * 16 + copy);
      const at = options.now.getTime() - (HISTORY_NEWEST_DAYS_AGO + 10 + index) * DAY_MS;
      const start = accepted(random, requestFor(random, index * 7 + copy, index, true), at);
      const states = historyStates(random, fate, start);
      const first = await stepStore.create({ ...start, dispatch: "pending" });
      let etag = first.etag;
      for (const state of states) {
        const result = await stepStore.replace(state, etag);
        if (!result.ok) throw new Error(`layout check: ${fate} ${result.error}`);
        etag = result.etag;
      }
      await storeFinal(directStore, states.at(-1) ?? start);
      checked++;
    }
  }
  // The one known difference (storeFinal): the channel of the submissions' status events.
  const [stepRows, directRows] = await Promise.all([rowsOf(stepwise, false), rowsOf(direct, true)]);
  await Promise.all([stepwise.deleteTable(), direct.deleteTable()]);
  if (!isDeepStrictEqual(stepRows, directRows)) {
    const onlyStep = stepRows.filter((row) => !directRows.includes(row)).slice(0, 3);
    const onlyDirect = directRows.filter((row) => !stepRows.includes(row)).slice(0, 3);
    throw new VerificationError(
      `storing an escalation in its final state does not leave the rows the step-by-step path does:\n  step-by-step only: ${onlyStep.join("\n    ")}\n  final-state only: ${onlyDirect.join("\n    ")}`,
    );
  }
  return checked;
}
