// An unexpected failure in the real app (here: Table Storage unreachable) answers 500
// problem+json with an error id, never an empty body or internals, and the log has the same id.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { emulatorConnectionString } from "../local/service-bus/helpers.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
// Nothing listens on port 9: every Table request fails to connect.
const DEAD_STORAGE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";

describe("unexpected errors through the local host", () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess(
      {
        EscalationsStorage: DEAD_STORAGE,
        ServiceBusConnection: emulatorConnectionString(),
        ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
        ESCALATIONS_QUEUE_NAME: "escalations",
        METRICS_DELIVERY_QUEUE_NAME: "report-deliveries",
        "AzureWebJobs.forward-escalation.Disabled": "true",
        "AzureWebJobs.escalations-dead-letter.Disabled": "true",
        "AzureWebJobs.metrics-delivery.Disabled": "true",
      },
      APP_ROOT,
    );
  });
  afterAll(async () => {
    await host.stop();
  });

  it("when storage cannot be reached, then POST and GET answer 500 problem+json with an error id that the log carries, and no internals", async () => {
    const posted = await fetch(`${host.url}/api/escalations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-functions-key": "local-dev-key" },
      body: JSON.stringify(buildEscalationRequest()),
    });
    const read = await fetch(`${host.url}/api/escalations/esc_000000000abcdef0123456789`, {
      headers: { "x-functions-key": "local-dev-key" },
    });

    for (const response of [posted, read]) {
      expect(response.status).toBe(500);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const text = await response.text();
      const problem = JSON.parse(text) as { errorId: string; status: number };
      expect(problem.status).toBe(500);
      expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:9|AccountKey|at .*\.js/);
      await expect.poll(() => host.output()).toContain(problem.errorId);
    }
  });
});
