// The Functions host benchmark's start-up part: `npm start` and `node dist/local/start.js` timed
// to their first 200 from /api/health, and `npm run build` with nothing to rebuild.
import { join } from "node:path";
import { DIST_DIR, REPO_ROOT, inheritedEnvironment } from "../kit/index.js";
import { timeCommand, timeStartup, type StartupTiming } from "./startup-time.js";
import {
  formatSeconds,
  REMOTE_SETTINGS,
  START_ARGS,
  STARTUP_TIMEOUT_MS,
  STOP_TIMEOUT_MS,
  type Options,
} from "./settings.js";

export const STARTUP_KINDS = ["npmStart", "startJs"] as const;
type StartupKind = (typeof STARTUP_KINDS)[number];
export const STARTUP_LABELS: Record<StartupKind, string> = {
  npmStart: `npm start -- ${START_ARGS.join(" ")}`,
  startJs: `node dist/local/start.js ${START_ARGS.join(" ")}`,
};

export interface StartupResults {
  runs: Record<StartupKind, StartupTiming[]>;
  buildMs: number[];
  /** Settings removed from the children's environment. */
  removedSettings: string[];
}

export async function runStartup(options: Options): Promise<StartupResults> {
  const { env, removed } = inheritedEnvironment(REMOTE_SETTINGS);
  if (removed.length > 0) console.log(`Removed from the environment of npm start: ${removed.join(", ")}`);
  const untimedBuild = await timeCommand("npm", ["run", "build", "--silent"], REPO_ROOT, env);
  console.log(`npm run build (untimed, so that npm start finds dist/ up to date): ${formatSeconds(untimedBuild)}`);
  const results: StartupResults = { runs: { npmStart: [], startJs: [] }, buildMs: [], removedSettings: removed };
  const commands: Record<StartupKind, { command: string; args: string[] }> = {
    npmStart: { command: "npm", args: ["start", "--", ...START_ARGS] },
    startJs: { command: process.execPath, args: [join(DIST_DIR, "local", "start.js"), ...START_ARGS] },
  };
  for (let run = 1; run <= options.runs; run++) {
    for (const kind of STARTUP_KINDS) {
      const { command, args } = commands[kind];
      const timing = await timeStartup({
        command,
        args,
        cwd: REPO_ROOT,
        env,
        healthPath: "/api/health",
        timeoutMs: STARTUP_TIMEOUT_MS,
        stopTimeoutMs: STOP_TIMEOUT_MS,
      });
      results.runs[kind].push(timing);
      console.log(
        `run ${run}  ${STARTUP_LABELS[kind].padEnd(80)} first 200 after ${formatSeconds(timing.readyMs)} ` +
          `(${timing.healthPolls} health request${timing.healthPolls === 1 ? "" : "s"}); stopped in ${formatSeconds(timing.stopMs)}, ${timing.exit}` +
          (timing.leftovers ? "; PROCESSES OF ITS GROUP OUTLIVED IT (killed)" : ""),
      );
    }
    const buildMs = await timeCommand("npm", ["run", "build", "--silent"], REPO_ROOT, env);
    results.buildMs.push(buildMs);
    console.log(`run ${run}  ${"npm run build --silent (nothing to rebuild)".padEnd(80)} ${formatSeconds(buildMs)}`);
  }
  return results;
}
