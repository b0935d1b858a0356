// The real `npm start`, as a newcomer runs it: the app answers /api/health, an escalation goes all
// the way to the sandbox, and Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
// stops the host and every emulator it started. A host that dies is started again while the
// emulators keep running, and what was acknowledged is still there after a stop and a new start.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildEscalationRequest } from "../../builders/escalation-request.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const KEY = { "x-functions-key": "local-dev-key" };
const Accepted = z.object({ id: z.string() });

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

interface NpmStart {
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves once npm, the launcher and the host have all let go of the output pipes. */
  readonly closed: Promise<void>;
  /** The host's URL once it listens. */
  listening(): Promise<string>;
  /** A signal to the whole process group, as a terminal (Ctrl-C) or a service manager sends it. */
  signal(signal: NodeJS.Signals): void;
}

/** `npm start` on ports picked at random, with none of the app settings that would point it at real resources. */
function launchNpmStart(storageArgs: readonly string[]): NpmStart {
  const appSettings = new Set([
    "EscalationsStorage",
    "ServiceBusConnection",
    "EscalationsStorage__tableServiceUri",
    "ServiceBusConnection__fullyQualifiedNamespace",
    "ESCALATIONS_QUEUE_NAME",
    "METRICS_DELIVERY_QUEUE_NAME",
    "EVENT_DELIVERY_QUEUE_NAME",
  ]);
  const environment = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !appSettings.has(name) && !name.startsWith("PARTNER_CENTER_") && !name.startsWith("ESCALATION_"),
    ),
  );
  const child = spawn(
    "npm",
    [
      "start",
      "--",
      ...storageArgs,
      "--port",
      "0",
      "--service-bus-port",
      "0",
      "--storage-port",
      "0",
      "--sandbox-port",
      "0",
    ],
    {
      cwd: ROOT,
      env: environment,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return {
    child,
    output: () => output,
    closed,
    listening: async () => {
      await expect
        .poll(() => /Host listening on (\S+)/.exec(output)?.[1], { timeout: 60_000, interval: 100 })
        .toBeDefined();
      return /Host listening on (\S+)/.exec(output)?.[1] ?? "";
    },
    signal: (signal) => process.kill(-(child.pid ?? 0), signal),
  };
}

function killLeftovers(started: NpmStart): void {
  if (started.child.exitCode === null && started.child.signalCode === null) started.signal("SIGKILL");
}

async function submitEscalation(url: string): Promise<string> {
  const submitted = await fetch(`${url}/api/escalations`, {
    method: "POST",
    headers: { "content-type": "application/json", ...KEY },
    body: JSON.stringify(buildEscalationRequest()),
  });
  expect(submitted.status).toBe(202);
  return Accepted.parse(await submitted.json()).id;
}

async function escalationStatus(url: string, id: string): Promise<number> {
  return (await fetch(`${url}/api/escalations/${id}`, { headers: KEY })).status;
}

describe("npm start", () => {
  it("when started on a fresh checkout's settings, then /api/health is 200, an escalation reaches the sandbox and the metrics, and Ctrl-C stops everything", async () => {
    const started = launchNpmStart(["--in-memory"]);
    try {
      const url = await started.listening();
      const output = started.output();
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
      const submitted = await fetch(`${url}/api/escalations`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-functions-key": "local-dev-key" },
        body: JSON.stringify(buildEscalationRequest()),
      });
      expect(submitted.status).toBe(202);
      const { id } = (await submitted.json()) as { id: string };
      const status = async () =>
        (
          (await (
            await fetch(`${url}/api/escalations/${id}`, { headers: { "x-functions-key": "local-dev-key" } })
          ).json()) as { status: string }
        ).status;
      await expect.poll(status, { timeout: 15_000, interval: 100 }).toBe("forwarded");
      const requests = (await (await fetch(`${sandboxUrl}/_sandbox/requests`)).json()) as { totalCount: number };
      expect(requests.totalCount).toBe(1);

      // The metrics timer, run now through the admin API, stores the reports the API and the dashboard show.
      const ran = await fetch(`${url}/admin/functions/metrics-report`, {
        method: "POST",
        headers: { "x-functions-key": "local-master-key", "content-type": "application/json" },
        body: "{}",
      });
      expect(ran.status).toBe(202);
      // A report computed on demand is made anew each time; a stored one answers the same twice.
      const generatedAt = async () =>
        (await fetch(`${url}/api/metrics?window=30d`, { headers: { "x-functions-key": "local-dev-key" } })).headers.get(
          "x-report-generated-at",
        );
      await expect
        .poll(async () => (await generatedAt()) === (await generatedAt()), { timeout: 15_000, interval: 200 })
        .toBe(true);
      const metrics = (await (
        await fetch(`${url}/api/metrics?window=1h`, { headers: { "x-functions-key": "local-dev-key" } })
      ).json()) as { volumes: { byStatus: { forwarded: number } } };
      expect(metrics.volumes.byStatus.forwarded).toBe(1);
      const dashboard = await fetch(`${url}/api/dashboard?code=local-dev-key`);
      expect(dashboard.status).toBe(200);
      expect(await dashboard.text()).toContain("Escalations to 21Vianet");

      started.signal("SIGINT");
      await started.closed;
      const finalOutput = started.output();
      // The host hears Ctrl-C itself and the launcher's SIGTERM as well; whichever came first.
      expect(finalOutput).toMatch(/\[host\] SIG(INT|TERM): stopping/);
      expect(finalOutput).toContain("Host stopped");
      expect(finalOutput).toContain("[start] stopped");
      expect(await portAnswers(storagePort)).toBe(false);
      expect(await portAnswers(serviceBusPort)).toBe(false);
      expect(await portAnswers(sandboxPort)).toBe(false);
      await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    } finally {
      killLeftovers(started);
    }
  }, 90_000);

  it("when the Functions host is killed, then it is started again on the same URL with the reason logged, while the emulators and their data stay up", async () => {
    const started = launchNpmStart(["--in-memory"]);
    try {
      const url = await started.listening();
      const serviceBusPort = Number(/Service Bus emulator on 127\.0\.0\.1:(\d+)/.exec(started.output())?.[1]);
      const hostPid = Number(/Functions host started \(pid (\d+)\)/.exec(started.output())?.[1]);
      // Kept by the in-memory Azurite only as long as that Azurite keeps running.
      const id = await submitEscalation(url);
      const serviceBusChecks: boolean[] = [];
      const hostBack = new AbortController();
      const watchServiceBus = (async () => {
        while (!hostBack.signal.aborted) serviceBusChecks.push(await portAnswers(serviceBusPort));
      })();

      process.kill(hostPid, "SIGKILL");
      await expect
        .poll(() => started.output(), { timeout: 15_000, interval: 100 })
        .toMatch(
          new RegExp(
            `the Functions host \\(pid ${hostPid}\\) was killed by SIGKILL after \\d+ (m?s) up; starting it again in 1 s \\(crash 1 in a row`,
          ),
        );
      await expect
        .poll(async () => (await fetch(`${url}/api/health`).catch(() => undefined))?.status, {
          timeout: 30_000,
          interval: 200,
        })
        .toBe(200);
      hostBack.abort();
      await watchServiceBus;

      expect(serviceBusChecks.length).toBeGreaterThan(0);
      expect(serviceBusChecks.every(Boolean)).toBe(true);
      expect(started.output().match(/Functions host started \(pid \d+\)/g)).toHaveLength(2);
      expect(await escalationStatus(url, id)).toBe(200);

      started.signal("SIGTERM");
      await started.closed;
      expect(started.output()).toContain("[start] stopped");
      // Stopping is not a crash: no third host.
      expect(started.output().match(/starting it again/g)).toHaveLength(1);
      await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    } finally {
      killLeftovers(started);
    }
  }, 90_000);

  it("when stopped with SIGTERM right after escalations were accepted, then a new start on the same data folder has every one of them", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "npm-start-data-"));
    const first = launchNpmStart(["--data-dir", dataDir]);
    try {
      const firstUrl = await first.listening();
      const ids: string[] = [];
      for (let count = 0; count < 20; count += 1) ids.push(await submitEscalation(firstUrl));
      first.signal("SIGTERM");
      await first.closed;
      expect(first.output()).toContain("[start] stopped");

      const second = launchNpmStart(["--data-dir", dataDir]);
      try {
        const secondUrl = await second.listening();
        const statuses = await Promise.all(ids.map((id) => escalationStatus(secondUrl, id)));
        expect(statuses).toEqual(ids.map(() => 200));
        second.signal("SIGTERM");
        await second.closed;
      } finally {
        killLeftovers(second);
      }
    } finally {
      killLeftovers(first);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
