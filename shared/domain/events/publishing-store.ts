// The immediate fan-out after a change that recorded events. A failure there is reported, never
// thrown: the change stands, and its outbox row lets the dispatch sweep publish the events later.

export function publishingQuietly(
  publish: (escalationId: string) => Promise<unknown>,
  onPublishFailure: (escalationId: string, error: unknown) => void,
): (escalationId: string) => Promise<void> {
  return async (escalationId) => {
    try {
      await publish(escalationId);
    } catch (error) {
      onPublishFailure(escalationId, error);
    }
  };
}
