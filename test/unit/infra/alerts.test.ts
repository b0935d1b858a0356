// The alerts watch what the app really does: every queue's dead letters, and log messages and
// function names that exist in the code, so renaming one breaks this test, not the paging.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { at, literal, modules, named, parseInfraFile, properties, resources, ROOT, variable } from "./bicep.js";

function sources(folder: string): string {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"))
    .join("\n");
}

describe("the alerts (alerts.bicep)", () => {
  it("when a log alert matches a message, then the app writes that message", async () => {
    const messages = properties(variable(await parseInfraFile("app/alerts.bicep"), "logMessages"));
    const code = sources(join(ROOT, "shared"));

    expect(messages.size).toBeGreaterThan(4);
    for (const [name, value] of messages) expect(code, name).toContain(literal(value) ?? value.text);
  });

  it("when a log alert matches a function, then functions/ registers it under that name", async () => {
    const names = properties(variable(await parseInfraFile("app/alerts.bicep"), "functionNames"));
    const code = sources(join(ROOT, "functions"));

    for (const [, value] of names) expect(code).toMatch(new RegExp(`app\\.\\w+\\("${literal(value) ?? ""}",`));
  });

  it("when a queue exists, then its dead letters page someone, and every alert notifies the one action group", async () => {
    const alerts = resources(await parseInfraFile("app/alerts.bicep"));
    const deadLetters = named(alerts, "deadLetters");
    const wiring = named(modules(await parseInfraFile("main.bicep")), "alerts").body;

    expect(deadLetters.loop).toBe(true);
    expect(at(wiring, "params", "queueNames")?.text).toBe("serviceBus.outputs.queueNames");
    expect(at(deadLetters.body, "properties", "scopes")?.text).toContain("namespace.id");
    expect(deadLetters.body.text).toContain("'DeadletteredMessages'");
    for (const alert of alerts.filter((resource) => !resource.existing && resource.symbol !== "actionGroup"))
      expect(at(alert.body, "properties", "actions")?.text, alert.symbol).toContain("actionGroup.id");
  });

  it("when the action group is written, then its mailbox is a parameter, not an address in the repository", async () => {
    const actionGroup = named(resources(await parseInfraFile("app/alerts.bicep")), "actionGroup");

    expect(at(actionGroup.body, "properties", "emailReceivers")?.text).toContain("emailAddress: alertEmail");
  });
});
