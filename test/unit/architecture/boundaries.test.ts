// Each architecture rule of the lint config fails on a deliberate violation, and lets through the
// imports the layout allows.
import { Linter } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { RULES, boundaryRules } from "../../../eslint-boundaries.js";

const linter = new Linter({ configType: "flat" });
const config: Linter.Config[] = [
  { files: ["**/*.ts"], languageOptions: { parser: tseslint.parser } },
  ...boundaryRules,
];

function violations(filename: string, code: string): string[] {
  return linter.verify(code, config, { filename }).map((message) => message.message);
}

function importing(specifier: string): string {
  return `import { x } from "${specifier}";\nexport const y = x;\n`;
}

/** A violation of each rule: the file, the import it makes. Every rule in the config has one. */
const VIOLATIONS: Record<string, [file: string, specifier: string][]> = {
  noDevelopmentFolders: [
    ["shared/handlers/any.ts", "../../local/azurite.js"],
    ["shared/adapters/http/any.ts", "../../../bench/harness.js"],
    ["shared/composition-root.ts", "../test/builders.js"],
    ["functions/any.ts", "../local/start.js"],
  ],
  functionsAreThin: [
    ["functions/any.ts", "../shared/handlers/submit-escalation-handler.js"],
    ["functions/any.ts", "@azure/service-bus"],
  ],
  domainPackages: [
    ["shared/domain/escalations/any.ts", "@azure/data-tables"],
    ["shared/domain/forwarding/any.ts", "node:http"],
    ["shared/domain/metrics/any.ts", "@azure/functions"],
  ],
  domainStaysInside: [
    ["shared/domain/escalations/any.ts", "../../http/problem.js"],
    ["shared/domain/escalations/any.ts", "../../handlers/get-escalation-handler.js"],
    ["shared/domain/metrics/any.ts", "../../settings/metrics-settings.js"],
    ["shared/domain/forwarding/any.ts", "../../adapters/table-storage/table-keys.js"],
  ],
  libStandsAlone: [["shared/lib/any.ts", "../domain/escalations/escalation.js"]],
  settingsImportNoEdges: [
    ["shared/settings/any.ts", "../adapters/key-vault/key-vault-refresh-token-store.js"],
    ["shared/settings/any.ts", "../sandbox/loopback-msal-network.js"],
  ],
  handlersImportNoAdapters: [
    ["shared/handlers/any.ts", "../adapters/table-storage/table-escalation-store.js"],
    ["shared/http/dashboard/any.ts", "../../sandbox/loopback-msal-network.js"],
  ],
  handlersImportNoSdks: [["shared/handlers/any.ts", "@azure/data-tables"]],
  testsImportNoBench: [
    ["test/unit/handlers/x.test.ts", "../../../bench/chaos-soak/checks.js"],
    ["test/integration/app/x.test.ts", "../../../bench/kit/index.js"],
  ],
  benchImportsOnlyBuilders: [
    ["bench/intake/main.ts", "../../test/unit/domain/forwarding/fakes.js"],
    ["bench/kit/run.ts", "../../test/integration/recording-server.js"],
  ],
  adaptersImportNoEdgesIn: [
    ["shared/adapters/partner-center/any.ts", "../../sandbox/loopback-msal-network.js"],
    ["shared/adapters/table-storage/any.ts", "../../handlers/request-caller.js"],
  ],
};

/** Imports the layout allows, one or more per folder. */
const ALLOWED: [file: string, specifier: string][] = [
  ["functions/any.ts", "@azure/functions"],
  ["functions/any.ts", "../shared/composition-root.js"],
  ["shared/domain/escalations/any.ts", "zod"],
  ["shared/domain/escalations/any.ts", "node:crypto"],
  ["shared/domain/escalations/any.ts", "./escalation.js"],
  ["shared/domain/metrics/any.ts", "../forwarding/backoff.js"],
  ["shared/domain/forwarding/any.ts", "../../lib/parse-json.js"],
  ["shared/domain/forwarding/any.ts", "../../lib/errors.js"],
  ["shared/lib/any.ts", "./iso-duration.js"],
  ["shared/lib/any.ts", "ipaddr.js"],
  ["shared/settings/any.ts", "../domain/forwarding/routing.js"],
  ["shared/settings/any.ts", "../lib/iso-duration.js"],
  ["shared/handlers/any.ts", "../domain/escalations/ports.js"],
  ["shared/handlers/any.ts", "../http/problem.js"],
  ["shared/handlers/any.ts", "@azure/functions"],
  ["shared/adapters/table-storage/any.ts", "@azure/data-tables"],
  ["shared/adapters/table-storage/any.ts", "../../domain/escalations/ports.js"],
  ["shared/adapters/partner-center/any.ts", "../../settings/forwarding-settings.js"],
  ["shared/composition-root.ts", "./sandbox/loopback-msal-network.js"],
  ["shared/composition-root.ts", "./adapters/table-storage/table-escalation-store.js"],
  ["local/start.ts", "../shared/adapters/table-storage/table-escalation-store.js"],
  ["bench/intake/main.ts", "../../test/builders/escalation-request.js"],
  ["test/unit/bench/chaos-soak/checks.test.ts", "../../../../bench/chaos-soak/checks.js"],
];

describe("architecture rules", () => {
  it("every rule has deliberate violations in this test", () => {
    expect(Object.keys(VIOLATIONS).sort()).toEqual(Object.keys(RULES).sort());
  });

  for (const [rule, cases] of Object.entries(VIOLATIONS)) {
    it(`when a file breaks ${rule}, then lint fails with the rule's message`, () => {
      for (const [file, specifier] of cases) {
        expect(violations(file, importing(specifier)), `${file} importing ${specifier}`).toContain(
          `'${specifier}' import is restricted from being used by a pattern. ${RULES[rule]?.message ?? ""}`,
        );
      }
    });
  }

  it("when a file imports what the layout allows, then lint lets it", () => {
    for (const [file, specifier] of ALLOWED) {
      expect(violations(file, importing(specifier)), `${file} importing ${specifier}`).toEqual([]);
    }
  });

  const readsEnvironment = "export const region = process.env.REGION;";

  it("when a function file or a shared module reads process.env, then lint fails naming the rule", () => {
    for (const file of ["functions/metrics-report.ts", "shared/handlers/any.ts", "shared/domain/escalations/any.ts"]) {
      expect(violations(file, readsEnvironment), file).toEqual([
        "Only shared/composition-root.ts reads process.env: take the setting from the parsed config instead.",
      ]);
    }
  });

  it("when the composition root, the local stack or a test reads process.env, then lint lets it", () => {
    for (const file of [
      "shared/composition-root.ts",
      "local/start.ts",
      "test/unit/x.test.ts",
      "bench/intake/main.ts",
    ]) {
      expect(violations(file, readsEnvironment), file).toEqual([]);
    }
  });
});
