// What `npm start` does with a disruption asked over its IPC channel: it carries it out and
// answers with the request's id, or answers why not; it never throws at the harness.
import { describe, expect, it } from "vitest";
import { carryOut, ControlRequest, type ControlActions } from "../../../local/control.js";

function recordingActions(
  overrides: Partial<ControlActions> = {},
): ControlActions & { done: string[]; logged: string[] } {
  const done: string[] = [];
  const logged: string[] = [];
  return {
    done,
    logged,
    restartAzurite: () => {
      done.push("restart-azurite");
      return Promise.resolve();
    },
    dropServiceBusConnections: () => {
      done.push("drop-service-bus-connections");
    },
    log: (message) => logged.push(message),
    ...overrides,
  };
}

describe("npm start's IPC control", () => {
  it("when asked to restart Azurite, then it does and answers ok with the request's id", async () => {
    const actions = recordingActions();

    const reply = await carryOut({ type: "restart-azurite", id: 4 }, actions);

    expect(reply).toEqual({ type: "control-reply", id: 4, ok: true });
    expect(actions.done).toEqual(["restart-azurite"]);
  });

  it("when asked to drop the Service Bus connections, then it does and answers ok", async () => {
    const actions = recordingActions();

    expect(await carryOut({ type: "drop-service-bus-connections", id: 5 }, actions)).toMatchObject({ id: 5, ok: true });
    expect(actions.done).toEqual(["drop-service-bus-connections"]);
  });

  it("when the disruption cannot be done, then the answer and the log say why", async () => {
    const actions = recordingActions({
      restartAzurite: () => Promise.reject(new Error("Azurite keeps its tables in memory")),
    });

    const reply = await carryOut({ type: "restart-azurite", id: 6 }, actions);

    expect(reply).toEqual({ type: "control-reply", id: 6, ok: false, error: "Azurite keeps its tables in memory" });
    expect(actions.logged).toEqual(["restart-azurite refused: Azurite keeps its tables in memory"]);
  });

  it("when a message is not a control request, then it is not taken for one", () => {
    expect(ControlRequest.safeParse({ type: "listening", url: "http://127.0.0.1:7071" }).success).toBe(false);
    expect(ControlRequest.safeParse({ type: "restart-azurite" }).success).toBe(false);
  });
});
