// Every Bicep file parses, every module main.bicep names exists, azd's parameters file matches
// main.bicep's parameters, and the allowed regions are China's (global ones only besides them).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  bicepFiles,
  children,
  descendants,
  INFRA,
  literal,
  modules,
  parseBicep,
  parseInfraFile,
  syntaxErrors,
} from "./bicep.js";

const CHINA_REGIONS = ["chinaeast", "chinaeast2", "chinaeast3", "chinanorth", "chinanorth2", "chinanorth3"];

describe("the Bicep in infra/", () => {
  it("when each file is parsed, then none has a syntax error", async () => {
    const files = bicepFiles();
    expect(files).toContain("main.bicep");

    for (const file of files)
      expect({ file, errors: syntaxErrors(await parseInfraFile(file)) }).toEqual({ file, errors: [] });
  });

  it("when a file is broken, then the grammar reports it (the check above can fail)", async () => {
    const root = await parseBicep(
      "resource broken 'Microsoft.Web/sites@2024-04-01' = {\n  name: 'x'\n  properties: {\n}\n",
    );

    expect(syntaxErrors(root)).not.toEqual([]);
  });

  it("when main.bicep and its modules name modules, then every one exists and is among the parsed files", async () => {
    const files = new Set(bicepFiles());
    for (const file of files) {
      for (const module of modules(await parseInfraFile(file))) {
        const path = join(dirname(file), module.target);
        expect(existsSync(join(INFRA, path)), `${file} -> ${module.target}`).toBe(true);
        expect(files.has(path)).toBe(true);
      }
    }
    expect(modules(await parseInfraFile("main.bicep")).length).toBeGreaterThan(5);
  });
});

const Parameters = z.object({ parameters: z.record(z.string(), z.object({ value: z.unknown() })) });

describe("main.parameters.json", () => {
  it("when azd fills it in, then it sets only main.bicep's parameters and every one without a default", async () => {
    const root = await parseInfraFile("main.bicep");
    const declared = children(root)
      .filter((node) => node.type === "parameter_declaration")
      .map((node) => ({ name: children(node)[0]?.text ?? "", hasDefault: /=/.test(node.text) }));
    const given = Object.keys(
      Parameters.parse(JSON.parse(readFileSync(join(INFRA, "main.parameters.json"), "utf8"))).parameters,
    );

    expect(given.filter((name) => !declared.some((parameter) => parameter.name === name))).toEqual([]);
    expect(given).toEqual(expect.arrayContaining(["environmentName", "location"]));
    for (const parameter of declared.filter((candidate) => !candidate.hasDefault))
      expect(given, parameter.name).toContain(parameter.name);
  });
});

describe("the location parameter", () => {
  it("when azd asks for a region, then every China region is allowed, not only global ones", async () => {
    const root = await parseInfraFile("main.bicep");
    const location = children(root).find(
      (node) => node.type === "parameter_declaration" && children(node)[0]?.text === "location",
    );
    const decorators = location?.previousNamedSibling;
    const allowed = descendants(decorators ?? root, "array")
      .flatMap((array) => children(array).map((item) => literal(item)))
      .filter((region): region is string => region !== undefined);

    expect(allowed).toEqual(expect.arrayContaining(CHINA_REGIONS));
  });
});

describe("azure.yaml", () => {
  it("when azd reads it, then the app is one Functions service in TypeScript and the infrastructure is infra/", () => {
    const text = readFileSync(join(INFRA, "..", "azure.yaml"), "utf8");

    expect(text).toMatch(/^\s+host: function$/m);
    expect(text).toMatch(/^\s+language: ts$/m);
    expect(text).toMatch(/^\s+path: infra$/m);
  });
});
