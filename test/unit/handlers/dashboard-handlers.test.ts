// GET /api/dashboard and its assets, with fakes: who may see the page, the query it accepts, the
// headers that keep it safe, and that the asset route serves its allow-list and nothing else.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import { serveDashboardAsset } from "../../../shared/http/dashboard/dashboard-assets.js";
import { DASHBOARD_CSP, makeDashboardHandler } from "../../../shared/handlers/dashboard-handler.js";
import { DEFAULT_TARGETS, buildReport } from "../../../shared/domain/metrics/report.js";
import type { ReportWindow } from "../../../shared/domain/metrics/windows.js";
import { sha } from "./callers.js";

const { HttpRequest, InvocationContext } = functions;
const TO = new Date("2026-11-26T12:00:00.000Z");
const callers = [
  { id: "reporting", keySha256: sha("reporting-key"), tenants: "all" as const },
  { id: "contoso-desk", keySha256: sha("contoso-key"), tenants: ["6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"] },
];
const context = () => new InvocationContext({ functionName: "dashboard-get", invocationId: "test" });

function handler(stored = true) {
  const asked: { latest: ReportWindow[]; computed: ReportWindow[]; ranges: [string, string][] } = {
    latest: [],
    computed: [],
    ranges: [],
  };
  const report = (window: ReportWindow) => ({
    generatedAt: TO.toISOString(),
    report: buildReport({
      from: new Date(TO.getTime() - (window === "7d" ? 7 : 1) * 86_400_000),
      to: TO,
      escalations: [],
      gateDecisions: [],
      deadLetters: [],
      targets: DEFAULT_TARGETS,
      topCustomers: 3,
    }),
  });
  const handle = makeDashboardHandler({
    callers,
    latest: (window) => {
      asked.latest.push(window);
      return Promise.resolve(stored ? report(window) : undefined);
    },
    computeNow: (window) => {
      asked.computed.push(window);
      return Promise.resolve(report(window));
    },
    hourlyFigures: (after, upTo) => {
      asked.ranges.push([after.toISOString(), upTo.toISOString()]);
      return Promise.resolve([]);
    },
    assets: () => ({
      css: "dashboard/assets/dashboard.css?v=1",
      chart: "dashboard/assets/chart.umd.min.js?v=2",
      script: "dashboard/assets/dashboard.js?v=3",
    }),
  });
  return {
    asked,
    handle: (query: string, headers: Record<string, string> = {}) =>
      handle(
        new HttpRequest({ url: `http://127.0.0.1:7071/api/dashboard${query}`, method: "GET", headers }),
        context(),
      ),
  };
}

describe("GET /api/dashboard", () => {
  it("when a caller for all tenants opens it with ?code=, then an HTML page with a strict policy, not cached, and links keeping the key", async () => {
    const { handle, asked } = handler();
    const response = await handle("?window=7d&code=reporting-key");
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": DASHBOARD_CSP,
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
    });
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain("unsafe");
    expect(response.body).toContain(`href="?window=30d&#38;code=reporting-key"`);
    expect(asked).toEqual({ latest: ["7d"], computed: [], ranges: [["2026-11-20T00:00:00.000Z", TO.toISOString()]] });
  });

  it("when no report is stored yet, then one is computed now; the default window is 24h", async () => {
    const { handle, asked } = handler(false);
    expect((await handle("", { "x-functions-key": "reporting-key" })).status).toBe(200);
    expect(asked.computed).toEqual(["24h"]);
  });

  it("when the key is unknown, limited to some customers, or the query is wrong, then 401, 403, 400 as problem+json", async () => {
    const { handle, asked } = handler();
    expect((await handle("?code=nobody")).status).toBe(401);
    const limited = await handle("?code=contoso-key");
    expect([limited.status, limited.headers]).toEqual([
      403,
      expect.objectContaining({ "content-type": "application/problem+json" }),
    ]);
    const invalid = await handle("?window=2h&code=reporting-key");
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body as string)).toMatchObject({ "invalid-params": [{ name: "window" }] });
    expect((await handle("?window=24h&extra=1&code=reporting-key")).status).toBe(400);
    expect(asked.latest).toEqual([]);
  });
});

describe("GET /api/dashboard/assets/{file}", () => {
  const get = (file: string, query = "", headers: Record<string, string> = {}) =>
    serveDashboardAsset(
      new HttpRequest({
        url: `http://127.0.0.1:7071/api/dashboard/assets/x${query}`,
        method: "GET",
        params: { file },
        headers,
      }),
    );

  it("when Chart.js or the stylesheet is asked for, then it is served with its type, an ETag, and long caching only for the current hash", async () => {
    const chart = await get("chart.umd.min.js");
    expect(chart.status).toBe(200);
    expect(chart.headers).toMatchObject({
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    });
    expect(Buffer.from(chart.body as Uint8Array).toString("utf8")).toContain("Chart.js v4");
    const etag = String((chart.headers as Record<string, string>).etag);
    const hash = etag.replaceAll('"', "");
    expect((await get("chart.umd.min.js", `?v=${hash}`)).headers).toMatchObject({
      "cache-control": "public, max-age=31536000, immutable",
    });
    expect((await get("chart.umd.min.js", "", { "if-none-match": etag })).status).toBe(304);
    expect((await get("dashboard.css")).headers).toMatchObject({ "content-type": "text/css; charset=utf-8" });
  });

  it("when any other name is asked for, then 404 problem+json, prototype names and path tricks included", async () => {
    for (const file of [
      "",
      "chart.js",
      "Chart.umd.min.js",
      "../package.json",
      "../../host.json",
      "..\\..\\package.json",
      "/etc/passwd",
      "dashboard.css/",
      "dashboard.css\u0000",
      "__proto__",
      "constructor",
      "hasOwnProperty",
      "toString",
    ]) {
      const response = await get(file);
      expect([file, response.status, (response.headers as Record<string, string>)["content-type"]]).toEqual([
        file,
        404,
        "application/problem+json",
      ]);
    }
  });
});
