// Hosted in Azure the app fails closed: no start without registered callers, no outbound exemptions.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../shared/settings/app-settings.js";
import { settingsProblems } from "./settings-problems.js";

const local = {
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=Root;SharedAccessKey=k;UseDevelopmentEmulator=true",
  EscalationsStorage: "UseDevelopmentStorage=true",
  // Portal only, so no Partner Center credentials are needed for these checks.
  ESCALATION_ROUTING: '[{"channel":"portal"}]',
};
const callers = JSON.stringify([{ id: "power-automate", keySha256: "a".repeat(64), tenants: "all" }]);

const problemsOf = settingsProblems;

describe("settings when hosted", () => {
  it("when the app runs locally without callers or with a loopback exemption, then it starts", () => {
    expect(problemsOf({ ...local, WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1" })).toEqual([]);
  });

  it.each([["WEBSITE_INSTANCE_ID"], ["WEBSITE_SITE_NAME"]])(
    "when %s is set and ESCALATION_CALLERS is unset or empty, then start-up is refused naming ESCALATION_CALLERS",
    (marker) => {
      for (const value of [undefined, "[]"]) {
        const problems = problemsOf({ ...local, [marker]: "instance-1", ESCALATION_CALLERS: value });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^ESCALATION_CALLERS: required when the app runs in Azure/);
      }
    },
  );

  it("when hosted with an outbound exemption under either name, then each is refused with the missing callers in one list", () => {
    const problems = problemsOf({
      ...local,
      WEBSITE_INSTANCE_ID: "instance-1",
      WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
      METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS: "10.0.0.4",
    });
    expect(problems.map((problem) => problem.split(":")[0])).toEqual([
      "ESCALATION_CALLERS",
      "WEBHOOK_ALLOWED_PRIVATE_HOSTS",
      "METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS",
    ]);
  });

  it("when hosted with registered callers and no exemption, then it starts with those callers", () => {
    expect(
      loadConfig({ ...local, WEBSITE_INSTANCE_ID: "instance-1", ESCALATION_CALLERS: callers }).callers.map(
        (caller) => caller.id,
      ),
    ).toEqual(["power-automate"]);
  });

  it("when both exemption settings are set locally, then the policy exempts the hosts of both", () => {
    const { policy } = loadConfig({
      ...local,
      WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
      METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS: "LocalHost",
    }).metrics.delivery;
    expect([...policy.exemptHosts].sort()).toEqual(["127.0.0.1", "localhost"]);
  });
});
