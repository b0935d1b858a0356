// Service Bus queue triggers, received with the real @azure/service-bus SDK in peek-lock the way
// the Functions Service Bus extension does: host.json `extensions.serviceBus` options, complete
// on success and abandon on failure (so MaxDeliveryCount and the dead-letter queue apply).
import { ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusReceiver } from "@azure/service-bus";
import { AppConfigError, resolveSettingExpression, type HostConfig } from "./app-config.js";
import type { RpcTypedData } from "./core-types.js";
import { InvocationError, invoke } from "./invoke.js";
import type { HostLogger } from "./logger.js";
import type { FunctionRegistry, RegisteredFunction } from "./registry.js";

export interface ServiceBusTriggerTarget {
  fn: RegisteredFunction;
  queueName: string;
  connectionString: string;
}

/** Resolves `connection` and `%SETTING%` queue names from app settings; every problem is thrown. */
export function resolveServiceBusTrigger(
  fn: RegisteredFunction,
  settings: Record<string, string>,
): ServiceBusTriggerTarget {
  const trigger = fn.trigger;
  if (typeof trigger.topicName === "string")
    throw new AppConfigError(`${fn.name}: topic triggers are not supported by the local host`);
  if (typeof trigger.queueName !== "string" || trigger.queueName === "")
    throw new AppConfigError(`${fn.name}: serviceBusTrigger needs a queueName`);
  const queueName = resolveSettingExpression(trigger.queueName, settings, fn.name);
  const connectionName =
    typeof trigger.connection === "string" && trigger.connection !== "" ? trigger.connection : "AzureWebJobsServiceBus";
  const connectionString = settings[connectionName];
  if (connectionString === undefined) {
    const identityBased = settings[`${connectionName}__fullyQualifiedNamespace`];
    if (identityBased !== undefined) {
      throw new AppConfigError(
        `${fn.name}: '${connectionName}__fullyQualifiedNamespace' (managed identity) works in Azure; locally set '${connectionName}' to a connection string`,
      );
    }
    throw new AppConfigError(`${fn.name}: app setting '${connectionName}' (the trigger's connection) is not set`);
  }
  return { fn, queueName, connectionString };
}

function json(value: unknown): RpcTypedData {
  return { json: JSON.stringify(value) };
}

/**
 * The message body as the host hands it to the Node worker: text (JSON is parsed by the library).
 * The receiver leaves data bodies as bytes, so a JSON body is parsed once, by the library, as in
 * Azure; an AMQP value body arrives decoded and is passed as JSON.
 */
export function toTriggerInput(body: unknown): RpcTypedData {
  if (Buffer.isBuffer(body)) return { string: body.toString("utf8") };
  if (typeof body === "string") return { string: body };
  if (body === undefined || body === null) return { string: "" };
  return json(body);
}

/** Trigger metadata under the names the host uses (PascalCase; the library camel-cases them). */
export function toTriggerMetadata(message: ServiceBusReceivedMessage): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {
    MessageId: json(message.messageId ?? null),
    // The .NET SDK behind the host counts deliveries from 1; the AMQP header counts from 0.
    DeliveryCount: json((message.deliveryCount ?? 0) + 1),
    SequenceNumber: json(message.sequenceNumber?.toNumber() ?? null),
    EnqueuedTimeUtc: json(message.enqueuedTimeUtc?.toISOString() ?? null),
    ExpiresAtUtc: json(message.expiresAtUtc?.toISOString() ?? null),
    LockedUntilUtc: json(message.lockedUntilUtc?.toISOString() ?? null),
    LockToken: json(message.lockToken ?? null),
    ApplicationProperties: json(message.applicationProperties ?? {}),
    UserProperties: json(message.applicationProperties ?? {}),
  };
  const optional: Record<string, unknown> = {
    CorrelationId: message.correlationId,
    ContentType: message.contentType,
    Subject: message.subject,
    Label: message.subject,
    To: message.to,
    ReplyTo: message.replyTo,
    SessionId: message.sessionId,
    DeadLetterSource: message.deadLetterSource,
    DeadLetterReason: message.deadLetterReason,
    DeadLetterErrorDescription: message.deadLetterErrorDescription,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) metadata[key] = json(value);
  return metadata;
}

export interface ServiceBusListenerOptions {
  target: ServiceBusTriggerTarget;
  client: ServiceBusClient;
  options: HostConfig["serviceBus"];
  registry: FunctionRegistry;
  logger: HostLogger;
  track<T>(work: Promise<T>): Promise<T>;
}

export class ServiceBusListener {
  readonly #options: ServiceBusListenerOptions;
  readonly #receiver: ServiceBusReceiver;
  #subscription: { close(): Promise<void> } | undefined;

  constructor(options: ServiceBusListenerOptions) {
    this.#options = options;
    this.#receiver = options.client.createReceiver(options.target.queueName, {
      receiveMode: "peekLock",
      maxAutoLockRenewalDurationInMs: options.options.maxAutoLockRenewalDurationMs,
      // The host hands the worker the body's text, which the library parses: the SDK's own
      // JSON.parse, and the JSON.stringify that turned its result back into text, were wasted.
      skipParsingBodyAsJson: true,
    });
  }

  start(): void {
    const { logger, target, options } = this.#options;
    this.#subscription = this.#receiver.subscribe(
      {
        processMessage: (message) => this.#options.track(this.#handle(message)),
        processError: async (args) => {
          logger.log(
            "warning",
            `Function.${target.fn.name}`,
            `Service Bus receiver for '${target.queueName}' reported ${args.error.name}: ${args.error.message}`,
          );
          return Promise.resolve();
        },
      },
      // The host settles messages itself, after the function ran.
      { maxConcurrentCalls: options.maxConcurrentCalls, autoCompleteMessages: false },
    );
  }

  async #handle(message: ServiceBusReceivedMessage): Promise<void> {
    const { fn } = this.#options.target;
    let failed = false;
    try {
      await invoke({
        registry: this.#options.registry,
        logger: this.#options.logger,
        fn,
        reason: `New ServiceBus message detected on '${this.#options.target.queueName}'.`,
        request: {
          inputData: [{ name: fn.trigger.name, data: toTriggerInput(message.body) }],
          triggerMetadata: toTriggerMetadata(message),
        },
      });
    } catch (error) {
      if (!(error instanceof InvocationError)) throw error;
      failed = true;
    }
    if (!this.#options.options.autoCompleteMessages) return;
    try {
      if (failed) await this.#receiver.abandonMessage(message);
      else await this.#receiver.completeMessage(message);
    } catch (error) {
      // A lost lock means Service Bus redelivers the message; nothing else to do here.
      this.#options.logger.log(
        "warning",
        `Function.${fn.name}`,
        `Could not ${failed ? "abandon" : "complete"} message ${String(message.messageId ?? "")}: ${(error as Error).message}`,
      );
    }
  }

  /** Stops taking messages; in-flight ones are finished by the caller before close(). */
  async stopReceiving(): Promise<void> {
    await this.#subscription?.close();
  }

  async close(): Promise<void> {
    await this.#receiver.close();
  }
}
