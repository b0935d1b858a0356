// `npm run package [-- --out-dir <folder>] [--no-bundle]`: builds the deployment package (see
// build-package.ts) into .azure-package/ and checks that it loads: every function registers in
// a fresh Node.js process that has only the package.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildPackage } from "./build-package.js";
import { runLoadProbe } from "./load-report.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROBE_SCRIPT = fileURLToPath(new URL("./load-probe.js", import.meta.url));

const { values } = parseArgs({
  options: {
    "out-dir": { type: "string", default: ".azure-package" },
    "no-bundle": { type: "boolean", default: false },
  },
});

try {
  const began = performance.now();
  const built = await buildPackage({
    repoRoot: REPO_ROOT,
    outDir: resolve(REPO_ROOT, values["out-dir"]),
    bundle: !values["no-bundle"],
  });
  const loaded = await runLoadProbe(PROBE_SCRIPT, built.appDir);
  if (loaded.functions.length === 0) throw new Error(`the package registers no function ("main": ${built.main})`);
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  console.log(
    `Package ${built.zipFile}: ${built.zip.files} files, ${mib(built.zip.bytes)} (${mib(built.zip.zipBytes)} zipped), ` +
      `"main": ${built.main}; ${loaded.functions.length} functions register from it ` +
      `(built in ${((performance.now() - began) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `Deploy it: az functionapp deployment source config-zip -g <resource group> -n <app> --src ${built.zipFile}`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
