// A benchmark's child processes: the environment they inherit, without the settings that would
// point them at real resources; stopped with SIGTERM, then SIGKILL if they have not exited in time.
import type { ChildProcess } from "node:child_process";

/**
 * This process's environment without `removedSettings`, and the names it removed. A setting
 * ending in "_" removes every name it starts; any other removes itself and its `__` sub-settings.
 */
export function inheritedEnvironment(removedSettings: readonly string[]): {
  env: NodeJS.ProcessEnv;
  removed: string[];
} {
  const isRemoved = (name: string) =>
    removedSettings.some((setting) =>
      setting.endsWith("_") ? name.startsWith(setting) : name === setting || name.startsWith(`${setting}__`),
    );
  const env: NodeJS.ProcessEnv = {};
  const removed: string[] = [];
  for (const [name, value] of Object.entries(process.env)) {
    if (isRemoved(name)) removed.push(name);
    else env[name] = value;
  }
  return { env, removed };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const graceful = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (!graceful) {
    child.kill("SIGKILL");
    await exited;
  }
}

export interface SupervisedChild {
  /** Resolves when the child exits, saying how: "exit code 0", "signal SIGKILL". */
  exited: Promise<string>;
  /** Ends the child (SIGTERM, then SIGKILL); after it the child's exit is expected. */
  stop: () => Promise<void>;
  /** `died` for callers racing against it: it stops rejecting once stop() was called. */
  unlessStopped: (died: Promise<never>) => Promise<never>;
}

/** A benchmark's child process: killed if this process exits first, stopped on request. */
export function superviseChild(child: ChildProcess): SupervisedChild {
  let stopping = false;
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve(signal === null ? `exit code ${String(code)}` : `signal ${signal}`);
    });
  });
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  return {
    exited,
    stop: async () => {
      stopping = true;
      process.off("exit", killOnExit);
      await stopChild(child, exited);
    },
    unlessStopped: (died) => {
      const unexpected = died.catch((error: unknown): Promise<never> => {
        // After stop() the exit is expected: park the race instead of failing it.
        if (stopping) return new Promise<never>(() => undefined);
        throw error;
      });
      unexpected.catch(() => undefined);
      return unexpected;
    },
  };
}
