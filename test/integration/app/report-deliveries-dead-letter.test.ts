// A report delivery Service Bus dead-letters reaches the dead-letter log through the real
// report-deliveries-dead-letter function in the local host, against Azurite and the emulator.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import { TableDeadLetterLog } from "../../../shared/adapters/table-storage/table-dead-letter-log.js";
import type { ReportDeliveryMessage } from "../../../shared/domain/metrics/deliver-report.js";
import { startHostProcess } from "../local/functions-host/host-process.js";
import { createClient, emulatorConnectionString, purge, uniqueId } from "../local/service-bus/helpers.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** Its messages live one second and are dead-lettered when they expire. */
const QUEUE = "app-report-deliveries-expiring";

describe("report-deliveries dead letters", () => {
  it("when a delivery expires undelivered, then the dead-letter function records it with its queue and Service Bus's reason", async () => {
    const serviceBus = createClient();
    await purge(serviceBus, QUEUE);
    await purge(serviceBus, QUEUE, "deadLetter");
    const table = TableClient.fromConnectionString(
      inject("tableConnectionString"),
      `rdl${randomUUID().replaceAll("-", "").slice(0, 12)}`,
      { allowInsecureConnection: true },
    );
    const host = await startHostProcess(
      {
        EscalationsStorage: inject("tableConnectionString"),
        ServiceBusConnection: emulatorConnectionString(),
        ESCALATIONS_QUEUE_NAME: "app-report-deliveries-idle",
        ESCALATIONS_TABLE_NAME: table.tableName,
        ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
        METRICS_DELIVERY_QUEUE_NAME: QUEUE,
        // Nobody takes the delivery, so it expires; only the dead-letter function listens.
        "AzureWebJobs.metrics-delivery.Disabled": "true",
        "AzureWebJobs.forward-escalation.Disabled": "true",
        "AzureWebJobs.escalations-dead-letter.Disabled": "true",
        "AzureWebJobs.dispatch-sweep.Disabled": "true",
      },
      APP_ROOT,
    );
    try {
      const delivery: ReportDeliveryMessage = {
        window: "24h",
        to: new Date().toISOString(),
        webhook: "support-desk",
        attempt: 1,
      };
      const messageId = uniqueId("delivery");
      const sender = serviceBus.createSender(QUEUE);
      await sender.sendMessages({ messageId, body: delivery, contentType: "application/json" });
      await sender.close();

      const log = new TableDeadLetterLog(table);
      const today = new Date().toISOString().slice(0, 10);
      await expect
        .poll(async () => (await log.listDay(today).catch(() => [])).length, { timeout: 20_000, interval: 200 })
        .toBe(1);
      const [entry] = await log.listDay(today);
      expect(entry).toMatchObject({
        source: "delivery-dead-letter-queue",
        queue: QUEUE,
        messageId,
        reason: "TTLExpiredException",
        outcome: "no-escalation",
      });
      expect(entry?.body).toContain('"webhook":"support-desk"');
      expect(entry?.escalationId).toBeUndefined();
      // The function logs after it records the entry, and the host's output arrives through a pipe.
      await expect.poll(() => host.output(), { timeout: 5_000 }).toContain("dead-lettered report delivery recorded");
    } finally {
      await host.stop();
      await serviceBus.close();
      await table.deleteTable().catch(() => undefined);
    }
  });
});
