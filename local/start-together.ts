// Starts `npm start`'s local stand-ins at the same time and, when one cannot start, closes those
// that did before reporting every failure, so a failed start leaves nothing running.

export interface Closable {
  close(): Promise<void>;
}

/** A part that is not needed (settings point at the real resource) is `undefined`. */
type Starts = Record<string, Promise<Closable | undefined>>;

export class StartFailedError extends Error {
  override readonly name = "StartFailedError";

  constructor(readonly failures: readonly { part: string; error: unknown }[]) {
    super(
      failures
        .map(({ part, error }) => `${part} could not start: ${error instanceof Error ? error.message : String(error)}`)
        .join("\n"),
    );
  }
}

/**
 * Waits for every start to settle. All started: their running handles by name. One or more
 * failed: the others are closed, then a {@link StartFailedError} names each failure by its part.
 */
export async function startTogether<T extends Starts>(starts: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const parts = Object.keys(starts);
  const settled = await Promise.allSettled(Object.values(starts));
  const failures = settled.flatMap((outcome, index) => {
    if (outcome.status === "fulfilled") return [];
    const error: unknown = outcome.reason;
    return [{ part: parts[index] ?? "?", error }];
  });
  if (failures.length === 0)
    return Object.fromEntries(
      settled.map((outcome, index) => [parts[index], outcome.status === "fulfilled" ? outcome.value : undefined]),
    ) as { [K in keyof T]: Awaited<T[K]> };
  await Promise.all(
    settled.map(async (outcome) => {
      if (outcome.status === "fulfilled") await outcome.value?.close().catch(() => undefined);
    }),
  );
  throw new StartFailedError(failures);
}
