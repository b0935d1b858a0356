// Keeps `npm start`'s Functions host running the way Azure keeps a worker: when the host process
// dies it is started again, after a pause that doubles with each crash in a row, while the
// emulators (and the data in them) stay up. The first host is started together with the
// emulators: it loads the app meanwhile and listens only once they are up (it asks, and is told).
import type { ChildProcess } from "node:child_process";
import { z } from "zod";

export interface RestartPolicy {
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** A run that stayed up this long after listening was healthy: the next crash counts from one again. */
  readonly healthyAfterMs: number;
}

export const HOST_RESTART_POLICY: RestartPolicy = { firstDelayMs: 1_000, maxDelayMs: 30_000, healthyAfterMs: 60_000 };

/** The host's grace for running invocations is its functionTimeout (30 s by default); past this it is killed. */
const STOP_TIMEOUT_MS = 40_000;

/** What the host process sends over its IPC channel once it listens (see functions-host/cli.ts). */
export const HostListening = z.object({ type: z.literal("listening"), url: z.string() });

/** What a host started with --await-dependencies sends once the app is loaded (see functions-host/cli.ts). */
export const HostWaitingForDependencies = z.object({ type: z.literal("waiting-for-dependencies") });

/** The answer to {@link HostWaitingForDependencies}, sent once the dependencies are up. */
const DEPENDENCIES_READY = { type: "dependencies-ready" } as const;

/** The pause before starting the host again after `crashesInARow` crashes (1 for the first). */
export function restartDelay(policy: RestartPolicy, crashesInARow: number): number {
  const doublings = Math.min(Math.max(crashesInARow - 1, 0), 30);
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** doublings);
}

export interface HostSupervisorOptions {
  /** Starts one host process with an IPC channel; it sends {@link HostListening} when ready. */
  spawnHost: () => ChildProcess;
  log: (message: string) => void;
  /**
   * The first host ended before it ever listened: a start-up error (settings, a port in use)
   * that starting again would only repeat, so the caller stops instead.
   */
  onStartFailure: (exitCode: number | null) => void;
  /**
   * Settles when the app's dependencies (the emulators) are up; each host that asks is told once it
   * has resolved. A rejection tells no host: the caller stops the host then.
   */
  dependenciesReady?: Promise<void>;
  policy?: RestartPolicy;
  now?: () => number;
}

export interface SupervisedHost {
  /** Stops the host (SIGTERM, then SIGKILL after its grace) and starts no other. */
  stop(): Promise<void>;
}

interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `exited with code ${String(code)}` : `was killed by ${signal}`;
}

function describeDuration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1_000)} s`;
}

export function superviseHost(options: HostSupervisorOptions): SupervisedHost {
  const policy = options.policy ?? HOST_RESTART_POLICY;
  const now = options.now ?? Date.now;
  let current: Run | undefined;
  let everListened = false;
  let crashesInARow = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  const startRun = (): void => {
    restartTimer = undefined;
    const child = options.spawnHost();
    const startedAt = now();
    let listenedAt: number | undefined;
    child.on("message", (message) => {
      if (HostWaitingForDependencies.safeParse(message).success) {
        options.log(`Functions host (pid ${String(child.pid)}) loaded the app`);
        void (options.dependenciesReady ?? Promise.resolve()).then(
          () => {
            // A host that died meanwhile has no channel left; its exit is handled below.
            if (child.connected) child.send(DEPENDENCIES_READY, () => undefined);
          },
          () => undefined,
        );
        return;
      }
      if (!HostListening.safeParse(message).success) return;
      listenedAt = now();
      everListened = true;
    });
    const exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        current = undefined;
        resolve();
        if (!stopping) afterCrash(child.pid, describeExit(code, signal), code, startedAt, listenedAt);
      });
    });
    current = { child, exited };
    options.log(`Functions host started (pid ${String(child.pid)})`);
  };

  const afterCrash = (
    pid: number | undefined,
    how: string,
    code: number | null,
    startedAt: number,
    listenedAt: number | undefined,
  ): void => {
    if (!everListened) {
      options.onStartFailure(code);
      return;
    }
    const upFor = now() - (listenedAt ?? startedAt);
    crashesInARow = listenedAt !== undefined && upFor >= policy.healthyAfterMs ? 1 : crashesInARow + 1;
    const delay = restartDelay(policy, crashesInARow);
    const state = listenedAt === undefined ? "before it listened" : `after ${describeDuration(upFor)} up`;
    options.log(
      `the Functions host (pid ${String(pid)}) ${how} ${state}; starting it again in ${describeDuration(delay)} ` +
        `(crash ${crashesInARow} in a row; the emulators keep running)`,
    );
    restartTimer = setTimeout(startRun, delay);
  };

  startRun();
  return {
    stop: async () => {
      stopping = true;
      clearTimeout(restartTimer);
      const run = current;
      if (run === undefined) return;
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGTERM");
      const killTimer = setTimeout(() => run.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await run.exited;
      clearTimeout(killTimer);
    },
  };
}
