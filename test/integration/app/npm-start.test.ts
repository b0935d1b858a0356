// The real `npm start`, as a newcomer runs it: the app answers /api/health, an escalation goes all
// the way to the sandbox, and Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
// stops the host and every emulator it started.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildEscalationRequest } from "../../unit/escalations/builders.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("npm start", () => {
  it("when started on a fresh checkout's settings, then /api/health is 200, an escalation reaches the sandbox and the metrics, and Ctrl-C stops everything", async () => {
    const appSettings = new Set(["EscalationsStorage", "ServiceBusConnection", "EscalationsStorage__tableServiceUri", "ServiceBusConnection__fullyQualifiedNamespace", "ESCALATIONS_QUEUE_NAME", "METRICS_DELIVERY_QUEUE_NAME"]);
    const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !appSettings.has(name) && !name.startsWith("PARTNER_CENTER_") && !name.startsWith("ESCALATION_")));
    const child = spawn("npm", ["start", "--", "--in-memory", "--port", "0", "--service-bus-port", "0", "--storage-port", "0", "--sandbox-port", "0"], {
      cwd: ROOT,
      env: environment,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    // "close" waits for every process holding the output pipes: npm, the launcher, the host.
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    try {
      await expect.poll(() => /Host listening on (\S+)/.exec(output)?.[1], { timeout: 60_000, interval: 100 }).toBeDefined();
      const url = /Host listening on (\S+)/.exec(output)?.[1] ?? "";
      const storagePort = Number(/Azurite Table service on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
      const serviceBusPort = Number(/Service Bus emulator on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
      const sandboxUrl = /Partner Center \(21Vianet\) sandbox on (\S+)/.exec(output)?.[1] ?? "";
      const sandboxPort = Number(new URL(sandboxUrl).port);
      expect(output).toContain(`health: [GET] ${url}/api/health`);

      const response = await fetch(`${url}/api/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: "healthy" });
      expect(await portAnswers(storagePort)).toBe(true);
      expect(await portAnswers(serviceBusPort)).toBe(true);

      // Submitted with the default key, forwarded by the queue trigger to the sandbox.
      const submitted = await fetch(`${url}/api/escalations`, { method: "POST", headers: { "content-type": "application/json", "x-functions-key": "local-dev-key" }, body: JSON.stringify(buildEscalationRequest()) });
      expect(submitted.status).toBe(202);
      const { id } = (await submitted.json()) as { id: string };
      const status = async () => ((await (await fetch(`${url}/api/escalations/${id}`, { headers: { "x-functions-key": "local-dev-key" } })).json()) as { status: string }).status;
      await expect.poll(status, { timeout: 15_000, interval: 100 }).toBe("forwarded");
      const requests = (await (await fetch(`${sandboxUrl}/_sandbox/requests`)).json()) as { totalCount: number };
      expect(requests.totalCount).toBe(1);

      // The metrics timer, run now through the admin API, stores the reports the API and the dashboard show.
      const ran = await fetch(`${url}/admin/functions/metrics-report`, { method: "POST", headers: { "x-functions-key": "local-master-key", "content-type": "application/json" }, body: "{}" });
      expect(ran.status).toBe(202);
      // A report computed on demand is made anew each time; a stored one answers the same twice.
      const generatedAt = async () => (await fetch(`${url}/api/metrics?window=30d`, { headers: { "x-functions-key": "local-dev-key" } })).headers.get("x-report-generated-at");
      await expect.poll(async () => (await generatedAt()) === (await generatedAt()), { timeout: 15_000, interval: 200 }).toBe(true);
      const metrics = (await (await fetch(`${url}/api/metrics?window=1h`, { headers: { "x-functions-key": "local-dev-key" } })).json()) as { volumes: { byStatus: { forwarded: number } } };
      expect(metrics.volumes.byStatus.forwarded).toBe(1);
      const dashboard = await fetch(`${url}/api/dashboard?code=local-dev-key`);
      expect(dashboard.status).toBe(200);
      expect(await dashboard.text()).toContain("Escalations to 21Vianet");

      process.kill(-(child.pid ?? 0), "SIGINT");
      await closed;
      // The host hears Ctrl-C itself and the launcher's SIGTERM as well; whichever came first.
      expect(output).toMatch(/\[host\] SIG(INT|TERM): stopping/);
      expect(output).toContain("Host stopped");
      expect(output).toContain("[start] stopped");
      expect(await portAnswers(storagePort)).toBe(false);
      expect(await portAnswers(serviceBusPort)).toBe(false);
      expect(await portAnswers(sandboxPort)).toBe(false);
      await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid ?? 0), "SIGKILL");
    }
  }, 90_000);
});
