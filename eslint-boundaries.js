// Architecture rules the linter enforces, kept apart so a test can prove each one fails on a
// deliberate violation. Only the composition root reads the environment: everything else is
// given its settings, so tests never touch process.env and settings are parsed in one place.
const PROCESS_ENV = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: "Only shared/composition-root.ts reads process.env: take the setting from the parsed config instead.",
};

// The domain does no I/O and knows no transport: it holds its own types (FieldIssue, BridgeError)
// and the HTTP layer, handlers and adapters translate to and from them.
const DOMAIN_IMPORTS = {
  patterns: [
    {
      group: ["**/http/*", "**/handlers/*", "**/adapters/**", "**/sandbox/*", "@azure/*"],
      message:
        "shared/domain imports no HTTP, handler, adapter or Azure SDK module: define the type in the domain instead.",
    },
  ],
};

export const boundaryRules = [
  {
    files: ["shared/**/*.ts", "functions/**/*.ts"],
    ignores: ["shared/composition-root.ts"],
    rules: { "no-restricted-syntax": ["error", PROCESS_ENV] },
  },
  { files: ["shared/domain/**/*.ts"], rules: { "no-restricted-imports": ["error", DOMAIN_IMPORTS] } },
];
