// `npm start`'s launcher (dist/local/start.js) as a whole: the emulators and the host start
// together, the host listens only once the emulators are up, Ctrl-C stops every process, and a
// part that cannot start stops the others with a message that says which and why.
import { spawn } from "node:child_process";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const START_JS = fileURLToPath(new URL("../../../dist/local/start.js", import.meta.url));
const FREE_PORTS = ["--port", "0", "--service-bus-port", "0", "--storage-port", "0", "--sandbox-port", "0"];
/** Settings that would make the launcher use real resources instead of its own emulators. */
const REAL_RESOURCE_SETTINGS =
  /^(EscalationsStorage|ServiceBusConnection|PARTNER_CENTER_API_URL|PARTNER_CENTER_AUTHORITY)/;

interface Launch {
  output(): string;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
  signal(signal: NodeJS.Signals): void;
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function launch(args: readonly string[]): Launch {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !REAL_RESOURCE_SETTINGS.test(name)));
  const child = spawn(process.execPath, [START_JS, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once("close", (code, signal) => resolve(code ?? signal ?? "?")),
  );
  // Whatever of its group is left after a failed assertion.
  cleanups.push(() => {
    if (child.pid !== undefined && isAlive(-child.pid)) process.kill(-child.pid, "SIGKILL");
  });
  return {
    output: () => output,
    exited,
    signal: (signal) => child.kill(signal),
    waitFor: async (pattern) => {
      await expect.poll(() => pattern.test(output), { timeout: 45_000, interval: 50 }).toBe(true);
      const match = pattern.exec(output);
      if (match === null) throw new Error(`no ${String(pattern)} in:\n${output}`);
      return match;
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function occupiedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => server.close());
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("npm start's launcher", () => {
  it("when started, then the host listens after every emulator is up, health answers 200, and Ctrl-C stops every process", async () => {
    const started = launch(["--in-memory", ...FREE_PORTS]);
    const [, url] = await started.waitFor(/Host listening on (http:\/\/\S+)/);
    const output = started.output();
    const hostPid = Number(/Functions host started \(pid (\d+)\)/.exec(output)?.[1]);
    const storagePort = Number(/Azurite Table service on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);

    const health = await fetch(`${url}/api/health`);
    started.signal("SIGINT");
    const exit = await started.exited;

    expect(health.status).toBe(200);
    expect(output.indexOf("[start] data: in memory")).toBeLessThan(output.indexOf("Host listening on"));
    expect(exit).toBe(0);
    expect(started.output()).toContain("[start] stopped");
    expect(isAlive(hostPid)).toBe(false);
    expect(await accepts(storagePort)).toBe(false);
  });

  it("when a port is already taken, then it names the port and its flag and starts nothing", async () => {
    const port = await occupiedPort();

    const started = launch(["--in-memory", ...FREE_PORTS, "--storage-port", String(port)]);
    const exit = await started.exited;

    expect(exit).toBe(1);
    expect(started.output()).toContain(`port ${port} (Azurite, --storage-port) is already in use`);
    expect(started.output()).not.toContain("Functions host started");
  });

  it("when emulators fail after the host and the sandbox started, then it says which and why and stops the others", async () => {
    const notAFolder = join(mkdtempSync(join(tmpdir(), "start-test-")), "data");
    writeFileSync(notAFolder, "a file where the data folder should be");
    cleanups.push(() => rmSync(notAFolder, { force: true }));

    const started = launch(["--data-dir", notAFolder, ...FREE_PORTS]);
    const exit = await started.exited;
    const output = started.output();
    const hostPid = Number(/Functions host started \(pid (\d+)\)/.exec(output)?.[1]);
    const sandboxPort = Number(/sandbox on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);

    expect(exit).toBe(1);
    expect(output).toMatch(/Azurite could not start: .*ENOTDIR/s);
    expect(output).toMatch(/the Service Bus emulator could not start: .*ENOTDIR/);
    expect(output).toContain("stopping the Functions host and the emulators that started");
    expect(output).not.toContain("Host listening on");
    expect(isAlive(hostPid)).toBe(false);
    expect(await accepts(sandboxPort)).toBe(false);
  });
});
