// GET /api/health of the real app, through the local host, against Azurite and the emulator.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { emulatorConnectionString } from "../service-bus/helpers.js";
import { startHostProcess, type HostProcess } from "../functions-host/host-process.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

describe("health function", () => {
  const hosts: HostProcess[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.stop()));
  });

  async function startApp(environment: Record<string, string>): Promise<HostProcess> {
    // Health only: no forwarding, so no Partner Center settings and no queue listeners.
    const host = await startHostProcess(
      { ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]), "AzureWebJobs.forward-escalation.Disabled": "true", "AzureWebJobs.escalations-dead-letter.Disabled": "true", "AzureWebJobs.metrics-delivery.Disabled": "true", ...environment },
      APP_ROOT,
    );
    hosts.push(host);
    return host;
  }

  it("when storage and Service Bus answer, then 200 with every check ok", async () => {
    const host = await startApp({ EscalationsStorage: inject("tableConnectionString"), ServiceBusConnection: emulatorConnectionString(), ESCALATIONS_QUEUE_NAME: "health" });
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const report = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(report.status).toBe("healthy");
    expect(report.checks.storage?.status).toBe("ok");
    expect(report.checks.serviceBus?.status).toBe("ok");
  });

  it("when storage does not answer, then 503 naming storage, without secrets", async () => {
    const deadStorage = inject("tableConnectionString").replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, "TableEndpoint=http://127.0.0.1:9");
    const host = await startApp({ EscalationsStorage: deadStorage, ServiceBusConnection: emulatorConnectionString(), ESCALATIONS_QUEUE_NAME: "health", HEALTH_CHECK_TIMEOUT_MS: "1500" });
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(503);
    const text = await response.text();
    const report = JSON.parse(text) as { status: string; checks: Record<string, { status: string; error?: string }> };
    expect(report.status).toBe("unhealthy");
    expect(report.checks.storage?.status).toBe("failed");
    expect(report.checks.storage?.error).toBeTruthy();
    expect(report.checks.serviceBus?.status).toBe("ok");
    expect(text).not.toContain("AccountKey=");
  });

  it("when the queue does not exist, then 503 naming Service Bus", async () => {
    const host = await startApp({ EscalationsStorage: inject("tableConnectionString"), ServiceBusConnection: emulatorConnectionString(), ESCALATIONS_QUEUE_NAME: "no-such-queue", HEALTH_CHECK_TIMEOUT_MS: "3000" });
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(503);
    const report = (await response.json()) as { checks: Record<string, { status: string; error?: string }> };
    expect(report.checks.serviceBus?.status).toBe("failed");
    expect(report.checks.serviceBus?.error).toContain("could not be found");
    expect(report.checks.storage?.status).toBe("ok");
  });

  it("when settings are missing, then the app refuses to start and names each one", async () => {
    const failure = await startApp({ EscalationsStorage: "", ServiceBusConnection: "" }).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(failure).toContain("ServiceBusConnection: set ServiceBusConnection");
    expect(failure).toContain("EscalationsStorage: set EscalationsStorage");
  });
});
