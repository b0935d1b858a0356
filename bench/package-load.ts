// Cold load of the deployment package: how long a fresh Node.js process takes from its start
// until every function is registered, loaded the way the Azure Functions worker loads an app.
//
//   npm run bench:package -- [--runs 15] [--json <file>]
//
// Three forms of the same built app, each loaded by packaging/load-probe.js in a new process
// (no NODE_PATH, no NODE_OPTIONS) with the app's folder as working folder:
//   build    the plain build: package.json "main" dist/functions/*.js in the repository, with
//            the repository's node_modules (what `npm start` loads);
//   package  the unbundled package (`npm run package -- --no-bundle`): the same tsc output with
//            only the production node_modules, unpacked from its zip;
//   bundle   the package `npm run package` ships: one esbuild bundle, unpacked from its zip.
// One untimed load of each first (so every form reads from a warm file cache, as every cold
// start after the first on a worker does), then `--runs` rounds of one load of each, the order
// turning every round. Reported per form: median and spread of process start to all functions
// registered (the worker's stand-in's own start-up included, the same for all three), the app's
// own share (from the stand-in being ready), and the median against the plain build. The bundle
// is worth shipping if it at least halves the plain build's median.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPackage, type BuiltPackage } from "../packaging/build-package.js";
import { runLoadProbe, type LoadReport } from "../packaging/load-report.js";
import { extractZip } from "../packaging/zip.js";
import {
  formatMiB,
  formatMs,
  formatRatio,
  formatTable,
  machineJson,
  parseBenchArgs,
  positiveInteger,
  runBenchmark,
  verdict,
  withBenchProcesses,
  writeJsonReport,
} from "./kit/index.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROBE_SCRIPT = fileURLToPath(new URL("../packaging/load-probe.js", import.meta.url));
const DEFAULT_RUNS = 15;
/** The bundle ships if its median load is at most this share of the plain build's. */
const AIM_RATIO = 0.5;

const USAGE = `npm run bench:package -- [--runs N] [--json <file>]
  --runs N       timed loads of each form; medians are reported (default ${DEFAULT_RUNS})
  --json <file>  also write the results as JSON`;

const FORMS = ["build", "package", "bundle"] as const;
type Form = (typeof FORMS)[number];

const FORM_LABELS: Record<Form, string> = {
  build: "plain build (repository)",
  package: "package, unbundled",
  bundle: "package, bundled (ships)",
};

interface Options {
  runs: number;
  jsonPath: string | undefined;
}

interface FormSize {
  files: number;
  bytes: number;
  zipBytes: number;
}

function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs({ runs: { type: "string", default: String(DEFAULT_RUNS) } }, USAGE);
  if (parsed === undefined) return undefined;
  return { runs: positiveInteger("runs", parsed.values.runs), jsonPath: parsed.jsonPath };
}

function rerunCommand(options: Options): string {
  return `npm run bench:package -- --runs ${options.runs}`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

function unpack(built: BuiltPackage, target: string): string {
  mkdirSync(target, { recursive: true });
  extractZip(built.zipFile, target);
  return target;
}

function perForm<T>(value: (form: Form) => T): Record<Form, T> {
  return { build: value("build"), package: value("package"), bundle: value("bundle") };
}

/** Every load must register the same functions, or the forms are not the same app. */
function checkSameFunctions(expected: readonly string[], form: Form, report: LoadReport): void {
  if (report.functions.join() !== expected.join()) {
    throw new Error(
      `${form} registered ${report.functions.length} functions (${report.functions.join(", ")}), ` +
        `the plain build ${expected.length} (${expected.join(", ")})`,
    );
  }
}

async function main(options: Options, began: number): Promise<void> {
  await withBenchProcesses({ tempPrefix: "package-load-bench-", stopAll: () => Promise.resolve() }, async (run) => {
    console.log("Building both packages (npm ci --omit=dev each, then esbuild for the bundle)...");
    const plain = await buildPackage({ repoRoot: REPO_ROOT, outDir: join(run.tempDir, "plain"), bundle: false });
    const bundled = await buildPackage({ repoRoot: REPO_ROOT, outDir: join(run.tempDir, "bundled"), bundle: true });
    const folders: Record<Form, string> = {
      build: REPO_ROOT,
      package: unpack(plain, join(run.tempDir, "unpacked-plain")),
      bundle: unpack(bundled, join(run.tempDir, "unpacked-bundled")),
    };
    const sizes: Partial<Record<Form, FormSize>> = { package: plain.zip, bundle: bundled.zip };

    const warm = await runLoadProbe(PROBE_SCRIPT, folders.build);
    const expected = warm.functions;
    for (const form of FORMS) checkSameFunctions(expected, form, await runLoadProbe(PROBE_SCRIPT, folders[form]));

    const reports = perForm((): LoadReport[] => []);
    for (let round = 0; round < options.runs; round++) {
      const order = FORMS.map((_, index) => FORMS[(index + round) % FORMS.length] ?? "build");
      for (const form of order) {
        const report = await runLoadProbe(PROBE_SCRIPT, folders[form]);
        checkSameFunctions(expected, form, report);
        reports[form].push(report);
      }
    }

    const medians = perForm((form) => median(reports[form].map((report) => report.registeredMs)));
    const appMedians = perForm((form) =>
      median(reports[form].map((report) => report.registeredMs - report.workerReadyMs)),
    );

    console.log(
      `\nCold load: process start to all ${expected.length} functions registered, ${options.runs} loads of each, ` +
        "fresh node processes, warm file cache",
    );
    const rows = FORMS.map((form) => {
      const times = reports[form].map((report) => report.registeredMs);
      const size = sizes[form];
      return [
        FORM_LABELS[form],
        formatMs(medians[form], 0),
        `${formatMs(Math.min(...times), 0)}-${formatMs(Math.max(...times), 0)}`,
        formatMs(appMedians[form], 0),
        formatRatio(medians[form] / medians.build),
        size === undefined ? "-" : String(size.files),
        size === undefined ? "-" : formatMiB(size.bytes),
        size === undefined ? "-" : formatMiB(size.zipBytes),
      ];
    });
    console.log(
      formatTable(["form", "median ms", "min-max ms", "app's share ms", "vs build", "files", "unpacked", "zip"], rows),
    );
    const ratio = medians.bundle / medians.build;
    console.log(
      `\nBundle against the plain build: ${formatRatio(ratio)} of its load time ` +
        `(aim: at most ${formatRatio(AIM_RATIO)}, so the bundle ships): ${verdict(ratio <= AIM_RATIO)}`,
    );
    console.log(`Took ${((performance.now() - began) / 1000).toFixed(0)} s. Rerun: ${rerunCommand(options)}`);

    if (options.jsonPath !== undefined) {
      await writeJsonReport(options.jsonPath, {
        benchmark: "package-load",
        command: rerunCommand(options),
        machine: machineJson(),
        runs: options.runs,
        functions: expected.length,
        medianRegisteredMs: medians,
        medianAppMs: appMedians,
        bundleVsBuild: ratio,
        aimRatio: AIM_RATIO,
        sizes,
        registeredMs: perForm((form) => reports[form].map((report) => report.registeredMs)),
      });
    }
  });
}

runBenchmark(parseOptions, main, USAGE);
