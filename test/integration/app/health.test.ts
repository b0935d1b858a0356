// GET /api/health of the real app, through the local host, against Azurite and the emulator.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { emulatorConnectionString } from "../local/service-bus/helpers.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

describe("health function", () => {
  const hosts: HostProcess[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.stop()));
  });

  async function startApp(environment: Record<string, string>): Promise<HostProcess> {
    // Health only: no forwarding, so no Partner Center settings and no queue listeners.
    const host = await startHostProcess(
      {
        ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
        "AzureWebJobs.forward-escalation.Disabled": "true",
        "AzureWebJobs.escalations-dead-letter.Disabled": "true",
        "AzureWebJobs.metrics-delivery.Disabled": "true",
        "AzureWebJobs.report-deliveries-dead-letter.Disabled": "true",
        ...environment,
      },
      APP_ROOT,
    );
    hosts.push(host);
    return host;
  }

  const MASTER_KEY = { "x-functions-key": "local-master-key" };
  const FUNCTION_KEY = { "x-functions-key": "local-dev-key" };

  it("when storage and Service Bus answer, then /api/health is 200 with the status only and the details show every check ok", async () => {
    const host = await startApp({
      EscalationsStorage: inject("tableConnectionString"),
      ServiceBusConnection: emulatorConnectionString(),
      ESCALATIONS_QUEUE_NAME: "health",
    });
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "healthy" });

    const details = await fetch(`${host.url}/api/health/details`, { headers: MASTER_KEY });
    expect(details.status).toBe(200);
    const report = (await details.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(report.status).toBe("healthy");
    expect(report.checks.storage?.status).toBe("ok");
    expect(report.checks.serviceBus?.status).toBe("ok");
  });

  it("when a caller has no key or only a function key, then the details are refused and the status is all /api/health shows", async () => {
    const host = await startApp({
      EscalationsStorage: inject("tableConnectionString"),
      ServiceBusConnection: emulatorConnectionString(),
      ESCALATIONS_QUEUE_NAME: "health",
    });
    expect((await fetch(`${host.url}/api/health/details`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/health/details`, { headers: FUNCTION_KEY })).status).toBe(401);
    expect((await fetch(`${host.url}/api/health/details?code=local-master-key`)).status).toBe(200);
    expect(
      Object.keys((await (await fetch(`${host.url}/api/health`, { headers: FUNCTION_KEY })).json()) as object),
    ).toEqual(["status"]);
  });

  it("when storage does not answer, then 503 with the status only, and the details name storage as unreachable without the error text", async () => {
    const deadStorage = inject("tableConnectionString").replace(
      /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
      "TableEndpoint=http://127.0.0.1:9",
    );
    const host = await startApp({
      EscalationsStorage: deadStorage,
      ServiceBusConnection: emulatorConnectionString(),
      ESCALATIONS_QUEUE_NAME: "health",
      HEALTH_CHECK_TIMEOUT_MS: "1500",
    });
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unhealthy" });

    const details = await fetch(`${host.url}/api/health/details`, { headers: MASTER_KEY });
    expect(details.status).toBe(503);
    const text = await details.text();
    const report = JSON.parse(text) as { status: string; checks: Record<string, { status: string; error?: string }> };
    expect(report.status).toBe("unhealthy");
    expect(report.checks.storage).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^(unreachable|timeout)$/) as unknown,
    });
    expect(report.checks.serviceBus?.status).toBe("ok");
    expect(text).not.toContain("127.0.0.1");
    expect(text).not.toContain("AccountKey=");
  });

  it("when the queue does not exist, then the details name Service Bus as failed", async () => {
    const host = await startApp({
      EscalationsStorage: inject("tableConnectionString"),
      ServiceBusConnection: emulatorConnectionString(),
      ESCALATIONS_QUEUE_NAME: "no-such-queue",
      HEALTH_CHECK_TIMEOUT_MS: "3000",
    });
    expect((await fetch(`${host.url}/api/health`)).status).toBe(503);
    const details = await fetch(`${host.url}/api/health/details`, { headers: MASTER_KEY });
    expect(details.status).toBe(503);
    const report = (await details.json()) as { checks: Record<string, { status: string; error?: string }> };
    expect(report.checks.serviceBus).toMatchObject({ status: "failed", error: "error" });
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
