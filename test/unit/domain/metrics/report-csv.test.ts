// The report as CSV: one figure a row, every path spelled out, RFC 4180 quoting.
import { describe, expect, it } from "vitest";
import { reportToCsv } from "../../../../shared/domain/metrics/report-csv.js";
import { DEFAULT_TARGETS, buildReport } from "../../../../shared/domain/metrics/report.js";

describe("reportToCsv", () => {
  it("when a report has nested figures, lists and nulls, then each is one metric,value row", () => {
    const csv = reportToCsv({
      volumes: { submitted: 2, byService: { office365: 2 } },
      timeToForward: { p50Ms: null },
      breaches: [{ id: "esc-1", waitedMs: 90 }],
    });
    expect(csv.split("\r\n")).toEqual([
      "metric,value",
      "volumes.submitted,2",
      "volumes.byService.office365,2",
      "timeToForward.p50Ms,",
      "breaches.0.id,esc-1",
      "breaches.0.waitedMs,90",
      "",
    ]);
  });

  it("when a key or value holds a comma, quote or line break, then it is quoted and quotes doubled", () => {
    const csv = reportToCsv({ topCustomers: [{ name: 'Contoso, "China"\nLtd' }], "a,b": 1 });
    expect(csv).toBe('metric,value\r\ntopCustomers.0.name,"Contoso, ""China""\nLtd"\r\n"a,b",1\r\n');
  });
});

describe("reportToCsv: 21Vianet's response", () => {
  it("when a report measured 21Vianet's answers, then response and close times, targets and still-waiting breaches are rows", () => {
    const from = new Date("2026-11-26T00:00:00.000Z");
    const at = (minutes: number) => new Date(from.getTime() + minutes * 60_000).toISOString();
    const forwarded = { tenantId: "t-a", customerName: "Contoso", service: "office365", submittedAt: at(-60) };
    const report = buildReport({
      from,
      to: new Date(from.getTime() + 12 * 60 * 60_000),
      escalations: [
        {
          ...forwarded,
          id: "esc-answered",
          severity: "critical",
          status: "closed",
          forwardedAt: at(0),
          vianetRespondedAt: at(30),
          closedAt: at(90),
        },
        { ...forwarded, id: "esc-waiting", severity: "moderate", status: "forwarded", forwardedAt: at(0) },
      ],
      gateDecisions: [],
      deadLetters: [],
      targets: DEFAULT_TARGETS,
      topCustomers: 3,
    });
    const rows = reportToCsv(report).split("\r\n");
    expect(rows).toEqual(
      expect.arrayContaining([
        "timeToVianetResponse.bySeverity.critical.p50Ms,1800000",
        "timeToVianetResponse.bySeverity.moderate.count,0",
        "timeToClose.bySeverity.critical.maxMs,5400000",
        "targets.vianetResponse.bySeverity.critical.targetMs,7200000",
        "targets.vianetResponse.bySeverity.critical.met,1",
        "targets.vianetResponse.bySeverity.moderate.stillWaiting,1",
        "targets.vianetResponse.breaches.0.id,esc-waiting",
        "targets.vianetResponse.breaches.0.waitedMs,43200000",
        "targets.vianetResponse.breaches.0.state,still-waiting",
      ]),
    );
  });
});

describe("reportToCsv: formula cells (CSV injection)", () => {
  it.each([
    ['=HYPERLINK("http://example.com")', `topCustomers.0.name,"'=HYPERLINK(""http://example.com"")"`],
    ["+1+2", "topCustomers.0.name,'+1+2"],
    ["-2+3", "topCustomers.0.name,'-2+3"],
    ["@SUM(A1:A2)", "topCustomers.0.name,'@SUM(A1:A2)"],
    ["\tcmd", "topCustomers.0.name,'\tcmd"],
    ["\rcmd", `topCustomers.0.name,"'\rcmd"`],
  ])("when a text value starts a formula (%j), then it is written as text behind a single quote", (name, row) => {
    const csv = reportToCsv({ topCustomers: [{ name }] });

    expect(csv).toBe(`metric,value\r\n${row}\r\n`);
  });

  it("when a formula text holds a comma, then it is neutralised first and then quoted", () => {
    expect(reportToCsv({ reason: "=1,2" })).toBe('metric,value\r\nreason,"\'=1,2"\r\n');
  });

  it("when a figure is a negative number or a boolean, then it stays as it is", () => {
    expect(reportToCsv({ delta: -5, ratio: -0.25, ok: false })).toBe(
      "metric,value\r\ndelta,-5\r\nratio,-0.25\r\nok,false\r\n",
    );
  });

  it("when a text value only looks like a negative number, then it is text and neutralised", () => {
    expect(reportToCsv({ code: "-5" })).toBe("metric,value\r\ncode,'-5\r\n");
  });

  it("when a key from the data starts a formula, then the metric path is neutralised as well", () => {
    expect(reportToCsv({ "=cmd": 1 })).toBe("metric,value\r\n'=cmd,1\r\n");
  });

  it("when text merely contains = or @ after its start, then it is unchanged", () => {
    expect(reportToCsv({ name: "Contoso a=b @home" })).toBe("metric,value\r\nname,Contoso a=b @home\r\n");
  });
});
