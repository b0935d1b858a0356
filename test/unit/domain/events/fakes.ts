// In-memory fake of the subscription store, for unit tests.
import type { Subscription, SubscriptionStore } from "../../../../shared/domain/events/subscription.js";

export class InMemorySubscriptionStore implements SubscriptionStore {
  readonly subscriptions = new Map<string, Subscription>();

  create(subscription: Subscription): Promise<void> {
    if (this.subscriptions.has(subscription.id)) return Promise.reject(new Error(`${subscription.id} exists`));
    this.subscriptions.set(subscription.id, structuredClone(subscription));
    return Promise.resolve();
  }

  get(id: string): Promise<Subscription | undefined> {
    const subscription = this.subscriptions.get(id);
    return Promise.resolve(subscription === undefined ? undefined : structuredClone(subscription));
  }

  listByCaller(callerId: string): Promise<Subscription[]> {
    return Promise.resolve(
      [...this.subscriptions.values()]
        .filter((subscription) => subscription.callerId === callerId)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map((subscription) => structuredClone(subscription)),
    );
  }

  delete(id: string): Promise<boolean> {
    return Promise.resolve(this.subscriptions.delete(id));
  }

  all(): Promise<Subscription[]> {
    return Promise.resolve([...this.subscriptions.values()].map((subscription) => structuredClone(subscription)));
  }
}
