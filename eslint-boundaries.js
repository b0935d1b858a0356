// Architecture rules the linter enforces, kept apart so a test can prove each one fails on a
// deliberate violation. Only the composition root reads the environment: everything else is
// given its settings, so tests never touch process.env and settings are parsed in one place.
// Tests and benchmarks share test data through test/builders/ only: a test imports bench/ only to
// test a benchmark's own module (test/unit/bench/), and a benchmark imports nothing else of test/.
const PROCESS_ENV = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: "Only shared/composition-root.ts reads process.env: take the setting from the parsed config instead.",
};

const BENCH_FROM_TEST = {
  regex: "(^|/)bench/",
  message:
    "Tests import nothing from bench/ (only test/unit/bench/ tests a benchmark's modules): put shared test data in test/builders/.",
};

const TEST_FROM_BENCH = {
  regex: "(^|/)test/(?!builders/)",
  message: "Benchmarks import only test/builders/ from test/: the build compiles nothing else of test/.",
};

export const boundaryRules = [
  {
    files: ["shared/**/*.ts", "functions/**/*.ts"],
    ignores: ["shared/composition-root.ts"],
    rules: { "no-restricted-syntax": ["error", PROCESS_ENV] },
  },
  {
    files: ["test/**/*.ts"],
    ignores: ["test/unit/bench/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [BENCH_FROM_TEST] }] },
  },
  {
    files: ["bench/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [TEST_FROM_BENCH] }] },
  },
];
