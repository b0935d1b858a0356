// Type-aware lint for every TypeScript file, tests included: an un-awaited promise in a
// Function is lost work, so no-floating-promises and friends are errors.
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";
import { boundaryRules } from "./eslint-boundaries.js";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "scratch/**",
      "node_modules/**",
      "coverage/**",
      "test-output/**",
      ".local-data/**",
      ".azure-package/**",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      "no-console": "error",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  ...boundaryRules,
  {
    // Command-line entry points and benchmarks talk to a terminal.
    files: ["local/**/cli.ts", "local/start.ts", "local/launch.js", "packaging/cli.ts", "bench/**/*.ts"],
    rules: { "no-console": "off" },
  },
);
