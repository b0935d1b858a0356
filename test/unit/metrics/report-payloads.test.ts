import { describe, expect, it } from "vitest";
import { humanDuration } from "../../../shared/metrics/report-payloads.js";

describe("humanDuration", () => {
  it.each([
    [null, "–"],
    [0, "0 s"],
    [59_400, "59 s"],
    [95_000, "1 min 35 s"],
    [3_600_000, "1 h 0 min"],
    [86_399_000, "23 h 59 min"],
    [90_000_000, "1 d 1 h"],
  ])("when the duration is %s ms, then it reads %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
