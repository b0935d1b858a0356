// Starts the local emulators once for the integration project and hands their endpoints to
// the test files through provide/inject.
import { fileURLToPath } from "node:url";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startAzuriteTable, type RunningAzurite } from "../../local/azurite.js";
import { start, type RunningEmulator } from "../../local/service-bus/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    serviceBusConnectionString: string;
    tableConnectionString: string;
  }
}

let emulator: RunningEmulator | undefined;
let azurite: RunningAzurite | undefined;

export async function setup(project: TestProject): Promise<void> {
  [emulator, azurite] = await Promise.all([
    start({ port: 0, config: fileURLToPath(new URL("./emulator-config.json", import.meta.url)) }),
    startAzuriteTable({ port: 0 }),
  ]);
  project.provide("serviceBusConnectionString", emulator.connectionString);
  project.provide("tableConnectionString", azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await Promise.all([emulator?.close(), azurite?.close()]);
}
