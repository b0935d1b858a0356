// Architecture rules the linter enforces, kept apart so a test can prove each one fails on a
// deliberate violation. Only the composition root reads the environment: everything else is
// given its settings, so tests never touch process.env and settings are parsed in one place.
const PROCESS_ENV = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: "Only shared/composition-root.ts reads process.env: take the setting from the parsed config instead.",
};

export const boundaryRules = [
  {
    files: ["shared/**/*.ts", "functions/**/*.ts"],
    ignores: ["shared/composition-root.ts"],
    rules: { "no-restricted-syntax": ["error", PROCESS_ENV] },
  },
];
