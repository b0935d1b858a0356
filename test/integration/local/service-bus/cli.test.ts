// The command behind `npm run emulator:servicebus`.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../../../dist/local/service-bus/cli.js", import.meta.url));
const run = promisify(execFile);

describe("Service Bus emulator: command line", () => {
  const directory = mkdtempSync(join(tmpdir(), "sb-cli-"));
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("when the config is invalid, then it exits 1 listing every problem", async () => {
    const path = join(directory, "bad.json");
    writeFileSync(
      path,
      JSON.stringify({
        UserConfig: {
          Namespaces: [{ Queues: [{ Name: "", Properties: { LockDuration: "1 minute", MaxDeliveryCount: 0 } }] }],
        },
      }),
    );
    const failure = await run(process.execPath, [CLI, "--port", "0", "--config", path]).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("Queues.0.Name");
    expect(failure?.stderr).toContain("Queues.0.Properties.LockDuration");
    expect(failure?.stderr).toContain("Queues.0.Properties.MaxDeliveryCount");
  });

  it("when no config is given, then it prints its usage and exits 2", async () => {
    const failure = await run(process.execPath, [CLI]).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string },
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toContain("--config <Config.json>");
  });
});
