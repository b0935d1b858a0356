// `npm start`'s build step: runs `tsc -b tsconfig.build.json` only when something it compiles
// changed since its last successful build. Plain JavaScript because it runs before dist/ exists.
//
// A no-op `tsc -b` costs about a second on a small machine (npm run, TypeScript's own load, reading
// the build info), most of `npm start`'s time when nothing changed. tsc -b decides the same way as
// this check: its build is current when no input is newer than its build info. The check is wider
// than tsc's inputs, never narrower: every file and folder under the folders tsconfig.build.json
// includes or references (a folder's time changes when a file in it is added, renamed or
// removed), the TypeScript configurations, package.json and node_modules' lockfile (an install
// may change TypeScript or a type package). Any of these newer than the last build, a missing or
// unreadable build info, one that still holds errors or pending work, or a missing output that
// must run, and tsc runs; tsc then decides what to compile. A successful run leaves a stamp with
// the time it started, so files tsc does not compile (a README in a source folder) do not make
// every later start run it again.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";

/** What `npm run build` runs; a unit test holds package.json's build script to it. */
export const BUILD_ARGS = ["-b", "tsconfig.build.json"];

/** The stamp of the last build run by this step, beside tsc's build info. */
export const STAMP_FILE = join("dist", ".start-build-stamp");

/** Root-level files whose change changes what tsc emits or type-checks against. */
const CONFIG_FILES = [
  "tsconfig.json",
  "tsconfig.build.json",
  "package.json",
  join("node_modules", ".package-lock.json"),
];

/**
 * The fields of a build info after a clean, complete build. Any other one (errors, diagnostics,
 * files waiting to be emitted or checked, or a field of a newer TypeScript) means tsc must run:
 * after a build with type errors tsc -b fails again until they are fixed, and so must npm start.
 */
const CLEAN_BUILD_INFO_FIELDS = new Set([
  "fileNames",
  "fileIdsList",
  "fileInfos",
  "root",
  "options",
  "referencedMap",
  "latestChangedDtsFile",
  "version",
]);

/**
 * @param {string} path
 * @returns {number | undefined}
 */
function modifiedAt(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * @param {string} path
 * @returns {unknown}
 */
function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The folders to watch: each `include` entry up to its first wildcard, and each referenced project.
 * @param {Record<string, unknown>} config
 * @returns {string[] | undefined}
 */
function sourceFolders(config) {
  const include = config.include;
  const references = config.references ?? [];
  if (!Array.isArray(include) || !Array.isArray(references)) return undefined;
  const folders = [];
  for (const entry of include) {
    if (typeof entry !== "string") return undefined;
    const staticPart = entry.split(/[*?[{]/)[0] ?? "";
    folders.push(staticPart === entry ? entry : dirname(`${staticPart}x`));
  }
  for (const reference of references) {
    if (!isRecord(reference) || typeof reference.path !== "string") return undefined;
    folders.push(reference.path.endsWith(".json") ? dirname(reference.path) : reference.path);
  }
  return folders;
}

/**
 * The first path under `path` (itself included) modified at or after `since`, if any.
 * @param {string} path
 * @param {number} since
 * @param {{ count: number }} checked
 * @returns {string | undefined}
 */
function firstChangedUnder(path, since, checked) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return undefined;
  }
  checked.count++;
  if (stats.mtimeMs >= since) return path;
  if (!stats.isDirectory()) return undefined;
  for (const entry of readdirSync(path)) {
    const changed = firstChangedUnder(join(path, entry), since, checked);
    if (changed !== undefined) return changed;
  }
  return undefined;
}

/**
 * Why dist/ must be built before starting, or undefined when the last build is current.
 * @param {string} root the repository root
 * @param {{ outputs?: readonly string[] }} [options] outputs (relative to root) that must exist
 * @returns {{ reason: string | undefined, checked: number }}
 */
export function whyBuild(root, options = {}) {
  const checked = { count: 0 };
  const result = (/** @type {string | undefined} */ reason) => ({ reason, checked: checked.count });
  const config = readJson(join(root, "tsconfig.build.json"));
  const compilerOptions = isRecord(config) ? config.compilerOptions : undefined;
  const buildInfoFile = isRecord(compilerOptions) ? compilerOptions.tsBuildInfoFile : undefined;
  const folders = isRecord(config) ? sourceFolders(config) : undefined;
  if (typeof buildInfoFile !== "string" || folders === undefined)
    return result("tsconfig.build.json does not say where its build info and sources are");
  const buildInfoPath = join(root, buildInfoFile);
  const buildInfoTime = modifiedAt(buildInfoPath);
  if (buildInfoTime === undefined) return result(`no earlier build (no ${buildInfoFile})`);
  const buildInfo = readJson(buildInfoPath);
  const unfinished = isRecord(buildInfo)
    ? Object.keys(buildInfo).filter((field) => !CLEAN_BUILD_INFO_FIELDS.has(field))
    : ["(unreadable)"];
  if (unfinished.length > 0)
    return result(`the last build left errors or unfinished work (${unfinished.join(", ")} in ${buildInfoFile})`);
  for (const output of options.outputs ?? [])
    if (!existsSync(join(root, output))) return result(`${output} is missing`);
  const builtAt = Math.max(buildInfoTime, modifiedAt(join(root, STAMP_FILE)) ?? 0);
  for (const path of [...CONFIG_FILES, ...folders]) {
    const changed = firstChangedUnder(join(root, path), builtAt, checked);
    if (changed !== undefined) return result(`${relative(root, changed)} changed since the last build`);
  }
  return result(undefined);
}

/**
 * Runs tsc -b in `root` with the output shown; resolves with its exit code.
 * @param {string} root
 * @returns {Promise<number | null>}
 */
function runTsc(root) {
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  const child = spawn(process.execPath, [tsc, ...BUILD_ARGS], { cwd: root, stdio: "inherit" });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(signal === null ? code : 1));
  });
}

/**
 * Builds `root` when {@link whyBuild} finds a reason; throws when the build fails.
 * @param {string} root
 * @param {{ log: (message: string) => void, outputs?: readonly string[] }} options
 * @returns {Promise<{ built: boolean }>}
 */
export async function buildIfChanged(root, options) {
  const began = performance.now();
  const { reason, checked } = whyBuild(root, options);
  if (reason === undefined) {
    options.log(
      `build: up to date (${checked} files and folders checked in ${Math.round(performance.now() - began)} ms)`,
    );
    return { built: false };
  }
  options.log(`build: ${reason}; running tsc ${BUILD_ARGS.join(" ")}`);
  const startedAt = Date.now();
  const code = await runTsc(root);
  if (code !== 0) throw new Error(`the build failed (tsc exited with ${String(code)}); fix the errors above`);
  const stamp = join(root, STAMP_FILE);
  writeFileSync(stamp, "npm start's last successful tsc -b started at this file's modification time\n");
  utimesSync(stamp, startedAt / 1000, startedAt / 1000);
  options.log(`build: done in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  return { built: true };
}
