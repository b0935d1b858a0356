// ISO 8601 durations: the whole text is one duration, or it is refused.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../shared/settings/app-settings.js";
import { parseIsoDuration } from "../../../shared/lib/iso-duration.js";

describe("parseIsoDuration", () => {
  it.each([
    ["PT30S", 30_000],
    ["PT1M", 60_000],
    ["PT1H30M", 5_400_000],
    ["P1D", 86_400_000],
    ["P1DT12H", 129_600_000],
    ["P2W", 1_209_600_000],
    ["PT0.5S", 500],
    ["PT0S", 0],
  ])("when the text is %j, then it is %d ms", (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each([
    ["-PT1M", "a negative duration"],
    ["PT1M garbage", "trailing text"],
    ["ten minutes PT10M", "leading text"],
    ["PT1M30", "a number without a unit"],
    ["PT1H1H", "a repeated unit"],
    ["P", "no component"],
    ["PT", "no time component"],
    ["P1DT", "a T with nothing after it"],
    ["", "empty text"],
    ["1 minute", "prose"],
    ["pt1m", "lower case"],
    ["PT1.5H30M", "a fraction on a unit that is not the smallest"],
  ])("when the text is %j (%s), then it is not a duration", (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });
});

describe("duration settings", () => {
  const environment = {
    ServiceBusConnection:
      "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=Root;SharedAccessKey=k;UseDevelopmentEmulator=true",
    EscalationsStorage: "UseDevelopmentStorage=true",
    ESCALATION_ROUTING: '[{"channel": "portal"}]',
  };

  function problemsOf(settings: Record<string, string>): string[] {
    try {
      loadConfig({ ...environment, ...settings });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  }

  it("when every duration setting holds a negative, empty or padded-with-garbage duration, then each setting is named", () => {
    const problems = problemsOf({
      FORWARD_RETRY_BASE_DELAY: "-PT1M",
      FORWARD_RETRY_MAX_DELAY: "PT1M garbage",
      FORWARD_RETRY_BUDGET: "PT",
      METRICS_WEBHOOK_RETRY_BASE_DELAY: "P",
      METRICS_WEBHOOK_RETRY_MAX_DELAY: "PT30M!",
      METRICS_WEBHOOK_RETRY_BUDGET: "PT0S",
      METRICS_FORWARD_TARGETS: '{"critical": "-PT15M"}',
      METRICS_VIANET_RESPONSE_TARGETS: '{"minimal": "PT8H later"}',
    });

    expect(problems.map((problem) => problem.split(":")[0]).sort()).toEqual([
      "FORWARD_RETRY_BASE_DELAY",
      "FORWARD_RETRY_BUDGET",
      "FORWARD_RETRY_MAX_DELAY",
      "METRICS_FORWARD_TARGETS.critical",
      "METRICS_VIANET_RESPONSE_TARGETS.minimal",
      "METRICS_WEBHOOK_RETRY_BASE_DELAY",
      "METRICS_WEBHOOK_RETRY_BUDGET",
      "METRICS_WEBHOOK_RETRY_MAX_DELAY",
    ]);
    for (const problem of problems) expect(problem).toContain("must be a positive ISO 8601 duration");
  });

  it("when a duration setting has surrounding spaces, then it is read without them", () => {
    expect(loadConfig({ ...environment, FORWARD_RETRY_BASE_DELAY: " PT10S " }).forwarding.backoff.baseDelayMs).toBe(
      10_000,
    );
  });
});
