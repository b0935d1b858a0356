// The real app, started as Azure starts it (WEBSITE_INSTANCE_ID set), refuses settings that are
// for local runs only, naming each, before it serves anything.
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { emulatorConnectionString } from "../local/service-bus/helpers.js";
import { startHostProcess } from "../local/functions-host/host-process.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

describe("start-up when hosted in Azure", () => {
  it("when no callers are registered and an outbound exemption is set, then the app refuses to start and names both", async () => {
    const failure = await startHostProcess(
      {
        EscalationsStorage: inject("tableConnectionString"),
        ServiceBusConnection: emulatorConnectionString(),
        ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
        ESCALATIONS_QUEUE_NAME: "escalations",
        METRICS_DELIVERY_QUEUE_NAME: "report-deliveries",
        WEBSITE_INSTANCE_ID: "0123456789abcdef",
        ESCALATION_CALLERS: "",
        WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
      },
      APP_ROOT,
    ).then(
      async (host) => {
        await host.stop();
        return "started";
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(failure).toContain("ESCALATION_CALLERS: required when the app runs in Azure");
    expect(failure).toContain("WEBHOOK_ALLOWED_PRIVATE_HOSTS: for local runs only");
  });
});
