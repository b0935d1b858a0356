// The `npm start` stack as the chaos soak runs it: the built launcher (what `npm start` runs after
// its build) in a child process with an IPC channel for the disruptions it performs itself
// (local/control.ts), on free ports, with a data folder so Azurite can be restarted.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { ControlReply, type ControlRequest } from "../../local/control.js";
import { inheritedEnvironment, REPO_ROOT } from "../kit/index.js";

const STARTUP_TIMEOUT_MS = 120_000;

/** Settings that would point the stack at real resources or change what the soak measures. */
const OWN_SETTINGS = [
  "EscalationsStorage",
  "ServiceBusConnection",
  "ESCALATIONS_QUEUE_NAME",
  "METRICS_DELIVERY_QUEUE_NAME",
  "EVENT_DELIVERY_QUEUE_NAME",
  "PARTNER_CENTER_",
  "ESCALATION_",
  "FORWARD_RETRY_",
] as const;

export interface SoakStack {
  /** The Functions host's URL, the same after a restart. */
  readonly url: string;
  readonly sandboxUrl: string;
  /** The pid of the Functions host running now, from the launcher's log. */
  hostPid(): number | undefined;
  /** How many times the launcher started a Functions host. */
  hostStarts(): number;
  control(type: ControlRequest["type"]): Promise<void>;
  /** The launcher's last lines, for a failure report. */
  tail(lines: number): string;
  stop(): Promise<void>;
}

export async function launchSoakStack(
  dataDir: string,
  logPath: string,
  settings: Record<string, string>,
): Promise<SoakStack> {
  const { env: environment } = inheritedEnvironment(OWN_SETTINGS);
  const ports = ["--port", "0", "--service-bus-port", "0", "--storage-port", "0", "--sandbox-port", "0"];
  const child: ChildProcess = spawn(
    process.execPath,
    [join(REPO_ROOT, "dist", "local", "start.js"), "--data-dir", dataDir, ...ports],
    {
      cwd: REPO_ROOT,
      env: { ...environment, ...settings },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Its own process group: whatever is left of it can be killed at once if it will not stop.
      detached: true,
    },
  );
  const log = createWriteStream(logPath);
  let output = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    log.write(text);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stopWithGroup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      }, 60_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
  };

  const listening = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not listen within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output}`)),
      STARTUP_TIMEOUT_MS,
    );
    const check = () => {
      const url = /Host listening on (\S+)/.exec(output)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      resolve(url);
    };
    child.stdout?.on("data", check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`npm start exited before it listened:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stopWithGroup();
    throw error;
  });
  const sandboxUrl = /Partner Center \(21Vianet\) sandbox on (\S+)/.exec(output)?.[1];
  if (sandboxUrl === undefined) {
    await stopWithGroup();
    throw new Error(`npm start did not start the 21Vianet sandbox (settings point elsewhere?):\n${output}`);
  }

  let nextId = 1;
  const pending = new Map<number, (reply: ControlReply) => void>();
  child.on("message", (message: unknown) => {
    const reply = ControlReply.safeParse(message);
    if (!reply.success) return;
    pending.get(reply.data.id)?.(reply.data);
    pending.delete(reply.data.id);
  });
  const hostPids = () => [...output.matchAll(/Functions host started \(pid (\d+)\)/g)].map((match) => Number(match[1]));

  return {
    url: listening,
    sandboxUrl,
    hostPid: () => hostPids().at(-1),
    hostStarts: () => hostPids().length,
    control: async (type) => {
      const id = nextId++;
      const reply = await new Promise<ControlReply>((resolve) => {
        pending.set(id, resolve);
        child.send({ type, id } satisfies ControlRequest);
      });
      if (!reply.ok) throw new Error(`${type} failed: ${reply.error ?? "no reason given"}`);
    },
    tail: (lines) => output.split("\n").slice(-lines).join("\n"),
    stop: stopWithGroup,
  };
}
