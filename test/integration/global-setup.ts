// Starts the local emulators once for the integration project and hands their endpoints to
// the test files through provide/inject.
import { fileURLToPath } from "node:url";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { start, type RunningEmulator } from "../../local/service-bus/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    serviceBusConnectionString: string;
  }
}

let emulator: RunningEmulator | undefined;

export async function setup(project: TestProject): Promise<void> {
  emulator = await start({
    port: 0,
    config: fileURLToPath(new URL("./emulator-config.json", import.meta.url)),
  });
  project.provide("serviceBusConnectionString", emulator.connectionString);
}

export async function teardown(): Promise<void> {
  await emulator?.close();
}
