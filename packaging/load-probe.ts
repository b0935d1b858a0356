// `node dist/packaging/load-probe.js`, started in an app folder: loads the app as the Azure
// Functions Node.js worker does (package.json "main", with `@azure/functions-core` provided) and
// prints one JSON line naming what it registered and when, in ms since the process started.
// It runs no hook and no function, so it needs no settings.
import { entryPointFiles, loadEntryPoints } from "../local/functions-host/app-loader.js";
import { installCoreModule } from "../local/functions-host/core-module.js";
import { FunctionRegistry, HOOK_NAMES } from "../local/functions-host/registry.js";
import type { LoadReport } from "./load-report.js";

const registry = new FunctionRegistry();
const logs: string[] = [];
installCoreModule(registry, (level, category, message) => logs.push(`${level} ${category}: ${message}`));
const workerReadyMs = performance.now();
const entryPoints = await entryPointFiles(process.cwd());
await loadEntryPoints(entryPoints);
const registeredMs = performance.now();

const report: LoadReport = {
  workerReadyMs,
  registeredMs,
  entryPoints: entryPoints.length,
  functions: registry
    .functions()
    .map((fn) => fn.name)
    .sort(),
  hooks: Object.fromEntries(HOOK_NAMES.map((name) => [name, registry.hooks(name).length])),
  programmingModel: registry.programmingModel === undefined ? null : registry.programmingModel.name,
  logs,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
