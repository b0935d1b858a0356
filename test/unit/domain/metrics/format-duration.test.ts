// Durations in their natural unit, as the dashboard and the Teams card both show them.
import { describe, expect, it } from "vitest";
import { formatDuration } from "../../../../shared/domain/metrics/format-duration.js";

const MIN = 60_000;

describe("formatDuration", () => {
  it("when durations span seconds to days, then each reads in its natural unit", () => {
    expect(
      [null, 0, 420, 1000, 9_960, 42_000, 12 * MIN, 60 * MIN, 200 * MIN, 119.9 * MIN, 50 * 60 * MIN, 48 * 60 * MIN].map(
        formatDuration,
      ),
    ).toEqual(["–", "0 s", "0.4 s", "1 s", "10 s", "42 s", "12 min", "1 h", "3 h 20 min", "2 h", "2 d 2 h", "2 d"]);
  });
});
