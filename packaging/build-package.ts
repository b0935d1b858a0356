// Builds the deployment package Azure runs: host.json, a package.json whose "main" names the
// functions, the compiled app and its production dependencies, as a folder and as a zip for zip
// deploy (or Flex Consumption's one deploy). Shipped bundled: esbuild joins the functions and
// every dependency they import into one file, which a fresh process loads in under half the time
// of tsc's output with node_modules (`npm run bench:package`, figures in the README); the
// unbundled form stays available for comparison.
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, sep } from "node:path";
import { build, formatMessages } from "esbuild";
import { z } from "zod";
import { entryPointFiles } from "../local/functions-host/app-loader.js";
import { zipFolder, type ZipSummary } from "./zip.js";

/** The bundle, relative to the app folder; package.json "main" names it. */
export const BUNDLE_MAIN = "dist/functions.js";

/**
 * The module the Azure Functions Node.js worker provides at run time (it intercepts `require`);
 * it is not a package, so it stays a `require` call in the bundle.
 */
const WORKER_MODULE = "@azure/functions-core";

/**
 * Production dependencies the app reads as files rather than imports (the dashboard serves
 * chart.js's browser build, found through `require.resolve`): the bundle cannot hold them, so
 * they ship in node_modules beside it.
 */
const FILE_DEPENDENCIES = ["chart.js"] as const;

/**
 * Files the app reads next to its own module (`new URL("./browser/...", import.meta.url)` in the
 * dashboard assets): in the bundle that module is the bundle, so they move next to it.
 */
const MODULE_RELATIVE_FOLDERS = [{ from: "dist/shared/http/dashboard/browser", to: "dist/browser" }] as const;

/**
 * CommonJS dependencies call `require`, which an ES module lacks: the bundle makes one. Through
 * `createRequire` the call reaches `Module.prototype.require`, which is where the worker answers
 * `@azure/functions-core`.
 */
const REQUIRE_BANNER =
  'import { createRequire as __packageCreateRequire } from "node:module";\n' +
  "const require = __packageCreateRequire(import.meta.url);";

const Manifest = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string().optional(),
  engines: z.record(z.string(), z.string()).optional(),
  main: z.string().min(1),
  dependencies: z.record(z.string(), z.string()),
});
type Manifest = z.infer<typeof Manifest>;

export class PackageError extends Error {
  override readonly name = "PackageError";
}

export interface PackageOptions {
  /** The repository: package.json, package-lock.json, host.json and the built dist/. */
  repoRoot: string;
  /** Where the app folder (`app/`) and the archive (`app.zip`) go; both are replaced. */
  outDir: string;
  /** One esbuild bundle (what ships), or tsc's output with the production node_modules. */
  bundle: boolean;
}

export interface BuiltPackage {
  appDir: string;
  zipFile: string;
  /** package.json "main" of the package. */
  main: string;
  zip: ZipSummary;
}

export async function buildPackage(options: PackageOptions): Promise<BuiltPackage> {
  const manifest = readManifest(options.repoRoot);
  checkBuildOutput(options.repoRoot);
  const appDir = join(options.outDir, "app");
  const zipFile = join(options.outDir, "app.zip");
  rmSync(appDir, { recursive: true, force: true });
  rmSync(zipFile, { force: true });
  // Outside the repository, so neither npm nor esbuild can reach the repository's node_modules
  // (dev dependencies included) by walking up from it.
  const staging = mkdtempSync(join(tmpdir(), "escalation-bridge-package-"));
  try {
    await installProductionDependencies(options.repoRoot, staging);
    copyCompiledApp(options.repoRoot, staging);
    mkdirSync(appDir, { recursive: true });
    const main = options.bundle
      ? await assembleBundled(staging, appDir, manifest)
      : assemblePlain(staging, appDir, manifest);
    cpSync(join(options.repoRoot, "host.json"), join(appDir, "host.json"));
    const dependencies = options.bundle ? pick(manifest.dependencies, FILE_DEPENDENCIES) : manifest.dependencies;
    writeFileSync(
      join(appDir, "package.json"),
      `${JSON.stringify(appManifest(manifest, main, dependencies), null, 2)}\n`,
    );
    return { appDir, zipFile, main, zip: zipFolder(appDir, zipFile) };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function readManifest(repoRoot: string): Manifest {
  const parsed = Manifest.safeParse(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")));
  if (!parsed.success) throw new PackageError(`package.json: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** tsc never deletes output: a function whose source is gone would still register from dist/. */
function checkBuildOutput(repoRoot: string): void {
  const built = join(repoRoot, "dist", "functions");
  if (!existsSync(built)) throw new PackageError("dist/functions does not exist: run `npm run build` first");
  const stale = readdirSync(built)
    .filter((file) => file.endsWith(".js"))
    .filter((file) => !existsSync(join(repoRoot, "functions", `${basename(file, ".js")}.ts`)));
  if (stale.length > 0) {
    throw new PackageError(
      `dist/functions holds ${stale.join(", ")} with no source in functions/: delete dist/ and build again`,
    );
  }
}

async function installProductionDependencies(repoRoot: string, staging: string): Promise<void> {
  cpSync(join(repoRoot, "package.json"), join(staging, "package.json"));
  cpSync(join(repoRoot, "package-lock.json"), join(staging, "package-lock.json"));
  // Exactly the lockfile's versions, production only; no install scripts run (none is needed),
  // and the npm cache answers what it holds without asking the registry again.
  await run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], staging);
}

/** tsc's JavaScript for the functions and what they import: no source maps or declarations. */
function copyCompiledApp(repoRoot: string, staging: string): void {
  for (const folder of ["functions", "shared"]) {
    cpSync(join(repoRoot, "dist", folder), join(staging, "dist", folder), {
      recursive: true,
      filter: (source) => statSync(source).isDirectory() || source.endsWith(".js"),
    });
  }
}

async function assembleBundled(staging: string, appDir: string, manifest: Manifest): Promise<string> {
  // The entry imports the files the worker would load for the repository's "main", in its order.
  const entryPoints = await entryPointFiles(staging);
  const contents = entryPoints
    .map((file) => `import ${JSON.stringify(`./${relative(staging, file).split(sep).join("/")}`)};`)
    .join("\n");
  const result = await build({
    stdin: { contents, resolveDir: staging, sourcefile: "functions-entry.js", loader: "js" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: join(appDir, BUNDLE_MAIN),
    external: [WORKER_MODULE],
    banner: { js: REQUIRE_BANNER },
    logLevel: "silent",
  });
  // A warning is a require or import esbuild could not follow: it would fail in Azure, not here.
  if (result.warnings.length > 0) {
    const messages = await formatMessages(result.warnings, { kind: "warning" });
    throw new PackageError(`esbuild warned:\n${messages.join("\n")}`);
  }
  for (const { from, to } of MODULE_RELATIVE_FOLDERS) {
    cpSync(join(staging, from), join(appDir, to), { recursive: true });
  }
  for (const name of FILE_DEPENDENCIES) {
    if (manifest.dependencies[name] === undefined) throw new PackageError(`${name} is not a production dependency`);
    cpSync(join(staging, "node_modules", name), join(appDir, "node_modules", name), { recursive: true });
  }
  return BUNDLE_MAIN;
}

function assemblePlain(staging: string, appDir: string, manifest: Manifest): string {
  cpSync(join(staging, "dist"), join(appDir, "dist"), { recursive: true });
  // .bin holds links to command-line tools: nothing the app runs.
  cpSync(join(staging, "node_modules"), join(appDir, "node_modules"), {
    recursive: true,
    filter: (source) => basename(source) !== ".bin",
  });
  return manifest.main;
}

function appManifest(manifest: Manifest, main: string, dependencies: Record<string, string>) {
  return {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    private: true,
    type: "module",
    engines: manifest.engines,
    main,
    dependencies,
  };
}

function pick(record: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)));
}

function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], shell: process.platform === "win32" });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve();
      else reject(new PackageError(`${command} ${args.join(" ")} exited with ${String(code)}:\n${output}`));
    });
  });
}
