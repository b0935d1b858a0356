// No cloud's host-name suffix is written into infra/: endpoints come from environment() or the
// resources' own properties, so the same Bicep deploys to the China cloud and the global one.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bicepFiles, descendants, INFRA, parseBicep, parseInfraFile, ROOT } from "./bicep.js";

/** Suffixes of Azure's clouds (global, China, US Government) that deployments are tempted to write. */
const SUFFIX =
  /(windows\.net|chinacloudapi\.cn|azure\.cn|azure\.com|azurewebsites\.net|chinacloudsites\.cn|microsoftonline\.(com|cn)|usgovcloudapi\.net|azure\.us)\b/i;

function infraFiles(folder = INFRA): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? infraFiles(join(folder, entry.name)) : [join(folder, entry.name)],
  );
}

describe("cloud suffixes in infra/", () => {
  it("when a Bicep string is read, literal parts and interpolations alike, then no cloud suffix appears", async () => {
    const strings = (await Promise.all(bicepFiles().map((file) => parseInfraFile(file)))).flatMap((root) =>
      descendants(root, "string").map((node) => node.text),
    );

    expect(strings.length).toBeGreaterThan(50);
    expect(strings.filter((text) => SUFFIX.test(text))).toEqual([]);
  });

  it("when the check meets a hard-coded suffix, then it finds it", async () => {
    const root = await parseBicep("var host = '${namespaceName}.servicebus.chinacloudapi.cn'\n");

    expect(descendants(root, "string").some((node) => SUFFIX.test(node.text))).toBe(true);
  });

  it("when any file under infra/ or azure.yaml is read, comments included, then no cloud suffix appears", () => {
    const files = [...infraFiles(), join(ROOT, "azure.yaml")];
    // A JSON "$schema" names the file's format for editors; it is no endpoint.
    const offending = files.filter((file) =>
      SUFFIX.test(readFileSync(file, "utf8").replace(/"\$schema": "[^"]*"/g, "")),
    );

    expect(files.length).toBeGreaterThan(5);
    expect(offending).toEqual([]);
  });

  it("when an address is built from a name, then the suffix comes from environment()", async () => {
    const built = (await Promise.all(bicepFiles().map((file) => parseInfraFile(file)))).flatMap((root) =>
      descendants(root, "string").filter((node) => node.text.startsWith("'https://")),
    );

    expect(built.length).toBeGreaterThan(0);
    for (const address of built) expect(address.text).toContain("${environment().suffixes.");
  });
});
