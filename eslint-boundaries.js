// Architecture rules the linter enforces, kept apart so a test can prove each one fails on a
// deliberate violation. The folders say the architecture (see the README's Layout): the domain
// decides and does no I/O, handlers are where the host calls in, adapters reach the outside world,
// settings are parsed in one place and only the composition root reads the environment and wires
// adapters (and the local sandbox's plumbing) to handlers.
//
// ESLint replaces a rule's options when two config objects set the same rule for a file, so the
// rules below are grouped by folder: each folder gets one `no-restricted-imports` entry holding
// every import rule that applies to it. Tests and benchmarks share test data through test/builders/
// only: a test imports bench/ only to test a benchmark's own module (test/unit/bench/), and a
// benchmark imports nothing else of test/.

/** Each rule: the imports it forbids (regular expressions over the import specifier) and why. */
export const RULES = {
  noDevelopmentFolders: {
    regex: String.raw`^(\.\./)+(local|bench|test)/`,
    message: "Production code (shared/, functions/) never imports local/, bench/ or test/.",
  },
  functionsAreThin: {
    regex: String.raw`^(?!@azure/functions$|\.\./shared/composition-root\.js$)`,
    message:
      "A function file registers its trigger and takes its handler from shared/composition-root.ts, nothing else.",
  },
  domainPackages: {
    regex: String.raw`^(?!zod$|node:crypto$|\.)`,
    message: "The domain imports only zod, node:crypto, shared/lib and other domain modules: no SDK, no I/O.",
  },
  domainStaysInside: {
    regex: String.raw`^\.\./\.\./(?!lib/)`,
    message: "The domain imports only zod, node:crypto, shared/lib and other domain modules: no SDK, no I/O.",
  },
  libStandsAlone: {
    regex: String.raw`^\.\./`,
    message: "shared/lib holds self-contained helpers: it imports no other part of the app.",
  },
  settingsImportNoEdges: {
    regex: String.raw`^\.\./(adapters|handlers|http|sandbox)/`,
    message: "Settings describe values: they import the domain, shared/lib and each other, never an edge.",
  },
  handlersImportNoAdapters: {
    regex: String.raw`^(\.\./)+(adapters|sandbox)/`,
    message: "Handlers depend on the domain's ports; the composition root gives them adapters.",
  },
  handlersImportNoSdks: {
    regex: String.raw`^@azure/(?!functions$)`,
    message: "Handlers depend on the domain's ports; the composition root gives them adapters.",
  },
  testsImportNoBench: {
    regex: "(^|/)bench/",
    message:
      "Tests import nothing from bench/ (only test/unit/bench/ tests a benchmark's modules): put shared test data in test/builders/.",
  },
  benchImportsOnlyBuilders: {
    regex: "(^|/)test/(?!builders/)",
    message: "Benchmarks import only test/builders/ from test/: the build compiles nothing else of test/.",
  },
  adaptersImportNoEdgesIn: {
    regex: String.raw`^\.\./\.\./(handlers|http|sandbox)/`,
    message: "Adapters implement the domain's ports: they never import handlers, HTTP plumbing or the sandbox.",
  },
};

const PROCESS_ENV = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: "Only shared/composition-root.ts reads process.env: take the setting from the parsed config instead.",
};

/** The folders and the import rules that hold in each. */
const FOLDERS = [
  { files: ["functions/**/*.ts"], rules: ["noDevelopmentFolders", "functionsAreThin"] },
  { files: ["shared/domain/**/*.ts"], rules: ["noDevelopmentFolders", "domainPackages", "domainStaysInside"] },
  { files: ["shared/lib/**/*.ts"], rules: ["noDevelopmentFolders", "libStandsAlone"] },
  { files: ["shared/settings/**/*.ts"], rules: ["noDevelopmentFolders", "settingsImportNoEdges"] },
  {
    files: ["shared/handlers/**/*.ts", "shared/http/**/*.ts"],
    rules: ["noDevelopmentFolders", "handlersImportNoAdapters", "handlersImportNoSdks"],
  },
  { files: ["shared/adapters/**/*.ts"], rules: ["noDevelopmentFolders", "adaptersImportNoEdgesIn"] },
  { files: ["shared/sandbox/**/*.ts", "shared/composition-root.ts"], rules: ["noDevelopmentFolders"] },
  { files: ["test/**/*.ts"], ignores: ["test/unit/bench/**"], rules: ["testsImportNoBench"] },
  { files: ["bench/**/*.ts"], rules: ["benchImportsOnlyBuilders"] },
];

export const boundaryRules = [
  ...FOLDERS.map(({ files, ignores = [], rules }) => ({
    files,
    ignores,
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: rules.map((name) => ({ regex: RULES[name].regex, message: RULES[name].message })) },
      ],
    },
  })),
  {
    files: ["shared/**/*.ts", "functions/**/*.ts"],
    ignores: ["shared/composition-root.ts"],
    rules: { "no-restricted-syntax": ["error", PROCESS_ENV] },
  },
];
