// The data-retention timer's settings: defaults (daily, P180D, P400D, a budget well under the
// Functions timeout), short values for trying it locally, and every bad value named at once.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../shared/settings/app-settings.js";
import { settingsProblems } from "./settings-problems.js";

const environment = {
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=Root;SharedAccessKey=k;UseDevelopmentEmulator=true",
  EscalationsStorage: "UseDevelopmentStorage=true",
  ESCALATION_ROUTING: '[{"channel": "portal"}]',
};
const DAY = 24 * 60 * 60_000;

describe("loadConfig: data retention", () => {
  it("when nothing is set, then it runs daily, erases personal data after 180 days, deletes records after 400, and works 10 minutes a run", () => {
    expect(loadConfig(environment).dataRetention).toEqual({
      schedule: "0 0 19 * * *",
      personalDataRetentionMs: 180 * DAY,
      recordRetentionMs: 400 * DAY,
      runBudgetMs: 10 * 60_000,
    });
  });

  it("when short retentions are set to try it, then they are taken to the second", () => {
    const config = loadConfig({
      ...environment,
      DATA_RETENTION_SCHEDULE: "*/30 * * * * *",
      PERSONAL_DATA_RETENTION: "PT2S",
      RECORD_RETENTION: "PT4S",
      DATA_RETENTION_RUN_BUDGET: "PT1M",
    }).dataRetention;

    expect(config).toEqual({
      schedule: "*/30 * * * * *",
      personalDataRetentionMs: 2_000,
      recordRetentionMs: 4_000,
      runBudgetMs: 60_000,
    });
  });

  it("when every one of them is wrong, then each is named at once", () => {
    const problems = settingsProblems({
      ...environment,
      DATA_RETENTION_SCHEDULE: "0 0 * * *",
      PERSONAL_DATA_RETENTION: "180 days",
      RECORD_RETENTION: "PT0S",
      DATA_RETENTION_RUN_BUDGET: "PT1H",
    });

    expect(problems.map((problem) => problem.split(":")[0]).sort()).toEqual([
      "DATA_RETENTION_RUN_BUDGET",
      "DATA_RETENTION_SCHEDULE",
      "PERSONAL_DATA_RETENTION",
      "RECORD_RETENTION",
    ]);
    expect(problems.find((problem) => problem.startsWith("DATA_RETENTION_RUN_BUDGET"))).toContain("PT25M");
  });
});
