// The deployment package as Azure receives it: `npm run package`'s zip, unpacked into a folder
// outside the repository, loads in a fresh Node.js process from its own files only, registers
// exactly the functions of functions/, and serves through the local host against the emulators.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { runLoadProbe } from "../../../packaging/load-report.js";
import { extractZip } from "../../../packaging/zip.js";
import { emulatorConnectionString } from "../local/service-bus/helpers.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const PACKAGE_CLI = join(REPO_ROOT, "dist", "packaging", "cli.js");
const LOAD_PROBE = join(REPO_ROOT, "dist", "packaging", "load-probe.js");
/** Building the package installs the production dependencies with npm ci (from the npm cache). */
const PACKAGE_TIMEOUT_MS = 180_000;

const Manifest = z.object({ main: z.string(), dependencies: z.record(z.string(), z.string()) });

/** The names functions/*.ts register, read from their source: `app.http("name", ...)` and the like. */
function declaredFunctionNames(): string[] {
  const folder = join(REPO_ROOT, "functions");
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ts"))
    .flatMap((file) =>
      [...readFileSync(join(folder, file), "utf8").matchAll(/\bapp\.(?!hook\b)\w+\(\s*"([^"]+)"/g)].map(
        (match) => match[1] ?? "",
      ),
    )
    .sort();
}

function buildPackage(outDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PACKAGE_CLI, "--out-dir", outDir], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`npm run package failed (${String(code)}):\n${output}`));
    });
  });
}

describe("deployment package", () => {
  let workDir = "";
  let unpacked = "";
  let files: string[] = [];

  beforeAll(async () => {
    if (!existsSync(PACKAGE_CLI)) throw new Error("run `npm run build` first: the test runs the built packaging CLI");
    workDir = mkdtempSync(join(tmpdir(), "package-test-"));
    await buildPackage(join(workDir, "out"));
    unpacked = join(workDir, "unpacked");
    files = extractZip(join(workDir, "out", "app.zip"), unpacked);
  }, PACKAGE_TIMEOUT_MS);

  afterAll(() => {
    if (workDir !== "") rmSync(workDir, { recursive: true, force: true });
  });

  it("when unpacked, then it holds host.json, a package.json whose main is a file it holds, and none of local/, bench/ or test/", () => {
    expect(files).toContain("host.json");
    expect(readFileSync(join(unpacked, "host.json"), "utf8")).toBe(readFileSync(join(REPO_ROOT, "host.json"), "utf8"));
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(unpacked, "package.json"), "utf8")));
    expect(files).toContain(manifest.main);
    expect(files.filter((file) => /(^|\/)(local|bench|test|functions-host|vianet-sandbox)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith(".ts") && !file.startsWith("node_modules/"))).toEqual([]);
  });

  it("when unpacked, then every package in its node_modules is a production dependency", () => {
    const production = Object.keys(
      Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"))).dependencies,
    );
    const shipped = new Set(
      files
        .filter((file) => file.startsWith("node_modules/"))
        .map((file) =>
          file
            .split("/")
            .slice(1, file.startsWith("node_modules/@") ? 3 : 2)
            .join("/"),
        ),
    );
    expect(shipped.size).toBeGreaterThan(0);
    expect([...shipped].filter((name) => !production.includes(name))).toEqual([]);
  });

  it("when a fresh Node.js process loads it as the worker does, then exactly the functions of functions/ register", async () => {
    const report = await runLoadProbe(LOAD_PROBE, unpacked);

    expect(report.functions).toEqual(declaredFunctionNames());
    expect(report.functions.length).toBeGreaterThanOrEqual(19);
    expect(report.hooks.appStart).toBe(1);
    expect(report.programmingModel).toBe("@azure/functions");
  });

  describe("served by the local host", () => {
    let host: HostProcess | undefined;
    afterAll(async () => {
      await host?.stop();
    });

    it("when started against the emulators, then health is 200 and the dashboard's files come from the package", async () => {
      host = await startHostProcess(
        {
          EscalationsStorage: inject("tableConnectionString"),
          ServiceBusConnection: emulatorConnectionString(),
          ESCALATIONS_QUEUE_NAME: "health",
          ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
          "AzureWebJobs.forward-escalation.Disabled": "true",
          "AzureWebJobs.escalations-dead-letter.Disabled": "true",
          "AzureWebJobs.metrics-delivery.Disabled": "true",
          "AzureWebJobs.report-deliveries-dead-letter.Disabled": "true",
          "AzureWebJobs.dispatch-sweep.Disabled": "true",
          "AzureWebJobs.metrics-report.Disabled": "true",
        },
        unpacked,
      );

      const health = await fetch(`${host.url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "healthy" });

      const chart = await fetch(`${host.url}/api/dashboard/assets/chart.umd.min.js`);
      expect(chart.status).toBe(200);
      expect(Buffer.from(await chart.arrayBuffer())).toEqual(
        readFileSync(join(REPO_ROOT, "node_modules", "chart.js", "dist", "chart.umd.min.js")),
      );
      const page = await fetch(`${host.url}/api/dashboard/assets/dashboard.js`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(
        readFileSync(join(REPO_ROOT, "dist", "shared", "http", "dashboard", "browser", "dashboard-page.js"), "utf8"),
      );
    });
  });
});
