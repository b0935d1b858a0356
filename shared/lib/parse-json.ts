// JSON from outside (an answer body, a stored document) read without throwing: undefined when it
// is not JSON at all, so the caller's schema says what is wrong with it.
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
