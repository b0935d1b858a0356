// The disruptions the soak performs while it submits, each once its share of the submissions is
// accepted, and the gate that holds submissions back while one needs no submission in flight.
import { setTimeout as sleep } from "node:timers/promises";
import { post } from "./app-client.js";
import type { SoakOptions } from "./settings.js";
import type { SoakStack } from "./stack.js";

/** Lets submissions through, or holds new ones back and says when none is in flight any more. */
export class IntakeGate {
  private inFlight = 0;
  private reopened: Promise<void> | undefined;

  async enter(): Promise<void> {
    while (this.reopened !== undefined) await this.reopened;
    this.inFlight += 1;
  }

  leave(): void {
    this.inFlight -= 1;
  }

  /** Runs `work` while no submission is in flight, then lets them through again. */
  async whileQuiet(work: () => Promise<void>): Promise<void> {
    let reopen: () => void = () => undefined;
    this.reopened = new Promise<void>((resolve) => (reopen = resolve));
    try {
      while (this.inFlight > 0) await sleep(10);
      await work();
    } finally {
      this.reopened = undefined;
      reopen();
    }
  }
}

export interface Disruption {
  readonly name: string;
  /** Share of the submissions after which it happens. */
  readonly after: number;
  run(stack: SoakStack, intake: IntakeGate, options: SoakOptions): Promise<void>;
}

export const DISRUPTIONS: readonly Disruption[] = [
  {
    name: "access tokens revoked",
    after: 0.1,
    run: async (stack) => {
      await post(`${stack.sandboxUrl}/_sandbox/tokens/revoke`, {}, {});
    },
  },
  {
    name: "Service Bus connections dropped (1)",
    after: 0.2,
    run: (stack) => stack.control("drop-service-bus-connections"),
  },
  { name: "Azurite restarted", after: 0.4, run: (stack) => stack.control("restart-azurite") },
  {
    name: "Service Bus connections dropped (2)",
    after: 0.6,
    run: (stack) => stack.control("drop-service-bus-connections"),
  },
  {
    name: "Functions host killed (SIGKILL)",
    after: 0.8,
    run: (stack, intake, options) =>
      options.killBetweenSubmissions ? intake.whileQuiet(() => killHost(stack)) : killHost(stack),
  },
];

async function killHost(stack: SoakStack): Promise<void> {
  const pid = stack.hostPid();
  if (pid === undefined) throw new Error("no Functions host pid in the launcher's log");
  const starts = stack.hostStarts();
  process.kill(pid, "SIGKILL");
  // Done once the supervisor has started the next host (it listens a moment later).
  while (stack.hostStarts() === starts) await sleep(100);
}
