// Stopping a benchmark's child process: SIGTERM, then SIGKILL if it has not exited in time.
import type { ChildProcess } from "node:child_process";

export async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 5_000): Promise<void> {
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
