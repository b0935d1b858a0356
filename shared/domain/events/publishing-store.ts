// An escalation store that fans a change's events out right after the change is written: the
// immediate attempt. A failure there is reported, never thrown: the change stands, and its outbox
// row lets the dispatch sweep publish the events later.
import type { Created, EscalationStore } from "../escalations/ports.js";
import type { Escalation } from "../escalations/escalation.js";

export function withEventPublishing<Store extends EscalationStore>(
  store: Store,
  publish: (escalationId: string) => Promise<unknown>,
  onPublishFailure: (escalationId: string, error: unknown) => void,
): Store {
  const publishNow = async (escalationId: string): Promise<void> => {
    try {
      await publish(escalationId);
    } catch (error) {
      onPublishFailure(escalationId, error);
    }
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "create")
        return async (escalation: Escalation): Promise<Created> => {
          const created = await target.create(escalation);
          await publishNow(escalation.id);
          return created;
        };
      if (property === "replace")
        return async (escalation: Escalation, etag: string): ReturnType<EscalationStore["replace"]> => {
          const replaced = await target.replace(escalation, etag);
          if (replaced.ok) await publishNow(escalation.id);
          return replaced;
        };
      const value: unknown = Reflect.get(target, property, receiver);
      // Methods run on the store itself, so its private fields work through the proxy.
      return typeof value === "function" ? (value.bind(target) as unknown) : value;
    },
  });
}
