// Event delivery settings: the queue and the retry policy, EVENT_RETRY_BUDGET a day by default.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../shared/settings/app-settings.js";
import { settingsProblems } from "./settings-problems.js";

const validEnvironment = {
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=Root;SharedAccessKey=k;UseDevelopmentEmulator=true",
  EscalationsStorage: "UseDevelopmentStorage=true",
  ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
};

describe("event settings", () => {
  it("when nothing is set, then events go through event-deliveries and are retried for 24 hours", () => {
    expect(loadConfig(validEnvironment).events).toEqual({
      queueName: "event-deliveries",
      backoff: { baseDelayMs: 30_000, maxDelayMs: 30 * 60_000, budgetMs: 24 * 60 * 60_000 },
    });
  });

  it("when EVENT_RETRY_BUDGET and the delays are set, then the policy takes them", () => {
    const { events } = loadConfig({
      ...validEnvironment,
      EVENT_RETRY_BUDGET: "PT6H",
      EVENT_RETRY_BASE_DELAY: "PT1S",
      EVENT_RETRY_MAX_DELAY: "PT2S",
      EVENT_DELIVERY_QUEUE_NAME: "partner-events",
    });

    expect(events).toEqual({
      queueName: "partner-events",
      backoff: { baseDelayMs: 1_000, maxDelayMs: 2_000, budgetMs: 6 * 60 * 60_000 },
    });
  });

  it("when the budget is not a duration and the ceiling is below the base, then both are named", () => {
    const problems = settingsProblems({
      ...validEnvironment,
      EVENT_RETRY_BUDGET: "a day",
      EVENT_RETRY_BASE_DELAY: "PT1H",
      EVENT_RETRY_MAX_DELAY: "PT1M",
    });

    expect(problems.map((problem) => problem.split(":")[0])).toEqual(["EVENT_RETRY_BUDGET", "EVENT_RETRY_MAX_DELAY"]);
  });
});
