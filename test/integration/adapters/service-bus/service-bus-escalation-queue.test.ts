// The intake's queue send with the real SDK: a Service Bus that accepts the connection and never
// answers makes the send give up at its deadline, instead of the SDK's minutes of retries.
import { createServer, type Socket } from "node:net";
import { ServiceBusClient } from "@azure/service-bus";
import { afterAll, describe, expect, it } from "vitest";
import { ServiceBusEscalationQueue } from "../../../../shared/adapters/service-bus/service-bus-escalation-queue.js";

describe("ServiceBusEscalationQueue.send", () => {
  const sockets: Socket[] = [];
  // Accepts TCP connections and says nothing: the AMQP handshake never completes.
  const silent = createServer((socket) => sockets.push(socket));
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("when Service Bus never answers, then the send fails at its deadline with an abort", async () => {
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const client = new ServiceBusClient(
      `Endpoint=sb://127.0.0.1:${String(address.port)};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=key;UseDevelopmentEmulator=true`,
    );
    const queue = new ServiceBusEscalationQueue(client.createSender("escalations"), 1_000);
    try {
      const failure = await queue
        .send({ escalationId: "esc_deadline", correlationId: "00000000-0000-4000-8000-000000000000" })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).name).toMatch(/Abort/);
    } finally {
      await client.close();
    }
  });
});
