// PartitionKey/RowKey values built from arbitrary text: every string has exactly one legal, readable
// key and comes back from it unchanged, and a key that would be too long is refused, never cut.
import { BridgeError } from "../../lib/errors.js";

/**
 * Longest key we write, in characters. The documented limit is "1 KiB"; Azurite refuses keys over
 * 512 UTF-16 code units, which is 1 KiB in Table Storage's own UTF-16 measure. Keys from this
 * module are ASCII, so 512 characters is also 512 UTF-8 bytes and 1024 UTF-16 bytes: safe under
 * every reading of the limit.
 */
export const MAX_KEY_LENGTH = 512;

/** Joins encoded components. Never part of one, and sorts below every character that is. */
export const KEY_SEPARATOR = "!";

const ESCAPE = "~";
const ESCAPE_CODE_UNIT = 0x7e;
const ESCAPED_WIDTH = 5;
const ESCAPE_DIGITS = /^[0-9A-F]{4}$/;

/** Thrown when a key was not made by this module: a bug or damaged data, never user input. */
export class MalformedKeyError extends BridgeError {
  override readonly name = "MalformedKeyError";

  constructor(message: string) {
    super("invalid-stored-data", message);
  }
}

export type TableKeyResult =
  { ok: true; key: string } | { ok: false; error: "key-too-long"; length: number; maxLength: number };

/** A-Z, a-z, 0-9, "-", "_" and ".": kept as they are so keys stay readable in Storage Explorer. */
function isReadable(codeUnit: number): boolean {
  return (
    (codeUnit >= 0x30 && codeUnit <= 0x39) ||
    (codeUnit >= 0x41 && codeUnit <= 0x5a) ||
    (codeUnit >= 0x61 && codeUnit <= 0x7a) ||
    codeUnit === 0x2d ||
    codeUnit === 0x2e ||
    codeUnit === 0x5f
  );
}

/**
 * One key component from any string. Readable characters stay; every other UTF-16 code unit
 * becomes "~" and four upper-case hex digits: "a@b" → "a~0040b", "~" → "~007E", "😀" →
 * "~D83D~DE00". Working on code units rather than code points makes lone surrogates round-trip
 * like everything else. The result is printable ASCII without / \ # ? or "!", so it is always
 * legal in a key and can be joined.
 *
 * Order: strings of readable characters keep their order, and escaped code units keep code-unit
 * order among themselves, but every escaped character sorts after every readable one.
 */
export function encodeKeyComponent(text: string): string {
  let key = "";
  for (let index = 0; index < text.length; index++) {
    const codeUnit = text.charCodeAt(index);
    key += isReadable(codeUnit) ? text.charAt(index) : ESCAPE + hex(codeUnit);
  }
  return key;
}

/** The string a component was encoded from. Accepts only what `encodeKeyComponent` produces. */
export function decodeKeyComponent(key: string): string {
  let text = "";
  let index = 0;
  while (index < key.length) {
    const codeUnit = key.charCodeAt(index);
    if (isReadable(codeUnit)) {
      text += key.charAt(index);
      index += 1;
      continue;
    }
    if (codeUnit !== ESCAPE_CODE_UNIT) {
      throw new MalformedKeyError(
        `unexpected character U+${hex(codeUnit)} at ${index} in key component ${JSON.stringify(key)}`,
      );
    }
    const digits = key.slice(index + 1, index + ESCAPED_WIDTH);
    if (!ESCAPE_DIGITS.test(digits)) {
      throw new MalformedKeyError(
        `"~" at ${index} is not followed by four upper-case hex digits in key component ${JSON.stringify(key)}`,
      );
    }
    const escaped = Number.parseInt(digits, 16);
    if (isReadable(escaped)) {
      // Accepting "~0041" for "A" would give one string two keys.
      throw new MalformedKeyError(`readable character escaped at ${index} in key component ${JSON.stringify(key)}`);
    }
    text += String.fromCharCode(escaped);
    index += ESCAPED_WIDTH;
  }
  return text;
}

/**
 * Encodes each component and joins them with "!". Because "!" sorts below every encoded
 * character, joined keys sort like tuples: by the first component, then the second, and so on.
 * Does not check the length: use `toTableKey` for keys that are written.
 */
export function joinKey(first: string, ...rest: string[]): string {
  return [first, ...rest].map(encodeKeyComponent).join(KEY_SEPARATOR);
}

/**
 * The first key after every key that starts with the joined components and "!": '"' is the
 * character after "!", so `key gt joinKey(...)` and `key lt afterKeysOf(...)` bound exactly the
 * keys made of these components and more.
 */
export function afterKeysOf(first: string, ...rest: string[]): string {
  return `${joinKey(first, ...rest)}"`;
}

/** The components `joinKey` (or `toTableKey`) was given. */
export function splitKey(key: string): [string, ...string[]] {
  const [first = "", ...rest] = key.split(KEY_SEPARATOR);
  return [decodeKeyComponent(first), ...rest.map(decodeKeyComponent)];
}

/** `joinKey`, refused when the key would be longer than Table Storage accepts. */
export function toTableKey(first: string, ...rest: string[]): TableKeyResult {
  const key = joinKey(first, ...rest);
  return key.length <= MAX_KEY_LENGTH
    ? { ok: true, key }
    : { ok: false, error: "key-too-long", length: key.length, maxLength: MAX_KEY_LENGTH };
}

/** ECMAScript dates span ±8.64e15 ms around 1970; offsetting by it makes every time value non-negative. */
const TIME_VALUE_LIMIT = 8_640_000_000_000_000n;
/** Digits of 2 × 8.64e15, the largest offset value. */
const TIMESTAMP_DIGITS = 17;

function timeValueOf(date: Date): bigint {
  const milliseconds = date.getTime();
  if (Number.isNaN(milliseconds)) throw new RangeError("cannot make a key from an invalid Date");
  return BigInt(milliseconds);
}

/** 17 digits that sort oldest-first, for every valid Date. Digits only, so `encodeKeyComponent` keeps it. */
export function timestampKey(date: Date): string {
  return (TIME_VALUE_LIMIT + timeValueOf(date)).toString().padStart(TIMESTAMP_DIGITS, "0");
}

/** 17 digits that sort newest-first, for every valid Date: a RowKey prefix for "latest first" lists. */
export function invertedTimestamp(date: Date): string {
  return (TIME_VALUE_LIMIT - timeValueOf(date)).toString().padStart(TIMESTAMP_DIGITS, "0");
}

function hex(codeUnit: number): string {
  return codeUnit.toString(16).toUpperCase().padStart(4, "0");
}
