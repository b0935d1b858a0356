// The dashboard end to end: real escalations through the local host, Azurite, the Service Bus
// emulator and the Partner Center sandbox, the metrics timer run through the admin API, then the
// page opened in a real headless Chromium on a laptop and a phone. Screenshots go to test-output/.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TableReportStore } from "../../../shared/adapters/table-storage/table-report-store.js";
import { TableEscalationStore } from "../../../shared/adapters/table-storage/table-escalation-store.js";
import { recordVianetUpdate, type VianetStatus } from "../../../shared/domain/escalations/vianet-updates.js";
import type { DashboardChartData } from "../../../shared/http/dashboard/browser/dashboard-data.js";
import { renderDashboardPage } from "../../../shared/http/dashboard/render-dashboard.js";
import { DASHBOARD_CSP } from "../../../shared/handlers/dashboard-handler.js";
import { DEFAULT_TARGETS, buildReport, type MetricsReport } from "../../../shared/domain/metrics/report.js";
import { appSettingsFor, start as startSandbox, type RunningSandbox } from "../../../local/vianet-sandbox/index.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { createClient, emulatorConnectionString, purge } from "../local/service-bus/helpers.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const OUTPUT = fileURLToPath(new URL("../../../test-output/", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const QUEUE = "app-dashboard";
const REPORTING_KEY = "reporting-key";
const DESK_KEY = "contoso-desk-key";
const TENANT = buildEscalationRequest().customer.tenantId;
const OTHER_TENANT = "3a7c9e1f-2b4d-4c6e-8f0a-1b2c3d4e5f60";
/** A customer name that would break the page if it were not escaped. */
const TRICKY_NAME = `Fabrikam <b id="injected">Beijing</b> & "Partners" 'CN'`;
const FINAL = new Set(["forwarded", "awaiting_portal", "rejected", "failed"]);
const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const tableName = `dash${randomUUID().replaceAll("-", "").slice(0, 10)}`;

/** Waits until `check` holds (expect.poll works only inside a test; this runs in beforeAll). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type MetricsJson = MetricsReport & { generatedAt: string; window: { name: string } };

/** The browser globals the functions given to page.evaluate use (this file is type-checked with Node's types). */
interface BrowserWindow {
  document: {
    documentElement: { scrollWidth: number };
    getElementById(id: string): unknown;
    querySelectorAll(selector: string): Iterable<{ getAttribute(name: string): string | null }>;
    addEventListener(
      type: "securitypolicyviolation",
      listener: (event: { violatedDirective: string; blockedURI: string }) => void,
    ): void;
  };
  getComputedStyle(element: unknown): { gridTemplateColumns: string };
  Chart: {
    getChart(canvas: unknown):
      | {
          data: { labels?: unknown[]; datasets: { label?: string; data: unknown[] }[] };
          scales: Record<string, { ticks: { label?: unknown }[] } | undefined>;
        }
      | undefined;
  };
  cspViolations: string[];
}
declare const window: BrowserWindow;

interface PageVisit {
  consoleErrors: string[];
  cspViolations: string[];
  foreignRequests: string[];
}

describe("GET /api/dashboard in a headless browser", () => {
  const serviceBus = createClient();
  let sandbox: RunningSandbox | undefined;
  let host: HostProcess;
  let browser: Browser | undefined;
  let metrics: MetricsJson;

  const submit = async (overrides: Parameters<typeof buildEscalationRequest>[0] = {}): Promise<Response> =>
    fetch(`${host.url}/api/escalations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-functions-key": REPORTING_KEY },
      body: JSON.stringify(buildEscalationRequest(overrides)),
    });
  const settled = async (response: Response) => {
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    await until(`escalation ${id} to settle`, async () =>
      FINAL.has(
        (
          (await (
            await fetch(`${host.url}/api/escalations/${id}`, { headers: { "x-functions-key": REPORTING_KEY } })
          ).json()) as { status: string }
        ).status,
      ),
    );
    return id;
  };
  const runMetricsTimer = async () => {
    const ran = await fetch(`${host.url}/admin/functions/metrics-report`, {
      method: "POST",
      headers: { "x-functions-key": "local-master-key", "content-type": "application/json" },
      body: "{}",
    });
    expect(ran.status).toBe(202);
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    mkdirSync(OUTPUT, { recursive: true });
    await purge(serviceBus, QUEUE);
    sandbox = await startSandbox({ port: 0 });
    [host, browser] = await Promise.all([
      startHostProcess(
        {
          EscalationsStorage: inject("tableConnectionString"),
          ServiceBusConnection: emulatorConnectionString(),
          ESCALATIONS_QUEUE_NAME: QUEUE,
          METRICS_DELIVERY_QUEUE_NAME: "app-report-deliveries-idle",
          ESCALATIONS_TABLE_NAME: tableName,
          ...appSettingsFor(sandbox),
          LOCAL_FUNCTIONS_KEY: `${REPORTING_KEY},${DESK_KEY}`,
          ESCALATION_CALLERS: JSON.stringify([
            { id: "reporting", keySha256: sha(REPORTING_KEY), tenants: "all" },
            { id: "contoso-desk", keySha256: sha(DESK_KEY), tenants: [TENANT] },
          ]),
          // Intune goes to the portal and waits there: the open backlog, and with a one-second
          // target for minimal escalations, a breach.
          ESCALATION_ROUTING: JSON.stringify([
            { services: ["intune"], channel: "portal" },
            { channel: "partner-center" },
          ]),
          METRICS_FORWARD_TARGETS: JSON.stringify({ minimal: "PT1S" }),
          // A moderate escalation 21Vianet does not answer waits past a one-second target.
          METRICS_VIANET_RESPONSE_TARGETS: JSON.stringify({ moderate: "PT1S" }),
          "AzureWebJobs.dispatch-sweep.Disabled": "true",
        },
        APP_ROOT,
      ),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      }),
    ]);

    // Forwarded by the sandbox: three critical, two moderate; one refused by 21Vianet; one
    // waiting in the portal; two refused by the gate.
    const [critical0, critical1, , moderate0] = await Promise.all([
      ...[0, 1, 2].map((i) =>
        submit({ severity: "critical", service: "office365", title: `Mail flow stopped ${String(i)}` }).then(settled),
      ),
      ...[0, 1].map((i) =>
        submit({
          severity: "moderate",
          service: "azure",
          title: `VM cannot start ${String(i)}`,
          customer: { tenantId: OTHER_TENANT, name: TRICKY_NAME, domain: "fabrikam.partner.onmschina.cn" },
        }).then(settled),
      ),
      submit({ severity: "minimal", service: "intune", title: "Enrolment fails" }).then(settled),
    ]);
    sandbox.faults.add({ operation: "create", kind: "unsupported-900127" });
    await settled(await submit({ severity: "moderate", service: "teams", title: "Teams meetings drop" }));
    expect(
      (
        await submit({
          firstLineSupport: {
            serviceHealthChecked: false,
            adminCenterAttempted: true,
            stepsTaken: ["Restarted the client"],
          },
        })
      ).status,
    ).toBe(422);
    expect((await submit({ category: "password-reset" })).status).toBe(422);

    // 21Vianet's side, as status sync or a recorded update writes it, timed from each forwarding:
    // a note on one critical, attention needed then closed on another, a note on one moderate
    // within its one-second target; the other moderate is never answered, the third critical
    // waits within its 2 h.
    const table = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
      allowInsecureConnection: true,
    });
    const escalations = new TableEscalationStore(table);
    const answer = async (
      id: string | undefined,
      afterMs: number,
      change: { status?: VianetStatus; note?: string },
    ) => {
      const stored = await escalations.get(id ?? "");
      if (stored === undefined) throw new Error(`no escalation ${String(id)}`);
      const forwardedAt = stored.value.history.find((entry) => entry.to === "forwarded")?.at ?? "";
      const at = new Date(Date.parse(forwardedAt) + afterMs);
      const result = recordVianetUpdate(
        stored.value,
        {
          ...(change.status === undefined ? {} : { status: change.status }),
          ...(change.note === undefined ? {} : { note: { text: change.note } }),
          at,
          source: "email",
          reportedBy: "reporting",
        },
        new Date(),
      );
      if (!result.ok) throw new Error(result.error);
      const saved = await escalations.replace(result.escalation, stored.etag);
      if (!saved.ok) throw new Error(saved.error);
    };
    await answer(critical0, 400, { note: "We are checking the mail flow" });
    await answer(critical1, 800, { status: "attention_needed", note: "Which mailboxes?" });
    await answer(critical1, 900, { status: "closed" });
    await answer(moderate0, 700, { note: "Looking into the VM" });

    // Twice: the second run's hourly report overlaps the first, and must not double the chart.
    const reports = new TableReportStore(table);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the minimal forward and moderate response targets
    await runMetricsTimer();
    await until("the first metrics run", async () => (await reports.recent("30d", 1)).length === 1);
    await runMetricsTimer();
    await until("the second metrics run", async () => (await reports.recent("30d", 2)).length === 2);

    const response = await fetch(`${host.url}/api/metrics?window=24h`, {
      headers: { "x-functions-key": REPORTING_KEY },
    });
    metrics = (await response.json()) as MetricsJson;
  });
  afterAll(async () => {
    await browser?.close();
    // Undefined when beforeAll failed before the host started.
    await (host as HostProcess | undefined)?.stop();
    await sandbox?.close();
    await serviceBus.close();
  });

  async function open(
    viewport: { width: number; height: number },
    path: string,
    isMobile = false,
  ): Promise<{ page: Page; visit: PageVisit }> {
    if (browser === undefined) throw new Error("no browser");
    const context = await browser.newContext({
      viewport,
      isMobile,
      hasTouch: isMobile,
      deviceScaleFactor: isMobile ? 2 : 1,
    });
    const page = await context.newPage();
    const visit: PageVisit = { consoleErrors: [], cspViolations: [], foreignRequests: [] };
    // Nothing may leave the machine: anything not for 127.0.0.1 is recorded and refused.
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      visit.foreignRequests.push(url.href);
      return route.abort();
    });
    page.on("console", (message) => {
      if (message.type() === "error") visit.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => visit.consoleErrors.push(error.message));
    await page.addInitScript(() => {
      const violations: string[] = [];
      window.cspViolations = violations;
      window.document.addEventListener("securitypolicyviolation", (event) =>
        violations.push(`${event.violatedDirective} ${event.blockedURI}`),
      );
    });
    const response = await page.goto(`${host.url}${path}`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector("html[data-charts=ready]", { timeout: 10_000 });
    visit.cspViolations = await page.evaluate(() => window.cspViolations);
    return { page, visit };
  }

  const chartOf = (page: Page, id: string) =>
    page.evaluate((canvasId) => {
      const chart = window.Chart.getChart(window.document.getElementById(canvasId));
      return chart === undefined
        ? undefined
        : {
            labels: chart.data.labels ?? [],
            datasets: chart.data.datasets.map((dataset) => ({ label: dataset.label ?? "", data: dataset.data })),
          };
    }, id);

  it("when opened on a laptop, then the tiles match /api/metrics, each chart holds the report's data, and nothing but 127.0.0.1 is contacted", async () => {
    const started = Date.now();
    const { page, visit } = await open({ width: 1280, height: 800 }, `/api/dashboard?window=24h&code=${REPORTING_KEY}`);

    const tiles: Record<string, string | null> = Object.fromEntries(
      await page.evaluate(() =>
        [...window.document.querySelectorAll("[data-tile]")].map(
          (element) => [element.getAttribute("data-tile") ?? "", element.getAttribute("data-value")] as const,
        ),
      ),
    );
    expect(tiles).toEqual({
      submitted: String(metrics.volumes.submitted),
      forwarded: String(metrics.timeToForward.all.count),
      p95: String(metrics.timeToForward.all.p95Ms),
      breaches: String(metrics.targets.forward.breaches.length),
      backlog: String(metrics.backlog.open),
      gateRejectionRate: String(metrics.quality.gate.rejectionRate),
      failed: String(metrics.volumes.byStatus.failed),
    });
    expect(metrics.volumes.submitted).toBe(7);
    expect(metrics.timeToForward.all.count).toBe(5);
    expect(metrics.quality.gate).toMatchObject({ decisions: 9, rejected: 2 });
    expect(metrics.backlog.open).toBe(1);
    expect(metrics.targets.forward.breaches).toHaveLength(1);

    // Volumes: the two overlapping hourly reports count once.
    const volumes = await chartOf(page, "chart-volumes");
    const series = (label: string) =>
      (volumes?.datasets.find((dataset) => dataset.label === label)?.data ?? []) as (number | null)[];
    expect(volumes?.labels).toHaveLength(24);
    const total = (label: string) => series(label).reduce<number>((sum, value) => sum + (value ?? 0), 0);
    expect([
      total("Submitted"),
      total("Forwarded"),
      total("Refused at the gate"),
      total("Refused by 21Vianet"),
      total("Failed"),
    ]).toEqual([7, 5, 2, 1, 0]);
    expect(series("Submitted").filter((value) => value !== null)).toEqual([7]);

    // Time to forward, in minutes, against the targets.
    const timeToForward = await chartOf(page, "chart-time-to-forward");
    const minutes = (ms: number | null) => (ms === null ? null : Math.round((ms / 60_000) * 1000) / 1000);
    const severities = ["critical", "moderate", "minimal"] as const;
    expect(timeToForward).toEqual({
      labels: ["Critical", "Moderate", "Minimal"],
      datasets: [
        {
          label: "Median (p50)",
          data: severities.map((severity) => minutes(metrics.timeToForward.bySeverity[severity].p50Ms)),
        },
        { label: "p95", data: severities.map((severity) => minutes(metrics.timeToForward.bySeverity[severity].p95Ms)) },
        { label: "Max", data: severities.map((severity) => minutes(metrics.timeToForward.bySeverity[severity].maxMs)) },
        { label: "Target", data: [15, 60, minutes(1000)] },
      ],
    });
    // The axis shows the server's duration labels (the formatter the tiles and tables use).
    const axisLabels = await page.evaluate(() => {
      const chart = window.Chart.getChart(window.document.getElementById("chart-time-to-forward"));
      return chart?.scales.y?.ticks.map((tick) => String(tick.label)) ?? [];
    });
    const embeddedTicks = (JSON.parse((await page.textContent("#dashboard-data")) ?? "") as DashboardChartData)
      .timeToForward.ticks;
    expect(axisLabels.length).toBeGreaterThan(1);
    expect(axisLabels.every((label) => embeddedTicks.some((tick) => tick.label === label))).toBe(true);

    // 21Vianet's response: the first responses against their targets, the times to close, and the
    // moderate escalation nobody answered, still waiting past its one-second target.
    expect(metrics.timeToVianetResponse.bySeverity.critical.count).toBe(2);
    expect(metrics.timeToVianetResponse.bySeverity.moderate.count).toBe(1);
    expect(metrics.timeToClose.bySeverity.critical).toEqual({ count: 1, p50Ms: 900, p95Ms: 900, maxMs: 900 });
    expect(metrics.targets.vianetResponse.breaches).toEqual([
      expect.objectContaining({ severity: "moderate", targetMs: 1000, state: "still-waiting" }),
    ]);
    const vianetResponse = await chartOf(page, "chart-vianet-response");
    expect(vianetResponse).toEqual({
      labels: ["Critical", "Moderate", "Minimal"],
      datasets: [
        {
          label: "Median (p50)",
          data: severities.map((severity) => minutes(metrics.timeToVianetResponse.bySeverity[severity].p50Ms)),
        },
        {
          label: "p95",
          data: severities.map((severity) => minutes(metrics.timeToVianetResponse.bySeverity[severity].p95Ms)),
        },
        {
          label: "Max",
          data: severities.map((severity) => minutes(metrics.timeToVianetResponse.bySeverity[severity].maxMs)),
        },
        { label: "Target", data: [120, minutes(1000), 480] },
      ],
    });
    expect(minutes(metrics.timeToVianetResponse.bySeverity.critical.maxMs)).toBe(minutes(800));
    const panelRows = await page.evaluate(() =>
      [...window.document.querySelectorAll("#vianet-response tr[data-severity]")].map((row) => ({
        severity: row.getAttribute("data-severity"),
        responded: row.getAttribute("data-responded"),
        stillWaiting: row.getAttribute("data-still-waiting"),
        closed: row.getAttribute("data-closed"),
      })),
    );
    expect(panelRows).toEqual([
      ...severities.map((severity) => ({
        severity,
        responded: String(metrics.timeToVianetResponse.bySeverity[severity].count),
        stillWaiting: String(metrics.targets.vianetResponse.bySeverity[severity].stillWaiting),
        closed: null,
      })),
      ...severities.map((severity) => ({
        severity,
        responded: null,
        stillWaiting: null,
        closed: String(metrics.timeToClose.bySeverity[severity].count),
      })),
    ]);
    expect(await page.textContent("#vianet-response .vianet-breaches tbody")).toContain(
      metrics.targets.vianetResponse.breaches[0]?.id,
    );
    expect(await page.isVisible("#chart-vianet-response")).toBe(true);

    // Rejection reasons: the gate's unmet criteria and 21Vianet's code.
    const reasons = await chartOf(page, "chart-reasons");
    expect(reasons).toEqual({
      labels: ["A first-line matter", "Service health not checked", "21Vianet code 900127"],
      datasets: [
        { label: "Unmet criteria (gate)", data: [1, 1, null] },
        { label: "Refused by 21Vianet", data: [null, null, 1] },
        { label: "Dead letters", data: [null, null, null] },
      ],
    });
    const embedded = JSON.parse((await page.textContent("#dashboard-data")) ?? "") as DashboardChartData;
    expect(embedded.reasons.labels).toEqual(reasons?.labels);

    // The breach and the customer with a hostile name, shown as text.
    expect(await page.textContent("#breaches tbody")).toContain(metrics.targets.forward.breaches[0]?.id);
    expect(await page.textContent("#customers")).toContain(TRICKY_NAME);
    expect(await page.$("#injected")).toBeNull();

    expect(visit).toEqual({ consoleErrors: [], cspViolations: [], foreignRequests: [] });
    await page.screenshot({ path: `${OUTPUT}dashboard-laptop.png`, fullPage: true });
    process.stdout.write(
      `dashboard screenshot (laptop, ${String(Date.now() - started)} ms): ${OUTPUT}dashboard-laptop.png\n`,
    );
    await page.context().close();
  });

  it("when opened on a phone, then one column, no horizontal scrolling, and the window links keep the key", async () => {
    const { page, visit } = await open({ width: 390, height: 844 }, `/api/dashboard?code=${REPORTING_KEY}`, true);
    expect(await page.evaluate(() => window.document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const columns = await page.$eval(
      "main",
      (element) => window.getComputedStyle(element).gridTemplateColumns.split(" ").length,
    );
    expect(columns).toBe(1);
    expect(visit).toEqual({ consoleErrors: [], cspViolations: [], foreignRequests: [] });
    await page.screenshot({ path: `${OUTPUT}dashboard-phone.png`, fullPage: true });
    process.stdout.write(`dashboard screenshot (phone): ${OUTPUT}dashboard-phone.png\n`);

    // Following the 7-day link keeps the key and shows daily buckets.
    await page.click("a.window-link:text('7 days')");
    await page.waitForSelector("html[data-charts=ready]");
    expect(new URL(page.url()).searchParams.get("code")).toBe(REPORTING_KEY);
    expect(await page.getAttribute("a[aria-current=page]", "href")).toContain("window=7d");
    expect((await chartOf(page, "chart-volumes"))?.labels).toHaveLength(7);
    expect(await page.evaluate(() => window.document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.context().close();
  });

  it("when the window is empty, then the page says so and the script draws what is there without errors", async () => {
    // The served page's assets, around a page rendered from an empty report under the same policy.
    const served = await (await fetch(`${host.url}/api/dashboard?code=${REPORTING_KEY}`)).text();
    const asset = (name: string) =>
      new RegExp(`"(dashboard/assets/${name.replaceAll(".", "\\.")}\\?v=[^"]+)"`).exec(served)?.[1] ?? "";
    const to = new Date();
    const report = buildReport({
      from: new Date(to.getTime() - 86_400_000),
      to,
      escalations: [],
      gateDecisions: [],
      deadLetters: [],
      targets: DEFAULT_TARGETS,
      topCustomers: 5,
    });
    const html = renderDashboardPage({
      window: "24h",
      generatedAt: to.toISOString(),
      report,
      hourly: [],
      assets: { css: asset("dashboard.css"), chart: asset("chart.umd.min.js"), script: asset("dashboard.js") },
    });
    if (browser === undefined) throw new Error("no browser");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.route(`${host.url}/api/dashboard-empty`, (route) =>
      route.fulfill({
        status: 200,
        headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": DASHBOARD_CSP },
        body: html,
      }),
    );
    await page.goto(`${host.url}/api/dashboard-empty`);
    await page.waitForSelector("html[data-charts=ready]", { timeout: 10_000 });
    expect(await page.textContent("[data-empty=window]")).toBe("No escalations in this window.");
    expect(await chartOf(page, "chart-volumes")).toMatchObject({
      labels: expect.arrayContaining(["00:00"]) as unknown,
    });
    expect(await page.$("#chart-time-to-forward")).toBeNull();
    expect(await page.$("#chart-vianet-response")).toBeNull();
    expect(await page.textContent("[data-empty=vianet-response]")).toContain(
      "No first response or closing from 21Vianet",
    );
    expect(await page.$("#chart-reasons")).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });

  it("when the key is missing, limited to some tenants, or the window unknown, then 401, 403 and 400 problem+json", async () => {
    expect((await fetch(`${host.url}/api/dashboard`)).status).toBe(401);
    const limited = await fetch(`${host.url}/api/dashboard?code=${DESK_KEY}`);
    expect(limited.status).toBe(403);
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    const invalid = await fetch(`${host.url}/api/dashboard?window=2h&code=${REPORTING_KEY}`);
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get("content-type")).toBe("application/problem+json");
    expect(
      ((await invalid.json()) as { "invalid-params": { name: string }[] })["invalid-params"].map((param) => param.name),
    ).toEqual(["window"]);
    const page = await fetch(`${host.url}/api/dashboard?window=1h`, { headers: { "x-functions-key": REPORTING_KEY } });
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    // Sent as a header, the key is not written into the page.
    expect(await page.text()).not.toContain(REPORTING_KEY);
  });

  it("when assets are asked for, then only the allow-listed files are served, with their types and cache headers", async () => {
    const assets = await (await fetch(`${host.url}/api/dashboard?code=${REPORTING_KEY}`)).text();
    const chartUrl = /src="(dashboard\/assets\/chart\.umd\.min\.js\?v=[^"]+)"/.exec(assets)?.[1] ?? "";
    const chart = await fetch(`${host.url}/api/${chartUrl}`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(chart.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await chart.text()).toContain("Chart.js v4");
    const css = await fetch(`${host.url}/api/dashboard/assets/dashboard.css`);
    expect([css.status, css.headers.get("content-type"), css.headers.get("cache-control")]).toEqual([
      200,
      "text/css; charset=utf-8",
      "no-cache",
    ]);
    const etag = css.headers.get("etag") ?? "";
    expect(
      (await fetch(`${host.url}/api/dashboard/assets/dashboard.css`, { headers: { "if-none-match": etag } })).status,
    ).toBe(304);
    const script = await fetch(`${host.url}/api/dashboard/assets/dashboard.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");

    for (const path of [
      "unknown.js",
      "chart.js",
      "DASHBOARD.CSS",
      "__proto__",
      "constructor",
      "toString",
      "..%2F..%2Fpackage.json",
      "%2e%2e%2f%2e%2e%2fhost.json",
      "dashboard.js%00.css",
      "dashboard.js.map",
      ".tsbuildinfo-dashboard-browser",
    ]) {
      const response = await fetch(`${host.url}/api/dashboard/assets/${path}`);
      expect([path, response.status, response.headers.get("content-type")]).toEqual([
        path,
        404,
        expect.stringMatching(/^application\/problem\+json|^text\/plain|^$/) as unknown,
      ]);
    }
    // Raw paths a browser or fetch would normalise first.
    for (const raw of [
      "/api/dashboard/assets/../../host.json",
      "/api/dashboard/assets/..%5C..%5Cpackage.json",
      "/api/dashboard/assets/%252e%252e%252fpackage.json",
    ]) {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const url = new URL(host.url);
        httpRequest({ host: url.hostname, port: url.port, path: raw, method: "GET" }, (response) => {
          response.resume();
          resolve(response.statusCode);
        })
          .on("error", reject)
          .end();
      });
      expect([raw, status]).toEqual([raw, 404]);
    }
  });
});
