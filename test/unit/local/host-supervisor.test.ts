// How `npm start` restarts a Functions host that dies: the pauses, their reset, the reasons it
// logs, and that neither a start-up failure nor a stop leads to another host.
import { ChildProcess, type Serializable } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  HOST_RESTART_POLICY,
  restartDelay,
  superviseHost,
  type SupervisedHost,
} from "../../../local/host-supervisor.js";

/** A host process that listens, dies and is signalled on command, without a process behind it. */
class FakeHost extends ChildProcess {
  override readonly pid = 4242;
  override readonly connected = true;
  readonly signals: (NodeJS.Signals | number | undefined)[] = [];
  readonly sent: Serializable[] = [];

  override send(message: Serializable, ..._rest: unknown[]): boolean {
    this.sent.push(message);
    return true;
  }

  /** What a host started with --await-dependencies says once it has loaded the app. */
  askForDependencies(): void {
    this.emit("message", { type: "waiting-for-dependencies" });
  }

  override kill(signal?: NodeJS.Signals | number): boolean {
    this.signals.push(signal);
    return true;
  }

  listen(): void {
    this.emit("message", { type: "listening", url: "http://127.0.0.1:7071" });
  }

  die(signal: NodeJS.Signals | null, code: number | null = null): void {
    this.emit("exit", code, signal);
  }
}

function supervise(dependenciesReady?: Promise<void>) {
  const hosts: FakeHost[] = [];
  const logs: string[] = [];
  const startFailures: (number | null)[] = [];
  const supervised: SupervisedHost = superviseHost({
    spawnHost: () => {
      const host = new FakeHost();
      hosts.push(host);
      return host;
    },
    log: (message) => logs.push(message),
    onStartFailure: (code) => startFailures.push(code),
    ...(dependenciesReady === undefined ? {} : { dependenciesReady }),
  });
  const latest = (): FakeHost => {
    const host = hosts.at(-1);
    if (host === undefined) throw new Error("no host started");
    return host;
  };
  return { hosts, logs, startFailures, supervised, latest };
}

describe("restartDelay", () => {
  it("when crashes follow each other, then the pause doubles from 1 s and stays at 30 s", () => {
    const pauses = [1, 2, 3, 4, 5, 6, 7, 50].map((crashes) => restartDelay(HOST_RESTART_POLICY, crashes));

    expect(pauses).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });
});

describe("superviseHost", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("when the host is killed after it listened, then a new one starts after 1 s and the log says why", () => {
    const { hosts, logs, latest } = supervise();
    latest().listen();
    vi.advanceTimersByTime(5_000);

    latest().die("SIGKILL");
    vi.advanceTimersByTime(999);
    expect(hosts).toHaveLength(1);
    vi.advanceTimersByTime(1);

    expect(hosts).toHaveLength(2);
    expect(logs).toContain(
      "the Functions host (pid 4242) was killed by SIGKILL after 5 s up; starting it again in 1 s (crash 1 in a row; the emulators keep running)",
    );
  });

  it("when restarted hosts keep dying, then each pause doubles up to 30 s and the host is never given up", () => {
    const { hosts, logs, latest } = supervise();
    latest().listen();
    const pauses = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000];

    for (const pause of pauses) {
      latest().die(null, 1);
      vi.advanceTimersByTime(pause);
    }

    expect(hosts).toHaveLength(pauses.length + 1);
    expect(
      logs.filter((line) => line.includes("exited with code 1 before it listened; starting it again in 30 s")),
    ).toHaveLength(3);
  });

  it("when a restarted host stayed up a minute before dying, then the pause is 1 s again", () => {
    const { logs, latest } = supervise();
    latest().listen();
    for (const pause of [1_000, 2_000, 4_000]) {
      latest().die("SIGKILL");
      vi.advanceTimersByTime(pause);
    }
    latest().listen();
    vi.advanceTimersByTime(60_000);

    latest().die("SIGSEGV");

    expect(logs.at(-1)).toBe(
      "the Functions host (pid 4242) was killed by SIGSEGV after 60 s up; starting it again in 1 s (crash 1 in a row; the emulators keep running)",
    );
  });

  it("when the first host ends before it ever listened, then the start-up failure is reported and no host follows", () => {
    const { hosts, startFailures, latest } = supervise();

    latest().die(null, 1);
    vi.advanceTimersByTime(60_000);

    expect(startFailures).toEqual([1]);
    expect(hosts).toHaveLength(1);
  });

  it("when stopped while the host runs, then it gets SIGTERM, the stop ends with its exit and no host follows", async () => {
    const { hosts, supervised, latest } = supervise();
    latest().listen();

    const stopped = supervised.stop();
    latest().die("SIGTERM");
    await stopped;
    vi.advanceTimersByTime(60_000);

    expect(latest().signals).toEqual(["SIGTERM"]);
    expect(hosts).toHaveLength(1);
  });

  it("when stopped while a restart is pending, then no host is started", async () => {
    const { hosts, supervised, latest } = supervise();
    latest().listen();
    latest().die("SIGKILL");

    await supervised.stop();
    vi.advanceTimersByTime(60_000);

    expect(hosts).toHaveLength(1);
  });

  it("when the host has loaded the app before the emulators are up, then it is told to listen only once they are", async () => {
    let emulatorsUp: () => void = () => undefined;
    const { logs, latest } = supervise(new Promise<void>((resolve) => (emulatorsUp = resolve)));

    latest().askForDependencies();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(latest().sent).toEqual([]);
    emulatorsUp();
    await vi.advanceTimersByTimeAsync(0);

    expect(latest().sent).toEqual([{ type: "dependencies-ready" }]);
    expect(logs).toContain("Functions host (pid 4242) loaded the app");
  });

  it("when a restarted host asks after the emulators are up, then it is told at once", async () => {
    const { hosts, latest } = supervise(Promise.resolve());
    latest().askForDependencies();
    latest().listen();
    latest().die("SIGKILL");
    vi.advanceTimersByTime(1_000);

    latest().askForDependencies();
    await vi.advanceTimersByTimeAsync(0);

    expect(hosts).toHaveLength(2);
    expect(latest().sent).toEqual([{ type: "dependencies-ready" }]);
  });

  it("when the emulators fail to start, then the waiting host is told nothing", async () => {
    const { latest } = supervise(Promise.reject(new Error("port in use")));

    latest().askForDependencies();
    await vi.advanceTimersByTimeAsync(1_000);

    expect(latest().sent).toEqual([]);
  });
});
