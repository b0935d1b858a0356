// Runs the load probe (load-probe.ts) in a fresh Node.js process inside an app folder and reads
// its report. The process gets no NODE_PATH and no NODE_OPTIONS: the app finds its modules only
// by walking up from its own files, so a package missing a dependency fails here as in Azure.
import { spawn } from "node:child_process";
import { z } from "zod";

export const LoadReport = z.object({
  /** ms since the process started, when the worker's stand-in was ready to load the app. */
  workerReadyMs: z.number(),
  /** ms since the process started, when every entry point had loaded: all functions registered. */
  registeredMs: z.number(),
  entryPoints: z.number().int(),
  functions: z.array(z.string()),
  hooks: z.record(z.string(), z.number().int()),
  programmingModel: z.string().nullable(),
  logs: z.array(z.string()),
});
export type LoadReport = z.infer<typeof LoadReport>;

/** Environment variables that would let the app load modules from elsewhere than its folder. */
const MODULE_PATH_VARIABLES = ["NODE_PATH", "NODE_OPTIONS"];

/** Starts `node <probeScript>` with `appDir` as its working folder and parses the line it prints. */
export function runLoadProbe(probeScript: string, appDir: string): Promise<LoadReport> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !MODULE_PATH_VARIABLES.includes(name)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [probeScript], { cwd: appDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) {
        reject(new Error(`loading the app in ${appDir} failed (exit code ${String(code)}):\n${stderr}${stdout}`));
        return;
      }
      try {
        resolve(LoadReport.parse(JSON.parse(stdout)));
      } catch (error) {
        reject(new Error(`the load probe printed no report: ${String(error)}\n${stdout}${stderr}`));
      }
    });
  });
}
