// The dashboard page's HTML: every value from a report or a request escaped, the chart data in a
// data block no value can break out of, and a quiet window rendered as such, not as errors.
import { describe, expect, it } from "vitest";
import type { DashboardChartData } from "../../../../shared/http/dashboard/browser/dashboard-data.js";
import {
  escapeHtml,
  jsonForScript,
  renderDashboardPage,
  type DashboardPageInput,
} from "../../../../shared/http/dashboard/render-dashboard.js";
import { formatDuration } from "../../../../shared/domain/metrics/format-duration.js";
import type { HourlyFigures } from "../../../../shared/domain/metrics/headline-figures.js";
import { DEFAULT_TARGETS, buildReport, type EscalationFact } from "../../../../shared/domain/metrics/report.js";

const FROM = new Date("2026-11-25T12:00:00.000Z");
const TO = new Date("2026-11-26T12:00:00.000Z");
const MIN = 60_000;
const at = (minutesAfterFrom: number) => new Date(FROM.getTime() + minutesAfterFrom * MIN).toISOString();
const HOSTILE = `</script><script>alert("x")</script> & 'quotes' <!-- \u2028`;
const ASSETS = {
  css: "dashboard/assets/dashboard.css?v=c",
  chart: "dashboard/assets/chart.umd.min.js?v=a",
  script: "dashboard/assets/dashboard.js?v=s",
};

function fact(overrides: Partial<EscalationFact>): EscalationFact {
  return {
    id: "esc-1",
    tenantId: "t-a",
    customerName: "Contoso",
    service: "office365",
    severity: "moderate",
    status: "forwarded",
    channel: "partner-center",
    submittedAt: at(10),
    forwardedAt: at(12),
    ...overrides,
  };
}

function page(overrides: Partial<DashboardPageInput> = {}, escalations: EscalationFact[] = []): string {
  const report = buildReport({
    from: FROM,
    to: TO,
    escalations,
    gateDecisions: [{ at: at(30), met: false, unmet: ["service-health-checked"] }],
    deadLetters: [{ at: at(40), reason: HOSTILE }],
    targets: DEFAULT_TARGETS,
    topCustomers: 5,
  });
  return renderDashboardPage({
    window: "24h",
    generatedAt: TO.toISOString(),
    report,
    hourly: [],
    assets: ASSETS,
    ...overrides,
  });
}

function embedded(html: string): DashboardChartData {
  const match = /<script type="application\/json" id="dashboard-data">([^<]*)<\/script>/.exec(html);
  if (match?.[1] === undefined) throw new Error("no data block");
  return JSON.parse(match[1]) as DashboardChartData;
}

describe("escapeHtml and jsonForScript", () => {
  it("when text has markup characters, then none survives as markup", () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      "&#60;a href=&#34;x&#34;&#62;Tom &#38; Jerry&#39;s&#60;/a&#62;",
    );
  });

  it("when JSON holds </script>, <!-- or line separators, then the text has no < > & and parses back to the same value", () => {
    const value = { name: HOSTILE, nested: [`<\u2029>`] };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe("renderDashboardPage", () => {
  it("when customer names, ids and reasons contain <, & and quotes, then the page shows them as text and no element or script is injected", () => {
    const html = page({}, [
      fact({
        id: `esc-<img src=x onerror=alert(1)>`,
        tenantId: `t-"><b>`,
        customerName: HOSTILE,
        status: "queued",
        forwardedAt: undefined,
        severity: "critical",
        submittedAt: at(0),
      }),
      fact({ id: "esc-2", customerName: `Fabrikam & "Partners"` }),
    ]);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain(`alert("x")`);
    // The only script elements are the two assets and the data block.
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html).toContain("Fabrikam &#38; &#34;Partners&#34;");
    expect(html).toContain("esc-&#60;img src=x onerror=alert(1)&#62;");
    expect(html).toContain(`title="t-&#34;&#62;&#60;b&#62;"`);
    expect(embedded(html).reasons.labels).toContain(HOSTILE);
  });

  it("when the key came in ?code=, then each window link keeps it, encoded and escaped; without it, no code appears", () => {
    const html = page({ code: `k&ey"<` });
    for (const window of ["1h", "24h", "7d", "30d"])
      expect(html).toContain(`href="?window=${window}&#38;code=k%26ey%22%3C"`);
    expect(html).toContain(`aria-current="page" href="?window=24h`);
    expect(page()).not.toContain("code=");
  });

  it("when the page is rendered, then it has no inline script or style and loads only its assets", () => {
    const html = page();
    expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    expect(html).toContain(`<link rel="stylesheet" href="dashboard/assets/dashboard.css?v=c">`);
    expect(html).toContain(`<script defer src="dashboard/assets/chart.umd.min.js?v=a"></script>`);
    expect(html).toContain(`<script type="module" src="dashboard/assets/dashboard.js?v=s"></script>`);
  });

  it("when the window is empty, then it says so, every tile reads zero or a dash, and the charts get zeros and gaps", () => {
    const report = buildReport({
      from: FROM,
      to: TO,
      escalations: [],
      gateDecisions: [],
      deadLetters: [],
      targets: DEFAULT_TARGETS,
      topCustomers: 5,
    });
    const html = renderDashboardPage({
      window: "7d",
      generatedAt: TO.toISOString(),
      report,
      hourly: [],
      assets: ASSETS,
    });
    expect(html).toContain("No escalations in this window.");
    expect(html).toContain("No escalations forwarded in this window.");
    expect(html).toContain("No rejections, refusals or dead letters in this window.");
    expect(html).toContain("No breaches");
    expect(html).toContain("No hourly reports are stored for this range yet");
    expect(html.replace(/<script type="application\/json"[^]*?<\/script>/, "")).not.toMatch(
      /NaN|undefined|null|Infinity/,
    );
    expect(html).toContain(
      "No first response or closing from 21Vianet in this window, and nothing waiting past its target.",
    );
    expect(html).not.toContain(`id="chart-time-to-forward"`);
    expect(html).not.toContain(`id="chart-vianet-response"`);
    expect(html).not.toContain(`id="chart-reasons"`);
    const data = embedded(html);
    expect(data.volumes.labels).toHaveLength(7);
    expect(data.volumes.series.every((series) => series.values.every((value) => value === null))).toBe(true);
    expect(data.timeToForward).toMatchObject({
      p50: [null, null, null],
      target: [15, 60, 240],
      labels: { p50: [null, null, null], target: ["15 min", "1 h", "4 h"] },
    });
    expect(data.vianetResponse).toMatchObject({
      countLabel: "answered",
      p50: [null, null, null],
      target: [120, 240, 480],
      labels: { p50: [null, null, null], target: ["2 h", "4 h", "8 h"] },
    });
    expect(data.reasons).toEqual({
      labels: [],
      groups: [
        expect.objectContaining({ key: "gate", values: [] }),
        expect.objectContaining({ key: "vianet", values: [] }),
        expect.objectContaining({ key: "deadLetter", values: [] }),
      ],
    });
  });

  it("when escalations were forwarded, then the time chart's durations and axis are labelled by the report's one duration formatter", () => {
    const html = page({}, [
      fact({ id: "e1", severity: "critical", submittedAt: at(10), forwardedAt: at(10 + 500 / MIN) }),
      fact({ id: "e2", severity: "moderate", submittedAt: at(10), forwardedAt: at(10 + 95) }),
    ]);
    const chart = embedded(html).timeToForward;
    expect(chart.labels.p50).toEqual([formatDuration(500), formatDuration(95 * MIN), null]);
    expect(chart.labels.p50).toEqual(["0.5 s", "1 h 35 min", null]);
    expect(chart.ticks.map((tick) => tick.label)).toEqual([
      "0.1 s",
      "1 s",
      "10 s",
      "1 min",
      "15 min",
      "1 h",
      "4 h",
      "24 h",
      "7 d",
    ]);
    expect(chart.ticks.map((tick) => tick.value)).toEqual([0.1 / 60, 1 / 60, 10 / 60, 1, 15, 60, 240, 1440, 10080]);
  });

  it("when there are more breaches than the list shows, then it names the longest waits and counts the rest", () => {
    const late = Array.from({ length: 25 }, (_, index) =>
      fact({
        id: `esc-late-${String(index).padStart(2, "0")}`,
        severity: "critical",
        submittedAt: at(0),
        forwardedAt: at(20 + index),
      }),
    );
    const html = page({ breachLimit: 20 }, late);
    const forwardBreaches = /<section class="panel" id="breaches">.*?<\/section>/s.exec(html)?.[0] ?? "";
    expect(html).toContain(`data-tile="breaches" data-value="25"`);
    expect(forwardBreaches.match(/<code>esc-late-/g)).toHaveLength(20);
    expect(forwardBreaches).toContain("esc-late-24");
    expect(forwardBreaches).not.toContain("esc-late-04<");
    expect(forwardBreaches).toContain(`<p class="more" data-more="5">and 5 more</p>`);
  });

  it("when hourly reports are given, then the volumes chart draws each at the hour its window ends", () => {
    const hour = (endsAt: string, submitted: number): HourlyFigures => ({
      from: new Date(Date.parse(endsAt) - 60 * MIN).toISOString(),
      to: endsAt,
      submitted,
      forwarded: submitted,
      gateRejected: 0,
      vianetRejected: 0,
      failed: 0,
      deadLettered: 0,
      breached: 0,
    });
    const html = page({ hourly: [hour("2026-11-26T12:00:00.000Z", 4), hour("2026-11-26T10:00:00.000Z", 2)] });
    const volumes = embedded(html).volumes;
    expect(volumes.labels.slice(-3)).toEqual(["10:00", "11:00", "12:00"]);
    expect(volumes.spans.slice(-3)).toEqual(["09:00-10:00 UTC", "10:00-11:00 UTC", "11:00-12:00 UTC"]);
    expect(volumes.series.find((series) => series.key === "submitted")?.values.slice(-3)).toEqual([2, null, 4]);
    expect(html).toContain("From 2 hourly reports");
  });

  it("when 21Vianet answered, closed, and left some waiting past target, then its panel charts the first responses and lists times to close and the waits", () => {
    const html = page({}, [
      fact({
        id: "esc-quick",
        severity: "critical",
        forwardedAt: at(12),
        vianetRespondedAt: at(12 + 30),
        status: "attention_needed",
      }),
      fact({
        id: "esc-slow",
        severity: "critical",
        forwardedAt: at(12),
        vianetRespondedAt: at(12 + 150),
        closedAt: at(12 + 600),
        status: "closed",
      }),
      fact({ id: "esc-waiting", severity: "moderate", forwardedAt: at(12) }),
      fact({ id: "esc-recent", severity: "minimal", forwardedAt: at(24 * 60 - 60) }),
    ]);
    const panel = /<section class="panel" id="vianet-response">.*?<\/section>/s.exec(html)?.[0] ?? "";
    expect(panel).toContain(`id="chart-vianet-response"`);
    const chart = embedded(html).vianetResponse;
    expect(chart).toMatchObject({
      axisTitle: "First response",
      counts: [2, 0, 0],
      p50: [30, null, null],
      max: [150, null, null],
      target: [120, 240, 480],
      labels: { p50: ["30 min", null, null], max: ["2 h 30 min", null, null], target: ["2 h", "4 h", "8 h"] },
    });
    expect(panel).toContain(`<tr data-severity="critical" data-responded="2" data-still-waiting="0">`);
    expect(panel).toContain(`<tr data-severity="moderate" data-responded="0" data-still-waiting="1">`);
    expect(panel).toContain(`<tr data-severity="critical" data-closed="1">`);
    expect(panel).toContain(`<td class="num">${formatDuration(600 * MIN)}</td>`);
    // Longest first: the moderate one waiting since forwarding, then the critical one answered after 2 h 30 min.
    expect(
      [...panel.matchAll(/<tr data-state="([^"]+)"><td class="id"><code>([^<]+)<\/code>/g)].map((match) => [
        match[2],
        match[1],
      ]),
    ).toEqual([
      ["esc-waiting", "still-waiting"],
      ["esc-slow", "responded-late"],
    ]);
    expect(panel).not.toContain("esc-recent");
  });
});
