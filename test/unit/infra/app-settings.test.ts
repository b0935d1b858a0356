// The app settings function-app.bicep gives the app: everything the settings schema cannot start
// without when hosted, every name the triggers resolve, identity-based connections with their
// service URIs, and secrets only as Key Vault references.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_REFRESH_TOKEN_SECRET_NAME } from "../../../shared/settings/forwarding-settings.js";
import { SETTING_NAMES, settingProblems } from "../../../shared/settings/app-settings.js";
import {
  at,
  children,
  descendants,
  keysOf,
  literal,
  named,
  parseInfraFile,
  resources,
  ROOT,
  variable,
} from "./bicep.js";
import type { Node } from "web-tree-sitter";

/** What the platform sets on every Functions host: the schema reads them to know it is hosted. */
const HOSTED = { WEBSITE_SITE_NAME: "func-escalations", WEBSITE_INSTANCE_ID: "instance" };

/** Settings that hold secrets or carry them (webhook secrets inside JSON). */
const SECRET_SETTINGS = [
  "PARTNER_CENTER_CLIENT_SECRET",
  "PARTNER_CENTER_REFRESH_TOKEN",
  "ESCALATION_WEBHOOK_SENDERS",
  "METRICS_WEBHOOKS",
];

async function functionApp() {
  const root = await parseInfraFile("app/function-app.bicep");
  const app = variable(root, "appSettings");
  const host = variable(root, "hostSettings");
  const premium = variable(root, "premiumOnlySettings");
  return { root, app, host, premium, all: new Set([...keysOf(app), ...keysOf(host), ...keysOf(premium)]) };
}

/** The text a setting's value is written as, e.g. `storageAccount.properties.primaryEndpoints.table`. */
function valueOf(settings: Node, name: string): string {
  const value = at(settings, name);
  if (value === undefined) throw new Error(`${name} is not set`);
  return literal(value) ?? value.text;
}

function functionSources(): string {
  const folder = join(ROOT, "functions");
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ts"))
    .map((file) => readFileSync(join(folder, file), "utf8"))
    .join("\n");
}

describe("the app settings in function-app.bicep", () => {
  it("when the settings resource is written, then it carries the host's, the plan's and the app's settings", async () => {
    const { root } = await functionApp();
    const settings = named(resources(root), "settings");

    expect(literal(at(settings.body, "name"))).toBe("appsettings");
    expect(at(settings.body, "properties")?.text).toBe("union(hostSettings, premiumSettings, appSettings)");
  });

  it("when the app is hosted, then every setting the schema cannot start without is set, directly or as an identity connection", async () => {
    const { all } = await functionApp();
    const required = [...new Set(settingProblems(HOSTED).map((problem) => problem.path[0] ?? ""))];

    expect(required.length).toBeGreaterThan(3);
    const missing = required.filter((name) => !all.has(name) && ![...all].some((set) => set.startsWith(`${name}__`)));
    expect(missing).toEqual([]);
  });

  it("when a name is set for the app, then the schema reads it (no typo, no setting the app ignores)", async () => {
    const { app } = await functionApp();
    const known = new Set(SETTING_NAMES);
    const qualifiers = ["__credential", "__clientId"];
    const unknown = keysOf(app).filter(
      (name) =>
        !known.has(name) &&
        !qualifiers.some(
          (suffix) => name.endsWith(suffix) && known.has(`${name.slice(0, -suffix.length)}__fullyQualifiedNamespace`),
        ) &&
        // Read by @azure/identity's DefaultAzureCredential, not by the schema.
        name !== "AZURE_CLIENT_ID",
    );

    expect(unknown).toEqual([]);
  });

  it("when a trigger names a setting (%NAME%) or a connection, then the app settings define it for the identity", async () => {
    const { all, app } = await functionApp();
    const sources = functionSources();
    const expressions = [...sources.matchAll(/%([A-Za-z0-9_]+)%/g)].map((match) => match[1] ?? "");
    const connections = [...sources.matchAll(/connection:\s*"([A-Za-z0-9_]+)"/g)].map((match) => match[1] ?? "");

    expect(expressions).toContain("ESCALATIONS_QUEUE_NAME");
    expect(connections).toContain("ServiceBusConnection");
    for (const name of expressions) expect(all, name).toContain(name);
    for (const connection of new Set(connections)) {
      expect(valueOf(app, `${connection}__fullyQualifiedNamespace`)).toBe("serviceBusHost");
      expect(valueOf(app, `${connection}__credential`)).toBe("managedidentity");
      expect(valueOf(app, `${connection}__clientId`)).toBe("identityClientId");
    }
  });

  it("when the host reaches its storage, then it uses the identity and the account's own blob, queue and table URIs", async () => {
    const { host, app } = await functionApp();

    expect(valueOf(host, "AzureWebJobsStorage__credential")).toBe("managedidentity");
    expect(valueOf(host, "AzureWebJobsStorage__clientId")).toBe("identityClientId");
    for (const service of ["blob", "queue", "table"])
      expect(valueOf(host, `AzureWebJobsStorage__${service}ServiceUri`)).toBe(
        `storageAccount.properties.primaryEndpoints.${service}`,
      );
    expect(keysOf(host)).not.toContain("AzureWebJobsStorage");
    expect(keysOf(host)).not.toContain("AzureWebJobsStorage__accountName");
    expect(valueOf(app, "EscalationsStorage__tableServiceUri")).toBe(
      "storageAccount.properties.primaryEndpoints.table",
    );
    expect(valueOf(app, "AZURE_CLIENT_ID")).toBe("identityClientId");
  });

  it("when a setting holds a secret, then its value is a Key Vault reference to the app vault", async () => {
    const { app, premium } = await functionApp();

    for (const name of SECRET_SETTINGS) expect(keysOf(app)).toContain(name);
    for (const name of [...SECRET_SETTINGS, "ESCALATION_CALLERS"])
      expect(valueOf(app, name)).toMatch(
        /^'@Microsoft\.KeyVault\(SecretUri=\$\{appVaultUri\}secrets\/\$\{secretNames\.\w+\}\/\)'$/,
      );
    expect(valueOf(premium, "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=/);
  });

  it("when any app setting is a literal, then it is no connection string, key or token", async () => {
    const { app, host, premium } = await functionApp();
    const literals = [app, host, premium].flatMap((settings) =>
      children(settings).flatMap((property) => descendants(property, "string").map((node) => node.text)),
    );

    expect(literals.length).toBeGreaterThan(5);
    expect(
      literals.filter((text) => /AccountKey=|SharedAccessKey|InstrumentationKey=|whsec_|Bearer /i.test(text)),
    ).toEqual([]);
  });

  it("when hosted, then the refresh token store is the token vault, under the secret name the schema defaults to", async () => {
    const { app } = await functionApp();

    expect(valueOf(app, "PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL")).toBe("tokenVault.properties.vaultUri");
    expect(valueOf(app, "PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME")).toBe(DEFAULT_REFRESH_TOKEN_SECRET_NAME);
  });
});
