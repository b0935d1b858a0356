// The volumes chart's buckets: hourly for a day, UTC days for a week or a month, each hourly
// report counted once however often the timer ran.
import { describe, expect, it } from "vitest";
import {
  bucketFigures,
  bucketPlan,
  nonOverlapping,
  seriesRange,
} from "../../../../shared/http/dashboard/volume-series.js";
import type { HourlyFigures } from "../../../../shared/domain/metrics/headline-figures.js";

const HOUR = 60 * 60_000;
const row = (to: string, submitted = 1, lengthMs = HOUR): HourlyFigures => ({
  from: new Date(Date.parse(to) - lengthMs).toISOString(),
  to,
  submitted,
  forwarded: 0,
  gateRejected: 0,
  vianetRejected: 0,
  failed: 0,
  deadLettered: 0,
  breached: 0,
});

describe("bucketPlan", () => {
  it("when the window is 24h or 1h, then 24 hours ending with the hour of the latest hourly report", () => {
    for (const window of ["24h", "1h"] as const) {
      const plan = bucketPlan(window, new Date("2026-11-26T10:00:00.123Z"));
      expect(plan.bucket).toBe("hour");
      expect(plan.starts).toHaveLength(24);
      expect(plan.starts.at(-1)?.toISOString()).toBe("2026-11-26T09:00:00.000Z");
      expect(plan.starts[0]?.toISOString()).toBe("2026-11-25T10:00:00.000Z");
    }
  });

  it("when the window is 7d or 30d, then that many UTC days ending with the day of the latest hourly report", () => {
    const week = bucketPlan("7d", new Date("2026-11-27T00:00:00.500Z"));
    expect(week.starts.map((start) => start.toISOString().slice(0, 10))).toEqual([
      "2026-11-20",
      "2026-11-21",
      "2026-11-22",
      "2026-11-23",
      "2026-11-24",
      "2026-11-25",
      "2026-11-26",
    ]);
    const month = bucketPlan("30d", new Date("2026-11-26T13:30:00Z"));
    expect(month.starts).toHaveLength(30);
    expect(month.starts.at(-1)?.toISOString()).toBe("2026-11-26T00:00:00.000Z");
    expect(seriesRange(month, new Date("2026-11-26T13:30:00Z")).after.toISOString()).toBe("2026-10-28T00:00:00.000Z");
  });
});

describe("bucketPlan: where a bucket is drawn", () => {
  it("when an hourly report covers 09:00-10:00 and was made a moment after 10:00, then it is drawn at 10:00, the hour its window ends", () => {
    const to = new Date("2026-11-26T10:00:00.123Z");
    const plan = bucketPlan("24h", to);
    const { totals } = bucketFigures(plan, [row(to.toISOString(), 5)]);

    const drawnAt = plan.drawnAt[totals.submitted.indexOf(5)];
    expect(drawnAt?.toISOString()).toBe("2026-11-26T10:00:00.000Z");
    expect(plan.drawnAt.at(-1)?.toISOString()).toBe("2026-11-26T10:00:00.000Z");
    expect(plan.drawnAt[0]?.toISOString()).toBe("2026-11-25T11:00:00.000Z");
  });

  it("when the timer ran at 20 past, then the report ending 10:20 is drawn at 10:00, the hour its window ends in", () => {
    const to = new Date("2026-11-26T10:20:00.000Z");
    const plan = bucketPlan("24h", to);
    const { totals } = bucketFigures(plan, [row(to.toISOString(), 3)]);

    expect(plan.drawnAt[totals.submitted.indexOf(3)]?.toISOString()).toBe("2026-11-26T10:00:00.000Z");
  });

  it("when the buckets are UTC days, then each is drawn as its day", () => {
    const plan = bucketPlan("7d", new Date("2026-11-26T10:00:00.000Z"));
    expect(plan.drawnAt).toEqual(plan.starts);
  });
});

describe("nonOverlapping", () => {
  it("when the timer ran every 20 minutes, then only reports an hour apart are kept, newest first", () => {
    const rows = ["10:00", "09:40", "09:20", "09:00", "08:40", "08:00"].map((time) =>
      row(`2026-11-26T${time}:00.000Z`),
    );
    expect(nonOverlapping(rows).map((kept) => kept.to.slice(11, 16))).toEqual(["10:00", "09:00", "08:00"]);
  });

  it("when the rows come in any order, then the choice is the same", () => {
    const rows = ["08:00", "10:00", "09:30", "09:00"].map((time) => row(`2026-11-26T${time}:00.000Z`));
    expect(nonOverlapping(rows).map((kept) => kept.to.slice(11, 16))).toEqual(["10:00", "09:00", "08:00"]);
  });
});

describe("bucketFigures", () => {
  it("when hourly reports fall on one UTC day, then the day sums them and counts the hours; days without any are gaps", () => {
    const to = new Date("2026-11-26T12:00:00.000Z");
    const rows = [
      row("2026-11-26T12:00:00.000Z", 2),
      row("2026-11-26T11:00:00.000Z", 3),
      row("2026-11-25T01:30:00.000Z", 4),
    ];
    const { totals, hoursCovered } = bucketFigures(bucketPlan("7d", to), rows);
    expect(totals.submitted).toEqual([null, null, null, null, null, 4, 5]);
    expect(hoursCovered).toEqual([0, 0, 0, 0, 0, 1, 2]);
  });

  it("when a report starts before the first bucket or zeros were reported, then it is left out, and a zero stays a zero", () => {
    const to = new Date("2026-11-26T12:00:00.000Z");
    const plan = bucketPlan("24h", to);
    const { totals } = bucketFigures(plan, [row("2026-11-25T12:00:00.000Z", 9), row("2026-11-26T12:00:00.000Z", 0)]);
    expect(totals.submitted.at(-1)).toBe(0);
    expect(totals.submitted.filter((value) => value !== null)).toEqual([0]);
  });
});
