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
    for (const file of ["shared/composition-root.ts", "local/start.ts", "test/unit/x.test.ts", "bench/intake.ts"]) {
      expect(violations(file, readsEnvironment), file).toEqual([]);
    }
  });
});

describe("the domain's imports", () => {
  const message =
    "shared/domain imports no HTTP, handler, adapter or Azure SDK module: define the type in the domain instead.";

  it.each([
    'import type { InvalidParam } from "../../http/problem.js";',
    'import { toEscalationView } from "../../handlers/get-escalation-handler.js";',
    'import { PartnerCenterError } from "../../adapters/partner-center/partner-center-channel.js";',
    'import { RestError } from "@azure/data-tables";',
  ])("when a domain module has %s, then lint fails naming the rule", (line) => {
    expect(violations("shared/domain/escalations/any.ts", line)).toEqual([expect.stringContaining(message)]);
  });

  it("when a domain module imports zod, the app's own lib or another domain module, then lint lets it", () => {
    const imports = [
      'import { z } from "zod";',
      'import { BridgeError } from "../../lib/errors.js";',
      'import type { Escalation } from "../escalations/escalation.js";',
      'import type { FieldIssue } from "./field-issues.js";',
    ].join("\n");
    expect(violations("shared/domain/forwarding/any.ts", imports)).toEqual([]);
  });

  it("when the HTTP layer imports the problem module, then lint lets it", () => {
    expect(violations("shared/handlers/any.ts", 'import { problemResponse } from "../http/problem.js";')).toEqual([]);
  });
});
