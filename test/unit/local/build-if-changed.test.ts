// When `npm start` builds: only when something tsc compiles (or its configuration) changed since
// the last successful build, or that build is missing, unfinished or failed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { BUILD_ARGS, STAMP_FILE, whyBuild } from "../../../local/build-if-changed.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const BUILT_AT = new Date("2026-01-01T12:00:00Z");
const BEFORE = new Date("2026-01-01T11:00:00Z");
const AFTER = new Date("2026-01-01T13:00:00Z");
const CLEAN_BUILD_INFO = { fileNames: [], fileInfos: [], root: [], options: {}, version: "5.9.3" };

let project: string;

function write(path: string, content: string, at: Date = BEFORE): void {
  const full = join(project, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  utimesSync(full, at, at);
}

/** A project as tsconfig.build.json describes it, last built at BUILT_AT with every file older. */
function builtProject(buildInfo: object = CLEAN_BUILD_INFO): void {
  write(
    "tsconfig.build.json",
    JSON.stringify({
      compilerOptions: { tsBuildInfoFile: "dist/.tsbuildinfo" },
      include: ["functions", "shared"],
      references: [{ path: "./shared/browser" }],
    }),
  );
  write("tsconfig.json", "{}");
  write("package.json", "{}");
  write("functions/health.ts", "export {};");
  write("shared/domain/escalation.ts", "export {};");
  write("shared/browser/page.ts", "export {};");
  write("dist/functions/health.js", "export {};", BUILT_AT);
  write("dist/.tsbuildinfo", JSON.stringify(buildInfo), BUILT_AT);
  for (const folder of ["functions", "shared/domain", "shared/browser", "shared", "dist/functions", "dist", "."]) {
    utimesSync(join(project, folder), BEFORE, BEFORE);
  }
}

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), "build-if-changed-"));
});
afterEach(() => {
  rmSync(project, { recursive: true, force: true });
});

describe("whyBuild", () => {
  it("when nothing changed since the last build, then there is no reason to build", () => {
    builtProject();

    expect(whyBuild(project, { outputs: ["dist/functions/health.js"] }).reason).toBeUndefined();
  });

  it("when a source file was edited after the build, then it names that file", () => {
    builtProject();
    write("shared/domain/escalation.ts", "export const changed = true;", AFTER);

    expect(whyBuild(project).reason).toBe(`${join("shared", "domain", "escalation.ts")} changed since the last build`);
  });

  it("when a file of a referenced project was edited, then it builds", () => {
    builtProject();
    write("shared/browser/page.ts", "export const changed = true;", AFTER);

    expect(whyBuild(project).reason).toContain("page.ts changed since the last build");
  });

  it("when a source was edited in the same millisecond as the build, then it builds", () => {
    builtProject();
    write("functions/health.ts", "export const changed = true;", BUILT_AT);

    expect(whyBuild(project).reason).toContain("health.ts changed since the last build");
  });

  it("when a file was added or removed, then its folder's change makes it build", () => {
    builtProject();
    rmSync(join(project, "functions", "health.ts"));

    expect(whyBuild(project).reason).toBe("functions changed since the last build");
  });

  it("when a TypeScript configuration or the installed packages changed, then it builds", () => {
    builtProject();
    write("tsconfig.json", '{ "compilerOptions": {} }', AFTER);
    expect(whyBuild(project).reason).toBe("tsconfig.json changed since the last build");

    builtProject();
    write("node_modules/.package-lock.json", "{}", AFTER);
    expect(whyBuild(project).reason).toBe(`${join("node_modules", ".package-lock.json")} changed since the last build`);
  });

  it("when there was no build yet, then it builds", () => {
    builtProject();
    rmSync(join(project, "dist"), { recursive: true });

    expect(whyBuild(project).reason).toBe("no earlier build (no dist/.tsbuildinfo)");
  });

  it("when the last build had type errors, then it builds again (and fails again) though nothing changed", () => {
    builtProject({
      ...CLEAN_BUILD_INFO,
      semanticDiagnosticsPerFile: [[1, [{ code: 2322, messageText: "Type 'string' is not assignable" }]]],
    });

    expect(whyBuild(project).reason).toBe(
      "the last build left errors or unfinished work (semanticDiagnosticsPerFile in dist/.tsbuildinfo)",
    );
  });

  it("when an output that must run is missing, then it builds", () => {
    builtProject();

    expect(whyBuild(project, { outputs: [join("dist", "local", "start.js")] }).reason).toBe(
      `${join("dist", "local", "start.js")} is missing`,
    );
  });

  it("when a build by npm start ran after a file tsc ignores changed, then that file no longer makes it build", () => {
    builtProject();
    write("shared/README.md", "notes", AFTER);
    utimesSync(join(project, "shared"), AFTER, AFTER);
    expect(whyBuild(project).reason).toBe("shared changed since the last build");

    const stampAt = new Date(AFTER.getTime() + 1_000);
    write(STAMP_FILE, "", stampAt);

    expect(whyBuild(project).reason).toBeUndefined();
  });
});

describe("the build npm start runs", () => {
  it("when npm run build is defined, then it is the same tsc command", () => {
    const { scripts } = z
      .object({ scripts: z.record(z.string(), z.string()) })
      .parse(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")));

    expect(scripts).toMatchObject({ build: `tsc ${BUILD_ARGS.join(" ")}`, start: "node local/launch.js" });
  });
});
