// Disruptions `npm start` performs when a harness that started it asks over its IPC channel (the
// chaos soak): restart Azurite, drop the Service Bus emulator's connections. A terminal's
// `npm start` has no IPC channel, so nothing listens and nothing changes for it.
import { z } from "zod";

export const ControlRequest = z.object({
  type: z.enum(["restart-azurite", "drop-service-bus-connections"]),
  id: z.number().int(),
});
export type ControlRequest = z.infer<typeof ControlRequest>;

/** The answer to a request with the same id: done, or why not. */
export const ControlReply = z.object({
  type: z.literal("control-reply"),
  id: z.number().int(),
  ok: z.boolean(),
  error: z.string().optional(),
});
export type ControlReply = z.infer<typeof ControlReply>;

export interface ControlActions {
  restartAzurite(): Promise<void>;
  dropServiceBusConnections(): void;
  log(message: string): void;
}

/** Carries out one request and answers what came of it; never throws. */
export async function carryOut(request: ControlRequest, actions: ControlActions): Promise<ControlReply> {
  try {
    if (request.type === "restart-azurite") await actions.restartAzurite();
    else actions.dropServiceBusConnections();
    return { type: "control-reply", id: request.id, ok: true };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    actions.log(`${request.type} refused: ${reason}`);
    return { type: "control-reply", id: request.id, ok: false, error: reason };
  }
}

/** Listens on this process's IPC channel when it has one; other messages are ignored. */
export function listenForControl(actions: ControlActions, channel: NodeJS.Process = process): void {
  if (channel.send === undefined) return;
  channel.on("message", (message: unknown) => {
    const request = ControlRequest.safeParse(message);
    if (!request.success) return;
    void carryOut(request.data, actions).then((reply) => channel.send?.(reply));
  });
  // The channel must not keep `npm start` alive by itself, nor end it when the harness goes.
  channel.channel?.unref();
}
