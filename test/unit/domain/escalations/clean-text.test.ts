// The free-text rule: what is refused (with the reason and where), what is kept, and NFC.
import { describe, expect, it } from "vitest";
import { cleanText } from "../../../../shared/domain/escalations/clean-text.js";

const field = cleanText({ max: 20 });

function reasonsFor(input: string): string[] {
  const parsed = field.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
}

describe("cleanText", () => {
  it.each([
    ["NUL", "ab\u0000c", "contains a control character (U+0000) at position 3"],
    ["escape", "\u001b[31mred", "contains a control character (U+001B) at position 1"],
    ["DEL", "abc\u007f", "contains a control character (U+007F) at position 4"],
    ["C1 next-line", "a\u0085b", "contains a control character (U+0085) at position 2"],
    ["lone high surrogate", "ok \ud800", "contains a lone surrogate (U+D800) at position 4"],
    ["lone low surrogate", "\udc00ok", "contains a lone surrogate (U+DC00) at position 1"],
    [
      "right-to-left override",
      "invoice \u202Egnp.exe",
      "contains a bidirectional control character (U+202E) at position 9",
    ],
    ["left-to-right embedding", "\u202Aabc", "contains a bidirectional control character (U+202A) at position 1"],
    ["first strong isolate", "a\u2068b\u2069", "contains a bidirectional control character (U+2068) at position 2"],
    ["right-to-left mark", "abc\u200F", "contains a bidirectional control character (U+200F) at position 4"],
    ["left-to-right mark", "\u200Eabc", "contains a bidirectional control character (U+200E) at position 1"],
    ["Arabic letter mark", "a\u061Cb", "contains a bidirectional control character (U+061C) at position 2"],
    ["empty", "", "is empty"],
    ["spaces only", "   ", "is empty"],
    [
      "zero-width space only",
      "\u200B\u200B",
      "has no visible characters (only spaces or invisible ones such as U+200B)",
    ],
    [
      "zero-width joiners, word joiner and BOM",
      " \u200C\u200D\u2060\uFEFF ",
      "has no visible characters (only spaces or invisible ones such as U+200B)",
    ],
    [
      "soft hyphen and ideographic space",
      "\u00AD\u3000\u00AD",
      "has no visible characters (only spaces or invisible ones such as U+200B)",
    ],
    [
      "Hangul filler and blank Braille",
      "\u3164\u2800",
      "has no visible characters (only spaces or invisible ones such as U+200B)",
    ],
  ])("when the text holds %s, then it is refused saying why", (_name, input, reason) => {
    expect(reasonsFor(input)).toEqual([reason]);
  });

  it("when the text breaks several rules, then each is named once, at its first position, in the order found", () => {
    expect(reasonsFor("\u0000\u202E\u0001\ud800")).toEqual([
      "contains a control character (U+0000) at position 1",
      "contains a bidirectional control character (U+202E) at position 2",
      "contains a lone surrogate (U+D800) at position 4",
    ]);
  });

  it("when a character outside the BMP comes before the offence, then the position counts it once", () => {
    expect(reasonsFor("😀\u0000")).toEqual(["contains a control character (U+0000) at position 2"]);
  });

  it("when the text is decomposed, then it comes out composed (NFC)", () => {
    const decomposed = "Cafe\u0301 Zu\u0308rich";
    expect(field.parse(decomposed)).toBe("Caf\u00e9 Z\u00fcrich");
    expect(field.parse("\u1100\u1161")).toBe("\uAC00");
  });

  it.each([
    ["tab", "a\tb"],
    ["line feed", "line 1\nline 2"],
    ["carriage return and line feed", "line 1\r\nline 2"],
    ["zero-width joiner inside an emoji", "👩\u200D💻 admin"],
    ["Chinese", "邮件流停止"],
  ])("when the text holds a %s, then it is kept as sent", (_name, input) => {
    expect(field.parse(input)).toBe(input);
  });

  it("when the text has surrounding spaces, then they are trimmed before the length is counted", () => {
    expect(field.parse(`  ${"x".repeat(20)}  `)).toBe("x".repeat(20));
    expect(field.safeParse("x".repeat(21)).success).toBe(false);
  });
});
