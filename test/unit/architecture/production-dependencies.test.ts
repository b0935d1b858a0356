// The deployed app is built with `npm prune --omit=dev`: everything functions/ and shared/ import
// must be a production dependency (or part of Node), or the app fails when Azure loads it.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { globSync } from "tinyglobby";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { dependencies: Record<string, string> };

/** The package a bare specifier names: `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

describe("production dependencies", () => {
  it("when functions/ and shared/ import a package, then it is in package.json dependencies", () => {
    const files = globSync(["functions/**/*.ts", "shared/**/*.ts"], { cwd: root, absolute: true });
    expect(files.length).toBeGreaterThan(20);
    const missing = new Set<string>();
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)[^"'\n]*?from\s+["']([^"']+)["']/g)) {
        const specifier = match[1] ?? "";
        if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
        const name = packageOf(specifier);
        if (!(name in manifest.dependencies)) missing.add(`${name} (${file.slice(root.length)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
