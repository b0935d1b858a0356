// Azurite with a data folder keeps every write it acknowledged when it is stopped the way
// `npm start` stops it, and when the process that started it dies without stopping it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { startAzuriteTable, type RunningAzurite } from "../../../local/azurite.js";

const LAUNCHER_MODULE = pathToFileURL(join(import.meta.dirname, "../../../dist/local/azurite.js")).href;
const TABLE = "kept";
const ENTITIES = 50;

function tableOf(connectionString: string): TableClient {
  return TableClient.fromConnectionString(connectionString, TABLE, { allowInsecureConnection: true });
}

async function writeEntities(table: TableClient): Promise<void> {
  await table.createTable();
  for (let index = 0; index < ENTITIES; index += 1)
    await table.createEntity({ partitionKey: "p", rowKey: String(index).padStart(3, "0"), index });
}

async function readRowKeys(table: TableClient): Promise<string[]> {
  const rowKeys: string[] = [];
  for await (const entity of table.listEntities()) rowKeys.push(entity.rowKey ?? "");
  return rowKeys;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const StartedAzurite = z.object({ connectionString: z.string(), pid: z.number() });

const expectedRowKeys = Array.from({ length: ENTITIES }, (_, index) => String(index).padStart(3, "0"));

describe("Azurite with a data folder", () => {
  const directories: string[] = [];
  const running: RunningAzurite[] = [];

  function dataDir(): string {
    const directory = mkdtempSync(join(tmpdir(), "azurite-kept-"));
    directories.push(directory);
    return directory;
  }

  async function startOn(location: string): Promise<RunningAzurite> {
    const azurite = await startAzuriteTable({ port: 0, location });
    running.push(azurite);
    return azurite;
  }

  afterEach(async () => {
    await Promise.all(running.splice(0).map((azurite) => azurite.close()));
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it("when 50 entities are written and Azurite is stopped right after, then a restart on the same folder has the table and all 50", async () => {
    const location = dataDir();
    const first = await startOn(location);
    await writeEntities(tableOf(first.connectionString));

    await first.close();
    const second = await startOn(location);

    const tables: string[] = [];
    for await (const table of TableServiceClient.fromConnectionString(second.connectionString, {
      allowInsecureConnection: true,
    }).listTables())
      tables.push(table.name ?? "");
    expect(tables).toContain(TABLE);
    expect(await readRowKeys(tableOf(second.connectionString))).toEqual(expectedRowKeys);
  });

  it("when the process that started Azurite is killed with SIGKILL, then Azurite saves, exits, and a restart has all 50", async () => {
    const location = dataDir();
    const script = `import { startAzuriteTable } from ${JSON.stringify(LAUNCHER_MODULE)};
const azurite = await startAzuriteTable({ port: 0, location: ${JSON.stringify(location)} });
console.log(JSON.stringify({ connectionString: azurite.connectionString, pid: azurite.pid }));`;
    const launcher = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const started = await new Promise<z.infer<typeof StartedAzurite>>((resolve, reject) => {
      launcher.stdout.once("data", (chunk: Buffer) => resolve(StartedAzurite.parse(JSON.parse(chunk.toString()))));
      launcher.once("exit", (code) => reject(new Error(`the launcher exited with ${String(code)}`)));
    });
    await writeEntities(tableOf(started.connectionString));

    launcher.kill("SIGKILL");
    await expect.poll(() => isRunning(started.pid), { timeout: 15_000, interval: 100 }).toBe(false);
    const restarted = await startOn(location);

    expect(await readRowKeys(tableOf(restarted.connectionString))).toEqual(expectedRowKeys);
  });
});
