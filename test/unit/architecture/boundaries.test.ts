// Each architecture rule of the lint config fails on a deliberate violation, and lets the files
// it exempts through.
import { Linter } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { boundaryRules } from "../../../eslint-boundaries.js";

const linter = new Linter({ configType: "flat" });
const config: Linter.Config[] = [
  { files: ["**/*.ts"], languageOptions: { parser: tseslint.parser } },
  ...boundaryRules,
];

function violations(filename: string, code: string): string[] {
  return linter.verify(code, config, { filename }).map((message) => message.message);
}

describe("architecture rules", () => {
  const readsEnvironment = "export const region = process.env.REGION;";

  it("when a function file or a shared module reads process.env, then lint fails naming the rule", () => {
    for (const file of ["functions/metrics-report.ts", "shared/handlers/any.ts", "shared/escalations/any.ts"]) {
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

  it("when a test imports a benchmark's module, then lint fails naming the rule, unless it tests that module", () => {
    const importsBench = 'import { checkSoak } from "../../../../bench/chaos-soak/checks.js";';

    expect(violations("test/unit/handlers/x.test.ts", importsBench)).toEqual([
      expect.stringContaining("Tests import nothing from bench/"),
    ]);
    expect(violations("test/unit/bench/chaos-soak/checks.test.ts", importsBench)).toEqual([]);
  });

  it("when a benchmark imports from test/, then lint fails naming the rule, unless it imports a test builder", () => {
    expect(
      violations("bench/intake/main.ts", 'import { fakes } from "../test/unit/domain/forwarding/fakes.js";'),
    ).toEqual([expect.stringContaining("Benchmarks import only test/builders/")]);
    expect(
      violations(
        "bench/intake/main.ts",
        'import { buildEscalationRequest } from "../test/builders/escalation-request.js";',
      ),
    ).toEqual([]);
  });
});
