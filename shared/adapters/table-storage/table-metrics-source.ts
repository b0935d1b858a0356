// The metrics' reads from the escalations table, each bounded by the window: status events and
// gate decisions from the day partitions the window touches, dead letters from the days their
// messages could have been enqueued (the window plus the messages' time to live), the backlog
// from the open statuses' index partitions, those waiting for 21Vianet's first response from
// their own partition.
import { odata, type TableClient } from "@azure/data-tables";
import { z } from "zod";
import { CriterionDecision } from "../../domain/escalations/criteria.js";
import type { EscalationStatus } from "../../domain/escalations/escalation.js";
import type { DeadLetterFact, EscalationFact, GateFact } from "../../domain/metrics/report.js";
import { deadLetterFact, gateFact } from "../../domain/metrics/facts.js";
import type { MetricsSource } from "../../domain/metrics/metrics-source.js";
import { joinLongText } from "./long-text.js";
import { timestampKey } from "./table-keys.js";
import type { TableDeadLetterLog } from "./table-dead-letter-log.js";
import { gatePartition, type TableEscalationStore } from "./table-escalation-store.js";
import { daysOf, readStatusEvents, readWaitingForVianet } from "./table-status-events.js";

const DAY_MS = 24 * 60 * 60_000;
const OPEN_STATUSES: readonly EscalationStatus[] = ["queued", "awaiting_portal"];
const PAGE = 1_000;

const GateRow = z.object({ at: z.iso.datetime(), met: z.boolean() });

export interface TableMetricsSourceOptions {
  table: TableClient;
  store: TableEscalationStore;
  deadLetters: TableDeadLetterLog;
  /** How long before it is dead-lettered a message may have been enqueued: the queue's time to live. */
  messageTimeToLiveMs: number;
}

export class TableMetricsSource implements MetricsSource {
  readonly #options: TableMetricsSourceOptions;

  constructor(options: TableMetricsSourceOptions) {
    this.#options = options;
  }

  statusEvents(from: Date, to: Date) {
    return readStatusEvents(this.#options.table, from, to);
  }

  async gateDecisions(from: Date, to: Date): Promise<GateFact[]> {
    const lower = timestampKey(from);
    const upper = timestampKey(to);
    const perDay = await Promise.all(
      daysOf(from, to).map(async (day) => {
        const facts: GateFact[] = [];
        const filter = odata`PartitionKey eq ${gatePartition(day)} and RowKey ge ${lower} and RowKey lt ${upper}`;
        for await (const row of this.#options.table.listEntities({ queryOptions: { filter } })) {
          const { at, met } = GateRow.parse(row);
          const decisions = z.array(CriterionDecision).parse(JSON.parse(joinLongText("decisions", row) ?? "[]"));
          facts.push(gateFact({ at, met, decisions }));
        }
        return facts;
      }),
    );
    return perDay.flat();
  }

  async deadLetters(from: Date, to: Date): Promise<DeadLetterFact[]> {
    const earliestEnqueue = new Date(from.getTime() - this.#options.messageTimeToLiveMs - DAY_MS);
    const days = daysOf(earliestEnqueue, to);
    const perDay = await Promise.all(days.map((day) => this.#options.deadLetters.listDay(day)));
    return perDay
      .flat()
      .filter((entry) => {
        const at = Date.parse(entry.at);
        return at >= from.getTime() && at < to.getTime();
      })
      .map(deadLetterFact);
  }

  async waitingForVianet(): Promise<EscalationFact[]> {
    const waiting = await readWaitingForVianet(this.#options.table);
    return waiting.map(({ escalationId, ...row }) => ({ id: escalationId, status: "forwarded", ...row }));
  }

  async openEscalations(): Promise<EscalationFact[]> {
    const facts: EscalationFact[] = [];
    for (const status of OPEN_STATUSES) {
      let continuationToken: string | undefined;
      do {
        const page = await this.#options.store.listByStatus(status, {
          pageSize: PAGE,
          ...(continuationToken === undefined ? {} : { continuationToken }),
        });
        if (!page.ok) throw new Error(`listing ${status} escalations: ${page.error}`);
        for (const item of page.items) {
          // The index rows carry no customer name; the backlog does not show one (top customers come from events).
          facts.push({
            id: item.id,
            tenantId: item.tenantId,
            customerName: item.tenantId,
            service: item.service,
            severity: item.severity,
            status: item.status,
            submittedAt: item.createdAt,
          });
        }
        continuationToken = page.continuationToken;
      } while (continuationToken !== undefined);
    }
    return facts;
  }
}
