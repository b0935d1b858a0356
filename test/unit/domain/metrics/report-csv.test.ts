// The report as CSV: one figure a row, every path spelled out, RFC 4180 quoting.
import { describe, expect, it } from "vitest";
import { reportToCsv } from "../../../../shared/domain/metrics/report-csv.js";

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
