// What no SDK sends: exact AMQP types on the wire, and bad input of every kind. The broker
// answers each with the AMQP error Service Bus gives, and other clients keep working.
import { connect, type Socket } from "node:net";
import rhea from "rhea";
import type { EventContext } from "rhea";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage } from "../../../../local/service-bus/message-codec.js";
import { installRawMessageHook, rawBytesOf } from "../../../../local/service-bus/rhea-internals.js";
import { createClient, emulatorConnectionString, purge, receiveAtLeast } from "./helpers.js";
import { parseConnectionString, RawAmqpClient } from "./raw-amqp-client.js";

const QUEUE = "bad-input";
const types = rhea.types;

function socketClosed(socket: Socket, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on("error", () => undefined);
    socket.resume();
  });
}

async function rawSocket(): Promise<Socket> {
  const { host, port } = parseConnectionString(emulatorConnectionString());
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

describe("Service Bus emulator: raw AMQP clients", () => {
  const client = createClient();
  let raw: RawAmqpClient;

  async function expectSdkStillWorks(): Promise<void> {
    await client.createSender(QUEUE).sendMessages({ body: "still fine" });
    const [message] = await receiveAtLeast(client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }), 1);
    expect(message?.body).toBe("still fine");
  }

  beforeAll(async () => {
    installRawMessageHook();
    await purge(client, QUEUE);
    raw = await RawAmqpClient.connect(emulatorConnectionString());
    expect(await raw.authorize(QUEUE)).toBe(202);
  });
  afterAll(async () => {
    raw.close();
    await client.close();
  });

  it("when properties carry exact AMQP types, then the receiver gets the sender's bytes unchanged", async () => {
    const sent = {
      message_id: types.wrap_ulong(Buffer.from("0020000000000001", "hex")) as unknown, // a ulong beyond 2^53
      correlation_id: types.wrap_uuid(Buffer.from("00112233445566778899aabbccddeeff", "hex")),
      subject: "typed",
      content_type: "application/octet-stream",
      application_properties: {
        int: types.wrap_int(42),
        short: types.wrap_short(-3),
        float: types.wrap_float(1.5),
        long: types.wrap_long(Buffer.from("7fffffffffffffff", "hex")),
        uuid: types.wrap_uuid(Buffer.alloc(16, 0xab)),
        symbol: types.wrap_symbol("sym"),
        stamp: types.wrap_timestamp(1_700_000_000_000),
      },
      body: rhea.message.data_section(Buffer.from([1, 2, 3, 250])) as unknown,
    };
    const encoded = rhea.message.encode(sent);
    const expected = decodeMessage(encoded);
    const sender = await raw.openSender(QUEUE);
    expect((await raw.send(sender, encoded, 0)).outcome).toBe("accepted");

    expect(await raw.authorize(QUEUE)).toBe(202);
    const receiver = raw.openReceiver(QUEUE, 1);
    const delivered = await new Promise<Buffer | undefined>((resolve) =>
      receiver.once("message", (context: EventContext) => resolve(rawBytesOf(context.message))),
    );
    if (delivered === undefined) throw new Error("no raw bytes");
    const received = decodeMessage(delivered);
    expect(received.properties?.equals(expected.properties ?? Buffer.alloc(1))).toBe(true);
    expect(received.applicationProperties?.equals(expected.applicationProperties ?? Buffer.alloc(1))).toBe(true);
    expect(received.body.equals(expected.body)).toBe(true);
    receiver.close();
  });

  it("when a transfer exceeds max-message-size, then it is rejected with message-size-exceeded and the link goes on", async () => {
    const sender = await raw.openSender(QUEUE);
    const result = await raw.send(sender, { body: Buffer.alloc(300 * 1024) });
    expect(result.outcome).toBe("rejected");
    expect(result.error?.condition).toBe("amqp:link:message-size-exceeded");
    expect((await raw.send(sender, { body: "small" })).outcome).toBe("accepted");
    await purge(client, QUEUE);
  });

  it("when a transfer is not a decodable AMQP message, then it is rejected with decode-error", async () => {
    const sender = await raw.openSender(QUEUE);
    const result = await raw.send(sender, Buffer.from([0x00, 0x53, 0x77, 0xa1, 0xff, 0x41]), 0);
    expect(result.outcome).toBe("rejected");
    expect(result.error?.condition).toBe("amqp:decode-error");
    const batch = await raw.send(sender, Buffer.from([0x00, 0x53, 0x75, 0xa0, 0x03, 0x01, 0x02, 0x03]), 0x80013700);
    expect(batch.outcome).toBe("rejected");
    expect(batch.error?.condition).toBe("amqp:decode-error");
    await expectSdkStillWorks();
  });

  it("when a link attaches to an unknown queue, then it is detached with not-found 'could not be found'", async () => {
    const error = await raw.attachError("no-such-queue", "sender");
    expect(error?.condition).toBe("amqp:not-found");
    expect(error?.description).toContain("could not be found");
  });

  it("when a link attaches to a topic subscription, then it is refused as not implemented", async () => {
    const error = await raw.attachError("orders/Subscriptions/audit", "receiver");
    expect(error?.condition).toBe("amqp:not-implemented");
  });

  it("when a link attaches without a CBS token for its queue, then it is refused as unauthorized", async () => {
    const other = await RawAmqpClient.connect(emulatorConnectionString());
    const error = await other.attachError(QUEUE, "receiver");
    expect(error?.condition).toBe("amqp:unauthorized-access");
    other.close();
  });

  it("when a client sends garbage instead of a protocol header, then only its connection is closed", async () => {
    const socket = await rawSocket();
    socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    expect(await socketClosed(socket)).toBe(true);
    await expectSdkStillWorks();
  });

  it("when a frame declares an impossible size, then the connection is closed as a framing error", async () => {
    const socket = await rawSocket();
    socket.write(Buffer.concat([Buffer.from("AMQP\x03\x01\x00\x00", "latin1"), Buffer.from([0, 0, 0, 2, 2, 1, 0, 0])]));
    expect(await socketClosed(socket)).toBe(true);
    await expectSdkStillWorks();
  });

  it("when a well-sized frame holds garbage, then the connection is closed and the broker goes on", async () => {
    const socket = await rawSocket();
    const garbage = Buffer.alloc(64, 0xee);
    garbage.writeUInt32BE(64, 0);
    socket.write(Buffer.concat([Buffer.from("AMQP\x03\x01\x00\x00", "latin1"), garbage]));
    expect(await socketClosed(socket)).toBe(true);
    await expectSdkStillWorks();
  });

  it("when a client disconnects in the middle of a frame, then the broker goes on", async () => {
    const socket = await rawSocket();
    socket.write(Buffer.from("AMQP\x03\x01\x00\x00\x00\x00\x01\x00\x02", "latin1"));
    socket.destroy();
    await expectSdkStillWorks();
  });
});
