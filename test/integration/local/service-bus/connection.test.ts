// CBS authorization and entity resolution, as the real SDK sees them.
import { isServiceBusError } from "@azure/service-bus";
import { afterAll, describe, expect, it } from "vitest";
import { createClient, emulatorConnectionString } from "./helpers.js";

function withKey(connectionString: string, key: string): string {
  return connectionString.replace(/SharedAccessKey=[^;]*/, `SharedAccessKey=${key}`);
}

/** The SDK's error code; retryable errors (UnauthorizedAccess is one) arrive as an AggregateError of attempts. */
async function errorCodeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    const attempts = error instanceof AggregateError ? (error.errors as unknown[]) : [error];
    const codes = new Set(attempts.map((attempt) => (isServiceBusError(attempt) ? attempt.code : String(attempt))));
    return [...codes].join(",");
  }
  throw new Error("expected the action to fail");
}

describe("Service Bus emulator: connecting", () => {
  const client = createClient();
  afterAll(async () => {
    await client.close();
  });

  it("when the connection string carries the configured key, then sending succeeds", async () => {
    const sender = client.createSender("send-receive");
    await sender.sendMessages({ body: "authorized" });
    await sender.close();
    const receiver = client.createReceiver("send-receive", { receiveMode: "receiveAndDelete" });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(message?.body).toBe("authorized");
    await receiver.close();
  });

  it("when the key is wrong, then the SDK reports UnauthorizedAccess", async () => {
    const wrong = createClient(withKey(emulatorConnectionString(), "not-the-key"));
    const code = await errorCodeOf(() => wrong.createSender("send-receive").sendMessages({ body: "x" }));
    await wrong.close();
    expect(code).toBe("UnauthorizedAccess");
  });

  it("when the key name is unknown, then the SDK reports UnauthorizedAccess", async () => {
    const wrong = createClient(
      emulatorConnectionString().replace(/SharedAccessKeyName=[^;]*/, "SharedAccessKeyName=SomeoneElse"),
    );
    const code = await errorCodeOf(() =>
      wrong.createReceiver("send-receive").receiveMessages(1, { maxWaitTimeInMs: 500 }),
    );
    await wrong.close();
    expect(code).toBe("UnauthorizedAccess");
  });

  it("when the queue does not exist, then sending reports MessagingEntityNotFound", async () => {
    const code = await errorCodeOf(() => client.createSender("no-such-queue").sendMessages({ body: "x" }));
    expect(code).toBe("MessagingEntityNotFound");
  });

  it("when the queue does not exist, then receiving reports MessagingEntityNotFound", async () => {
    const code = await errorCodeOf(() =>
      client.createReceiver("no-such-queue").receiveMessages(1, { maxWaitTimeInMs: 500 }),
    );
    expect(code).toBe("MessagingEntityNotFound");
  });

  it("when the queue name differs only in case, then it is the same queue", async () => {
    const sender = client.createSender("SEND-RECEIVE");
    await sender.sendMessages({ body: "any case" });
    await sender.close();
    const receiver = client.createReceiver("Send-Receive", { receiveMode: "receiveAndDelete" });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(message?.body).toBe("any case");
    await receiver.close();
  });

  it("when a client sends to a dead-letter queue, then the attach is refused (amqp:not-allowed, GeneralError in the SDK)", async () => {
    const code = await errorCodeOf(() =>
      client.createSender("send-receive/$DeadLetterQueue").sendMessages({ body: "x" }),
    );
    expect(code).toBe("GeneralError");
  });

  it("when a client asks for a session receiver, then the emulator refuses it plainly", async () => {
    const sessions = createClient();
    const error: unknown = await sessions.acceptSession("send-receive", "session-1").then(
      () => undefined,
      (failure: unknown) => failure,
    );
    await sessions.close();
    // Depending on when the refusal lands during the SDK's session set-up, it reports the
    // refused attach as SessionCannotBeLocked or passes the emulator's NotImplemented on.
    expect(isServiceBusError(error) && ["SessionCannotBeLocked", "GeneralError"].includes(error.code)).toBe(true);
  });
});
