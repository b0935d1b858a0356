// Free text that may reach 21Vianet or storage: no control characters, no broken Unicode, no
// direction overrides that make a title read differently from what it is, and something visible.
import { z } from "zod";

/** Tab and line breaks are ordinary in descriptions; every other C0/C1 control is refused. */
const ALLOWED_CONTROLS = new Set([0x09, 0x0a, 0x0d]);

/** Embeddings, overrides, isolates and marks: they reorder how text displays (Trojan Source). */
const BIDI_CONTROLS = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);

/**
 * Text made only of these shows nothing: white space, default-ignorable code points (zero-width
 * space and joiners, word joiner, BOM, soft hyphen, variation selectors, Hangul fillers...) and
 * the blank Braille pattern.
 */
const ONLY_INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

const isControl = (codePoint: number) =>
  (codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f)) && !ALLOWED_CONTROLS.has(codePoint);
const isSurrogate = (codePoint: number) => codePoint >= 0xd800 && codePoint <= 0xdfff;

const RULES = [
  { test: isControl, what: "a control character" },
  // for...of yields a lone surrogate on its own, a paired one as part of its code point.
  { test: isSurrogate, what: "a lone surrogate" },
  { test: (codePoint: number) => BIDI_CONTROLS.has(codePoint), what: "a bidirectional control character" },
] as const;

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * The first offence against each refused class, e.g. "contains a control character (U+0000) at
 * position 3". Positions count characters (code points) from 1, as a person counts them.
 */
export function forbiddenCharacters(text: string): string[] {
  const found = new Map<(typeof RULES)[number], string>();
  let position = 0;
  for (const character of text) {
    position++;
    const codePoint = character.codePointAt(0) ?? 0;
    for (const rule of RULES) {
      if (!found.has(rule) && rule.test(codePoint))
        found.set(rule, `contains ${rule.what} (${hex(codePoint)}) at position ${position}`);
    }
  }
  return [...found.values()];
}

export function isInvisible(text: string): boolean {
  return ONLY_INVISIBLE.test(text);
}

/**
 * A required free-text field: refuses forbidden characters, then normalises to NFC (so the same
 * words are the same bytes wherever they were typed), trims, and refuses text with nothing
 * visible. `max` counts UTF-16 code units of the normalised text, as zod's `max` always has.
 */
export function cleanText({ max }: { max: number }) {
  return z
    .string()
    .check((ctx) => {
      for (const message of forbiddenCharacters(ctx.value))
        ctx.issues.push({ code: "custom", message, input: ctx.value, abort: true });
    })
    .normalize("NFC")
    .trim()
    .min(1, { error: "is empty", abort: true })
    .refine((text) => !isInvisible(text), {
      error: "has no visible characters (only spaces or invisible ones such as U+200B)",
      abort: true,
    })
    .max(max);
}
