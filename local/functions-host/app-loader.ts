// Loads the app's entry points the way the Node.js worker does: package.json `main`, globs
// included, each matching file imported in order.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { glob } from "tinyglobby";
import { AppConfigError } from "./app-config.js";

export async function entryPointFiles(appRoot: string): Promise<string[]> {
  const packagePath = join(appRoot, "package.json");
  if (!existsSync(packagePath)) throw new AppConfigError(`no package.json in ${appRoot}`);
  const main: unknown = (JSON.parse(readFileSync(packagePath, "utf8")) as { main?: unknown }).main;
  if (typeof main !== "string" || main === "")
    throw new AppConfigError(`package.json in ${appRoot} has no "main" naming the function files`);
  const files = await glob(main, { cwd: appRoot, absolute: true, onlyFiles: true });
  if (files.length === 0) {
    throw new AppConfigError(
      `No job functions found: package.json "main" (${main}) matches no file in ${appRoot}. Build the app first?`,
    );
  }
  return files.sort();
}

export async function loadEntryPoints(files: string[]): Promise<void> {
  for (const file of files) await import(pathToFileURL(file).href);
}
