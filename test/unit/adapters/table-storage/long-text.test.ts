// Long text across numbered properties: exact round trips, chunks that fit, whole surrogate pairs, and limits refused up front.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkEntityLimits,
  chunkPropertyName,
  estimateEntitySize,
  joinLongText,
  MAX_CHUNK_LENGTH,
  MAX_CUSTOM_PROPERTIES,
  MAX_ENTITY_BYTES,
  MAX_PROPERTY_BYTES,
  splitLongText,
} from "../../../../shared/adapters/table-storage/long-text.js";

const RUNS = { numRuns: 3_000 };

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((codeUnit) => String.fromCharCode(codeUnit));
/** Surrogate pairs and lone halves come often, so chunk boundaries land on them often. */
const surrogateHeavyUnit = fc.oneof(
  fc.constantFrom("😀", "𝄞", "\uD800", "\uDFFF", "a"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  anyCodeUnit,
);
const anyText = fc.string({ unit: surrogateHeavyUnit, maxLength: 120 });
const chunkLength = fc.integer({ min: 2, max: 12 });

function chunksOf(name: string, properties: Record<string, string>): string[] {
  return Object.keys(properties).map((_property, index) => properties[chunkPropertyName(name, index)] ?? "");
}

function isHighSurrogate(codeUnit: number): boolean {
  return codeUnit >= 0xd800 && codeUnit <= 0xdbff;
}

function isLowSurrogate(codeUnit: number): boolean {
  return codeUnit >= 0xdc00 && codeUnit <= 0xdfff;
}

describe("splitLongText and joinLongText", () => {
  it("when any text is split and joined, then the exact text comes back", () => {
    fc.assert(
      fc.property(anyText, chunkLength, (text, maxChunkLength) => {
        expect(joinLongText("description", splitLongText("description", text, maxChunkLength))).toBe(text);
      }),
      RUNS,
    );
  });

  it("when any text is split, then every chunk fits and only the last may be short by more than one", () => {
    fc.assert(
      fc.property(anyText, chunkLength, (text, maxChunkLength) => {
        const chunks = chunksOf("description", splitLongText("description", text, maxChunkLength));

        for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(maxChunkLength);
        for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(maxChunkLength - 1);
        expect(chunks.slice(1).every((chunk) => chunk.length > 0)).toBe(true);
      }),
      RUNS,
    );
  });

  it("when any text is split, then no surrogate pair is cut between two chunks", () => {
    fc.assert(
      fc.property(anyText, chunkLength, (text, maxChunkLength) => {
        const chunks = chunksOf("description", splitLongText("description", text, maxChunkLength));

        for (let index = 1; index < chunks.length; index++) {
          const previous = chunks[index - 1] ?? "";
          const current = chunks[index] ?? "";
          expect(
            isHighSurrogate(previous.charCodeAt(previous.length - 1)) && isLowSurrogate(current.charCodeAt(0)),
          ).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("when any text is split, then the properties are name, name_1, name_2, ... with nothing else", () => {
    fc.assert(
      fc.property(anyText, chunkLength, (text, maxChunkLength) => {
        const names = Object.keys(splitLongText("notes", text, maxChunkLength));

        expect(names).toEqual(names.map((_name, index) => (index === 0 ? "notes" : `notes_${index}`)));
      }),
      RUNS,
    );
  });

  it("when a surrogate pair straddles the default chunk boundary, then it moves whole into the next chunk", () => {
    const text = `${"a".repeat(MAX_CHUNK_LENGTH - 1)}😀${"b".repeat(10)}`;

    const properties = splitLongText("description", text);

    expect(Object.keys(properties)).toEqual(["description", "description_1"]);
    expect(properties.description).toBe("a".repeat(MAX_CHUNK_LENGTH - 1));
    expect(properties.description_1).toBe(`😀${"b".repeat(10)}`);
  });

  it("when text is exactly one chunk long, then it is one property; one more code unit, then two", () => {
    expect(Object.keys(splitLongText("d", "x".repeat(MAX_CHUNK_LENGTH)))).toEqual(["d"]);
    expect(Object.keys(splitLongText("d", "x".repeat(MAX_CHUNK_LENGTH + 1)))).toEqual(["d", "d_1"]);
  });

  it("when text is empty, then it is stored as one empty property and read back as empty", () => {
    expect(splitLongText("description", "")).toEqual({ description: "" });
    expect(joinLongText("description", { description: "" })).toBe("");
  });

  it("when the property is absent, then there is no text rather than an empty one", () => {
    expect(joinLongText("description", { partitionKey: "p", rowKey: "r", other: "x" })).toBeUndefined();
  });

  it("when chunks sit among other properties, then only the named chunks are joined", () => {
    const entity = {
      partitionKey: "p",
      rowKey: "r",
      title: "t",
      ...splitLongText("description", "abcdefg", 3),
      description_x: "no",
    };

    expect(joinLongText("description", entity)).toBe("abcdefg");
  });

  it("when a chunk is not a string, then joining throws instead of guessing", () => {
    expect(() => joinLongText("description", { description: "abc", description_1: 42 })).toThrow(TypeError);
  });

  it("when the chunk length is outside 2 to 32,000, then splitting throws", () => {
    for (const maxChunkLength of [1, 0, 2.5, MAX_CHUNK_LENGTH + 1]) {
      expect(() => splitLongText("d", "text", maxChunkLength), String(maxChunkLength)).toThrow(RangeError);
    }
  });

  it("when a 200,000-character text is split by default, then 7 chunks of at most 32,000 come back whole", () => {
    const text = "长文本 with 😀 emoji and \u0000 control ".repeat(7_000).slice(0, 200_000);
    expect(text).toHaveLength(200_000);

    const properties = splitLongText("description", text);

    expect(Object.keys(properties)).toHaveLength(7);
    expect(Object.values(properties).every((chunk) => chunk.length <= MAX_CHUNK_LENGTH)).toBe(true);
    expect(joinLongText("description", properties)).toBe(text);
    expect(checkEntityLimits({ partitionKey: "p", rowKey: "r", ...properties })).toEqual({ ok: true });
  });
});

describe("estimateEntitySize", () => {
  it("when the entity holds each kind of value, then the size follows the documented formula", () => {
    const entity = {
      partitionKey: "pk",
      rowKey: "row",
      text: "hello",
      count: 3,
      flag: true,
      at: new Date(0),
      big: 1n,
      bytes: new Uint8Array(10),
      id: { type: "Guid", value: "00000000-0000-0000-0000-000000000000" },
      small: { type: "Int32", value: "7" },
    };
    const expected =
      4 +
      2 * ("pk".length + "row".length) +
      (8 + 2 * 4 + (4 + 2 * 5)) +
      (8 + 2 * 5 + 8) +
      (8 + 2 * 4 + 1) +
      (8 + 2 * 2 + 8) +
      (8 + 2 * 3 + 8) +
      (8 + 2 * 5 + (4 + 10)) +
      (8 + 2 * 2 + 16) +
      (8 + 2 * 5 + 4);

    expect(estimateEntitySize(entity)).toBe(expected);
  });

  it("when the entity has only empty keys, then its size is the 4-byte base", () => {
    expect(estimateEntitySize({ partitionKey: "", rowKey: "" })).toBe(4);
  });

  it("when service-set, null or undefined properties are present, then they add nothing", () => {
    const base = { partitionKey: "p", rowKey: "r", a: "x" };

    expect(estimateEntitySize({ ...base, etag: 'W/"1"', timestamp: "2024-01-01", gone: undefined, empty: null })).toBe(
      estimateEntitySize(base),
    );
  });

  it("when a value cannot be stored, then estimating throws", () => {
    expect(() => estimateEntitySize({ nested: { a: 1 } })).toThrow(TypeError);
    expect(() => estimateEntitySize({ list: ["a"] })).toThrow(TypeError);
    expect(() => estimateEntitySize({ odd: { type: "Decimal", value: "1" } })).toThrow(TypeError);
  });

  const reservedNames = new Set(["partitionKey", "rowKey", "PartitionKey", "RowKey", "timestamp", "Timestamp", "etag"]);
  const propertyName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/).filter((name) => !reservedNames.has(name));
  const propertyValue = fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.double(),
    fc.boolean(),
    fc.date(),
    fc.bigInt(),
    fc.uint8Array({ maxLength: 20 }),
  );
  const entity = fc.dictionary(propertyName, propertyValue, { maxKeys: 20 });

  it("when a property is added, then the estimate grows", () => {
    fc.assert(
      fc.property(entity, propertyName, propertyValue, (properties, name, value) => {
        fc.pre(!(name in properties));

        expect(estimateEntitySize({ ...properties, [name]: value })).toBeGreaterThan(estimateEntitySize(properties));
      }),
      RUNS,
    );
  });

  it("when a string property or a key gets longer, then the estimate grows", () => {
    fc.assert(
      fc.property(
        entity,
        propertyName,
        fc.string({ maxLength: 50 }),
        fc.string({ minLength: 1, maxLength: 50 }),
        (properties, name, text, more) => {
          const withText = { ...properties, partitionKey: text, [name]: text };

          expect(estimateEntitySize({ ...withText, [name]: text + more })).toBeGreaterThan(
            estimateEntitySize(withText),
          );
          expect(estimateEntitySize({ ...withText, partitionKey: text + more })).toBeGreaterThan(
            estimateEntitySize(withText),
          );
        },
      ),
      RUNS,
    );
  });
});

describe("checkEntityLimits", () => {
  function entityWithProperties(count: number): Record<string, unknown> {
    const entity: Record<string, unknown> = { partitionKey: "p", rowKey: "r", timestamp: new Date(0), etag: "x" };
    for (let index = 0; index < count; index++) entity[`p${index}`] = index;
    return entity;
  }

  it("when the entity has 252 custom properties, then it passes; 253, then it is refused", () => {
    expect(checkEntityLimits(entityWithProperties(MAX_CUSTOM_PROPERTIES))).toEqual({ ok: true });
    expect(checkEntityLimits(entityWithProperties(MAX_CUSTOM_PROPERTIES + 1))).toEqual({
      ok: false,
      error: "too-many-properties",
      detail: { properties: 253, maxProperties: 252 },
    });
  });

  it("when a string property is over 32,000 code units, then it is refused by name instead of truncated", () => {
    const result = checkEntityLimits({ partitionKey: "p", rowKey: "r", description: "x".repeat(MAX_CHUNK_LENGTH + 1) });

    expect(result).toEqual({
      ok: false,
      error: "property-too-large",
      detail: { property: "description", bytes: 64_002, maxBytes: MAX_PROPERTY_BYTES },
    });
    expect(checkEntityLimits({ partitionKey: "p", rowKey: "r", description: "x".repeat(MAX_CHUNK_LENGTH) })).toEqual({
      ok: true,
    });
  });

  it("when a binary property is over 64,000 bytes, then it is refused", () => {
    expect(checkEntityLimits({ blob: new Uint8Array(MAX_PROPERTY_BYTES + 1) })).toMatchObject({
      ok: false,
      error: "property-too-large",
      detail: { property: "blob" },
    });
    expect(checkEntityLimits({ blob: { type: "Binary", value: "A".repeat(85_336) } })).toMatchObject({
      ok: false,
      error: "property-too-large",
    });
  });

  it("when split text would make the entity over 1 MiB, then it is refused with the estimate", () => {
    const entity = { partitionKey: "p", rowKey: "r", ...splitLongText("description", "x".repeat(530_000)) };

    const result = checkEntityLimits(entity);

    expect(result).toEqual({
      ok: false,
      error: "entity-too-large",
      detail: { estimatedBytes: estimateEntitySize(entity), maxBytes: MAX_ENTITY_BYTES },
    });
    expect(estimateEntitySize(entity)).toBeGreaterThan(MAX_ENTITY_BYTES);
  });

  it("when split text keeps the entity just under 1 MiB, then it passes", () => {
    const entity = { partitionKey: "p", rowKey: "r", ...splitLongText("description", "x".repeat(520_000)) };

    expect(estimateEntitySize(entity)).toBeLessThanOrEqual(MAX_ENTITY_BYTES);
    expect(checkEntityLimits(entity)).toEqual({ ok: true });
  });

  it("when the estimate passes the limit, then the check refuses, and only then", () => {
    const bigValue = fc
      .integer({ min: 0, max: 40 })
      .map((count) => ({ partitionKey: "p", rowKey: "r", ...splitLongText("d", "y".repeat(count * 16_000)) }));
    fc.assert(
      fc.property(bigValue, (entity) => {
        expect(checkEntityLimits(entity).ok).toBe(estimateEntitySize(entity) <= MAX_ENTITY_BYTES);
      }),
      { numRuns: 200 },
    );
  });
});
