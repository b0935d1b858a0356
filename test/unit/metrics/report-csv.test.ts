// The report as CSV: one figure a row, every path spelled out, RFC 4180 quoting.
import { describe, expect, it } from "vitest";
import { reportToCsv } from "../../../shared/metrics/report-csv.js";

describe("reportToCsv", () => {
  it("when a report has nested figures, lists and nulls, then each is one metric,value row", () => {
    const csv = reportToCsv({ volumes: { submitted: 2, byService: { office365: 2 } }, timeToForward: { p50Ms: null }, breaches: [{ id: "esc-1", waitedMs: 90 }] });
    expect(csv.split("\r\n")).toEqual(["metric,value", "volumes.submitted,2", "volumes.byService.office365,2", "timeToForward.p50Ms,", "breaches.0.id,esc-1", "breaches.0.waitedMs,90", ""]);
  });

  it("when a key or value holds a comma, quote or line break, then it is quoted and quotes doubled", () => {
    const csv = reportToCsv({ topCustomers: [{ name: 'Contoso, "China"\nLtd' }], "a,b": 1 });
    expect(csv).toBe('metric,value\r\ntopCustomers.0.name,"Contoso, ""China""\nLtd"\r\n"a,b",1\r\n');
  });
});
