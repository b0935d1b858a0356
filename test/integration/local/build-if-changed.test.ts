// `npm start`'s build step against the real TypeScript compiler, on a small project of its own: a
// changed .ts file is always compiled before the start, an unchanged project is not compiled
// again, and a type error stops the start until it is fixed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildIfChanged } from "../../../local/build-if-changed.js";

const REPO_NODE_MODULES = join(import.meta.dirname, "..", "..", "..", "node_modules");

let project: string;
const logs: string[] = [];
const build = () =>
  buildIfChanged(project, { log: (message) => logs.push(message), outputs: ["dist/src/greeting.js"] });
const source = (text: string) => writeFileSync(join(project, "src", "greeting.ts"), text);
const output = () => readFileSync(join(project, "dist", "src", "greeting.js"), "utf8");

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), "start-build-"));
  mkdirSync(join(project, "src"));
  symlinkSync(REPO_NODE_MODULES, join(project, "node_modules"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true } }));
  writeFileSync(
    join(project, "tsconfig.build.json"),
    JSON.stringify({
      extends: "./tsconfig.json",
      compilerOptions: {
        target: "ES2023",
        module: "NodeNext",
        types: [],
        incremental: true,
        tsBuildInfoFile: "dist/.tsbuildinfo",
        outDir: "dist",
        rootDir: ".",
      },
      include: ["src"],
    }),
  );
  source('export const greeting: string = "first";\n');
  logs.length = 0;
});
afterEach(() => {
  rmSync(project, { recursive: true, force: true });
});

describe("buildIfChanged", () => {
  it("when nothing was built yet, then it compiles; when nothing changed since, then it does not compile again", async () => {
    expect(await build()).toEqual({ built: true });
    expect(output()).toContain('"first"');

    expect(await build()).toEqual({ built: false });
    expect(logs.at(-1)).toMatch(/^build: up to date/);
  });

  it("when a .ts file changes after a build, then the next start compiles it before running", async () => {
    await build();

    for (const word of ["second", "third"]) {
      source(`export const greeting: string = "${word}";\n`);
      expect(await build()).toEqual({ built: true });
      expect(output()).toContain(`"${word}"`);
    }
  });

  it("when a change has a type error, then the start fails, and keeps failing until it is fixed", async () => {
    await build();
    source("export const greeting: number = 'not a number';\n");

    await expect(build()).rejects.toThrow("the build failed");
    await expect(build()).rejects.toThrow("the build failed");

    source("export const greeting: number = 4;\n");
    expect(await build()).toEqual({ built: true });
    expect(output()).toContain("= 4");
  });
});
