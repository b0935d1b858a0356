// The package's zip: a folder goes in and comes back unchanged, the same folder gives the same
// bytes, and an entry that would land outside the target folder is refused.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import { extractZip, listFiles, zipFolder } from "../../../packaging/zip.js";

describe("package zip", () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  function tempFolder(): string {
    const folder = mkdtempSync(join(tmpdir(), "zip-test-"));
    folders.push(folder);
    return folder;
  }

  function appFolder(): string {
    const root = tempFolder();
    mkdirSync(join(root, "dist", "browser"), { recursive: true });
    writeFileSync(join(root, "host.json"), '{"version": "2.0"}\n');
    writeFileSync(join(root, "dist", "functions.js"), "export {};\n");
    writeFileSync(join(root, "dist", "browser", "page.js"), "// 页面\n");
    return root;
  }

  it("when a folder is zipped and extracted, then every file comes back with the same bytes", () => {
    const source = appFolder();
    const work = tempFolder();

    const summary = zipFolder(source, join(work, "app.zip"));
    const written = extractZip(join(work, "app.zip"), join(work, "out"));

    expect(summary.files).toBe(3);
    expect(written).toEqual(["dist/browser/page.js", "dist/functions.js", "host.json"]);
    expect(listFiles(join(work, "out"))).toEqual(listFiles(source));
    for (const file of written) {
      expect(readFileSync(join(work, "out", file))).toEqual(readFileSync(join(source, file)));
    }
  });

  it("when the same folder is zipped twice, then both archives have the same bytes", () => {
    const source = appFolder();
    const work = tempFolder();

    zipFolder(source, join(work, "first.zip"));
    zipFolder(source, join(work, "second.zip"));

    expect(readFileSync(join(work, "second.zip"))).toEqual(readFileSync(join(work, "first.zip")));
  });

  it("when an entry would land outside the target folder, then extracting refuses it", () => {
    const work = tempFolder();
    writeFileSync(join(work, "evil.zip"), zipSync({ "../escaped.js": new TextEncoder().encode("x") }));

    expect(() => extractZip(join(work, "evil.zip"), join(work, "out"))).toThrow(/outside/);
  });
});
