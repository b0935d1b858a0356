// The short chaos soak, run as `npm run soak` runs it (from dist/, built by `npm test`): 40
// escalations through the `npm start` stack with the sandbox's random faults, a revoked token,
// two dropped Service Bus connection sets, an Azurite restart and a SIGKILLed host; it must end
// with every check met.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const Report = z.object({
  passed: z.boolean(),
  statuses: z.record(z.string(), z.number()),
  serviceRequests: z.number(),
  hostStarts: z.number(),
  disruptions: z.array(z.object({ name: z.string(), error: z.string().optional() })),
  checks: z.array(z.object({ name: z.string(), passed: z.boolean(), failures: z.array(z.string()) })),
  faultsInjected: z.record(z.string(), z.number()),
});

function runSoak(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, "dist", "bench", "chaos-soak", "main.js"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}

describe("chaos soak (short)", () => {
  it("when 40 escalations go through npm start under faults and disruptions, then each ends forwarded with one 21Vianet request and every check is met", async () => {
    const folder = mkdtempSync(join(tmpdir(), "chaos-soak-test-"));
    try {
      const jsonPath = join(folder, "soak.json");

      const { code, output } = await runSoak([
        "--escalations",
        "40",
        "--seed",
        "11",
        "--kill-between-submissions",
        "--json",
        jsonPath,
      ]);

      expect(code, output).toBe(0);
      const report = Report.parse(JSON.parse(readFileSync(jsonPath, "utf8")));
      expect(report.checks.filter((check) => !check.passed)).toEqual([]);
      expect(report.passed).toBe(true);
      expect(report.statuses).toEqual({ forwarded: 40 });
      expect(report.serviceRequests).toBe(40);
      expect(report.disruptions.map((disruption) => disruption.name)).toEqual([
        "access tokens revoked",
        "Service Bus connections dropped (1)",
        "Azurite restarted",
        "Service Bus connections dropped (2)",
        "Functions host killed (SIGKILL)",
      ]);
      expect(report.disruptions.every((disruption) => disruption.error === undefined)).toBe(true);
      // The killed host was started again by npm start's supervisor.
      expect(report.hostStarts).toBe(2);
      expect(output).toContain("Rerun: npm run soak -- --escalations 40 --seed 11 --kill-between-submissions");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 110_000);
});
