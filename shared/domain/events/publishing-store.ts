// The immediate fan-out after a change that recorded events. A failure there is reported, never
// thrown: the change stands, and its outbox row lets the dispatch sweep publish the events later.

export function publishingQuietly<Rest extends unknown[]>(
  publish: (escalationId: string, ...rest: Rest) => Promise<unknown>,
  onPublishFailure: (escalationId: string, error: unknown) => void,
): (escalationId: string, ...rest: Rest) => Promise<void> {
  return async (escalationId, ...rest) => {
    try {
      await publish(escalationId, ...rest);
    } catch (error) {
      onPublishFailure(escalationId, error);
    }
  };
}
