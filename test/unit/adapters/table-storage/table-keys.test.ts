// Table keys from arbitrary text: legal, exact round trips, one key per string, tuple order, no silent truncation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  afterKeysOf,
  decodeKeyComponent,
  encodeKeyComponent,
  invertedTimestamp,
  joinKey,
  KEY_SEPARATOR,
  MalformedKeyError,
  MAX_KEY_LENGTH,
  splitKey,
  timestampKey,
  toTableKey,
} from "../../../../shared/adapters/table-storage/table-keys.js";

/** What Table Storage refuses in PartitionKey and RowKey. */
// eslint-disable-next-line no-control-regex -- most of the forbidden characters are control characters
const FORBIDDEN_IN_KEYS = /[/\\#?\u0000-\u001F\u007F-\u009F]/;
const ENCODED_COMPONENT = /^(?:[A-Za-z0-9._-]|~[0-9A-F]{4})*$/;
const RUNS = { numRuns: 3_000 };

/** Any UTF-16 code unit, lone surrogates included, which fc.string's own units never produce. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((codeUnit) => String.fromCharCode(codeUnit));
/** Characters that matter to the encoding, so they turn up often rather than by luck. */
const trickyCharacter = fc.constantFrom(
  "~",
  "!",
  "/",
  "\\",
  "#",
  "?",
  "'",
  "%",
  "\u0000",
  "\u001F",
  "\u007F",
  "\u0085",
  "\u009F",
  "\uD800",
  "\uDFFF",
  "😀",
  "-",
  "_",
  ".",
  "A",
  "z",
  "0",
);
/** Text with control characters, lone surrogates, astral characters and key syntax mixed in. */
const anyText = fc.string({
  unit: fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), anyCodeUnit, trickyCharacter),
  maxLength: 40,
});
const readableText = fc.stringMatching(/^[A-Za-z0-9._-]{0,40}$/);
const anyDate = fc.date({ noInvalidDate: true });

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function compareTuples(left: readonly string[], right: readonly string[]): number {
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const order = compare(left[index] ?? "", right[index] ?? "");
    if (order !== 0) return order;
  }
  return Math.sign(left.length - right.length);
}

describe("encodeKeyComponent and decodeKeyComponent", () => {
  it("when any text is encoded, then the key holds no character Table Storage forbids", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const key = encodeKeyComponent(text);

        expect(key).not.toMatch(FORBIDDEN_IN_KEYS);
        expect(key).toMatch(ENCODED_COMPONENT);
      }),
      RUNS,
    );
  });

  it("when any text is encoded and decoded, then the exact text comes back, lone surrogates included", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(decodeKeyComponent(encodeKeyComponent(text))).toBe(text);
      }),
      RUNS,
    );
  });

  it("when two texts differ, then their keys differ", () => {
    fc.assert(
      fc.property(anyText, anyText, (left, right) => {
        fc.pre(left !== right);

        expect(encodeKeyComponent(left)).not.toBe(encodeKeyComponent(right));
      }),
      RUNS,
    );
  });

  it("when two texts differ in one code unit, then their keys differ", () => {
    fc.assert(
      fc.property(anyText, fc.nat(), anyCodeUnit, (text, positionSeed, replacement) => {
        fc.pre(text.length > 0);
        const position = positionSeed % text.length;
        const changed = text.slice(0, position) + replacement + text.slice(position + 1);
        fc.pre(changed !== text);

        expect(encodeKeyComponent(changed)).not.toBe(encodeKeyComponent(text));
      }),
      RUNS,
    );
  });

  it("when text is only letters, digits, '-', '_' and '.', then the key is the text itself", () => {
    fc.assert(
      fc.property(readableText, (text) => {
        expect(encodeKeyComponent(text)).toBe(text);
      }),
      RUNS,
    );
  });

  it("when text holds other characters, then each UTF-16 code unit becomes '~' and four upper-case hex digits", () => {
    expect(encodeKeyComponent("tenant@contoso.com")).toBe("tenant~0040contoso.com");
    expect(encodeKeyComponent("a/b\\c#d?e")).toBe("a~002Fb~005Cc~0023d~003Fe");
    expect(encodeKeyComponent("~!")).toBe("~007E~0021");
    expect(encodeKeyComponent("😀")).toBe("~D83D~DE00");
    expect(encodeKeyComponent("\uDC00x\uD800")).toBe("~DC00x~D800");
    expect(encodeKeyComponent("")).toBe("");
  });

  it("when texts use only readable characters, then their keys sort as the texts do", () => {
    fc.assert(
      fc.property(readableText, readableText, (left, right) => {
        expect(compare(encodeKeyComponent(left), encodeKeyComponent(right))).toBe(compare(left, right));
      }),
      RUNS,
    );
  });

  it("when texts use only escaped characters, then their keys sort in code-unit order, as the texts do", () => {
    const escapedOnly = fc.string({ unit: anyCodeUnit.filter((unit) => !/[A-Za-z0-9._-]/.test(unit)), maxLength: 20 });
    fc.assert(
      fc.property(escapedOnly, escapedOnly, (left, right) => {
        expect(compare(encodeKeyComponent(left), encodeKeyComponent(right))).toBe(compare(left, right));
      }),
      RUNS,
    );
  });

  it("when a key was not made by the encoder, then decoding throws instead of guessing", () => {
    for (const malformed of ["~", "~004", "~00zz", "~007e", "~0041", "a!b", "a/b", "é", " "]) {
      expect(() => decodeKeyComponent(malformed), malformed).toThrow(MalformedKeyError);
    }
  });
});

describe("joinKey and splitKey", () => {
  const components = fc.array(anyText, { minLength: 1, maxLength: 5 });

  it("when components are joined and split, then the same components come back", () => {
    fc.assert(
      fc.property(components, (parts) => {
        const [first = "", ...rest] = parts;

        expect(splitKey(joinKey(first, ...rest))).toEqual(parts);
      }),
      RUNS,
    );
  });

  it("when component lists differ, then their joined keys differ", () => {
    fc.assert(
      fc.property(components, components, (left, right) => {
        fc.pre(JSON.stringify(left) !== JSON.stringify(right));
        const [leftFirst = "", ...leftRest] = left;
        const [rightFirst = "", ...rightRest] = right;

        expect(joinKey(leftFirst, ...leftRest)).not.toBe(joinKey(rightFirst, ...rightRest));
      }),
      RUNS,
    );
  });

  it("when keys are joined, then they sort like tuples of their encoded components", () => {
    fc.assert(
      fc.property(components, components, (left, right) => {
        const [leftFirst = "", ...leftRest] = left;
        const [rightFirst = "", ...rightRest] = right;
        const expected = compareTuples(left.map(encodeKeyComponent), right.map(encodeKeyComponent));

        expect(compare(joinKey(leftFirst, ...leftRest), joinKey(rightFirst, ...rightRest))).toBe(expected);
      }),
      RUNS,
    );
  });

  it("when a first component is a prefix of another, then its keys still sort first", () => {
    expect(joinKey("ab", "zzz") < joinKey("ab-", "a")).toBe(true);
    expect(joinKey("ab", "zzz") < joinKey("ab~", "a")).toBe(true);
    expect(joinKey("ab", "~") < joinKey("abc")).toBe(true);
  });

  it("when components are joined, then the separator is '!' and empty components are kept", () => {
    expect(joinKey("tenant@x", "", "42")).toBe(`tenant~0040x${KEY_SEPARATOR}${KEY_SEPARATOR}42`);
    expect(splitKey("!!")).toEqual(["", "", ""]);
  });
});

describe("toTableKey", () => {
  it("when the joined key fits, then it is the joined key untouched; when it does not, then it is refused", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.oneof(anyCodeUnit, trickyCharacter), maxLength: 300 }), {
          minLength: 1,
          maxLength: 3,
        }),
        (parts) => {
          const [first = "", ...rest] = parts;
          const joined = joinKey(first, ...rest);

          const result = toTableKey(first, ...rest);

          expect(result).toEqual(
            joined.length <= MAX_KEY_LENGTH
              ? { ok: true, key: joined }
              : { ok: false, error: "key-too-long", length: joined.length, maxLength: MAX_KEY_LENGTH },
          );
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("when the key is exactly the limit, then it is accepted; one character more, then it is refused", () => {
    expect(toTableKey("a".repeat(MAX_KEY_LENGTH))).toEqual({ ok: true, key: "a".repeat(MAX_KEY_LENGTH) });
    expect(toTableKey("a".repeat(MAX_KEY_LENGTH - 6), "@")).toEqual({
      ok: true,
      key: `${"a".repeat(MAX_KEY_LENGTH - 6)}!~0040`,
    });
    expect(toTableKey("a".repeat(MAX_KEY_LENGTH - 5), "@")).toEqual({
      ok: false,
      error: "key-too-long",
      length: MAX_KEY_LENGTH + 1,
      maxLength: MAX_KEY_LENGTH,
    });
  });

  it("when text is escaped, then the limit applies to the encoded length, which is also its UTF-8 byte length", () => {
    const tooLong = toTableKey("é".repeat(103));
    const fits = joinKey("é".repeat(102));

    expect(tooLong).toEqual({ ok: false, error: "key-too-long", length: 515, maxLength: MAX_KEY_LENGTH });
    expect(toTableKey("é".repeat(102))).toEqual({ ok: true, key: fits });
    expect(Buffer.byteLength(fits, "utf8")).toBe(fits.length);
  });
});

describe("timestampKey and invertedTimestamp", () => {
  it("when any two dates are keyed, then ascending keys sort oldest-first and inverted keys newest-first", () => {
    fc.assert(
      fc.property(anyDate, anyDate, (earlier, later) => {
        fc.pre(earlier.getTime() < later.getTime());

        expect(timestampKey(earlier) < timestampKey(later)).toBe(true);
        expect(invertedTimestamp(later) < invertedTimestamp(earlier)).toBe(true);
      }),
      RUNS,
    );
  });

  it("when dates are one millisecond apart, then their keys still differ and keep their order", () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true, max: new Date(8_640_000_000_000_000 - 1) }), (date) => {
        const next = new Date(date.getTime() + 1);

        expect(timestampKey(date) < timestampKey(next)).toBe(true);
        expect(invertedTimestamp(next) < invertedTimestamp(date)).toBe(true);
      }),
      RUNS,
    );
  });

  it("when any date is keyed, then both keys are 17 digits that the component encoding keeps", () => {
    fc.assert(
      fc.property(anyDate, (date) => {
        for (const key of [timestampKey(date), invertedTimestamp(date)]) {
          expect(key).toMatch(/^\d{17}$/);
          expect(encodeKeyComponent(key)).toBe(key);
        }
      }),
      RUNS,
    );
  });

  it("when the earliest, epoch and latest dates are keyed, then the keys are the ends and middle of the range", () => {
    expect(timestampKey(new Date(-8_640_000_000_000_000))).toBe("00000000000000000");
    expect(timestampKey(new Date(0))).toBe("08640000000000000");
    expect(timestampKey(new Date(8_640_000_000_000_000))).toBe("17280000000000000");
    expect(invertedTimestamp(new Date(8_640_000_000_000_000))).toBe("00000000000000000");
    expect(invertedTimestamp(new Date(1))).toBe("08639999999999999");
  });

  it("when newer rows are keyed by inverted timestamp and id, then a plain sort lists them newest-first", () => {
    const times = [
      "2024-01-01T00:00:00.000Z",
      "2025-06-30T12:00:00.001Z",
      "1969-07-20T20:17:40.000Z",
      "2025-06-30T12:00:00.000Z",
    ];
    const keys = times.map((time) => ({ time, key: joinKey(invertedTimestamp(new Date(time)), `esc-${time}`) }));

    const sorted = [...keys].sort((left, right) => compare(left.key, right.key)).map((entry) => entry.time);

    expect(sorted).toEqual([
      "2025-06-30T12:00:00.001Z",
      "2025-06-30T12:00:00.000Z",
      "2024-01-01T00:00:00.000Z",
      "1969-07-20T20:17:40.000Z",
    ]);
  });

  it("when the date is invalid, then keying it throws", () => {
    expect(() => timestampKey(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => invertedTimestamp(new Date("not a date"))).toThrow(RangeError);
  });
});

describe("afterKeysOf", () => {
  const text = fc.string({ unit: anyCodeUnit, maxLength: 20 });

  it("bounds exactly the keys that extend a prefix with more components", () => {
    fc.assert(
      fc.property(text, text, text, (prefix, more, other) => {
        const extended = joinKey(prefix, more);
        expect(extended > joinKey(prefix) && extended < afterKeysOf(prefix)).toBe(true);
        const elsewhere = joinKey(other, more);
        if (other !== prefix) expect(elsewhere > joinKey(prefix) && elsewhere < afterKeysOf(prefix)).toBe(false);
      }),
      RUNS,
    );
  });
});
