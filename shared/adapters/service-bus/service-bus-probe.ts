// Service Bus reachability: opening the escalations queue's send link proves the namespace
// answers, the credentials are accepted and the queue exists, without sending anything.
import type { ServiceBusSender } from "@azure/service-bus";
import type { DependencyProbe } from "../../domain/health/check-health.js";

export function makeServiceBusProbe(sender: ServiceBusSender): DependencyProbe {
  return {
    name: "serviceBus",
    async check(signal) {
      await sender.createMessageBatch({ abortSignal: signal });
    },
  };
}
