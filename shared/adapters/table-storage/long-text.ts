// Long text in Table Storage entities: split across numbered properties rather than cut at the
// per-property limit, and entity limits checked up front so oversized writes are refused, not trimmed.

/**
 * Longest string we put in one property, in UTF-16 code units. The documented limit is 64 KiB
 * (32,768 code units), but Azure has been seen refusing 65,536 bytes and accepting 64,000.
 */
export const MAX_CHUNK_LENGTH = 32_000;
/** Per-property limit for strings (as UTF-16) and binary values, in bytes; see MAX_CHUNK_LENGTH. */
export const MAX_PROPERTY_BYTES = 64_000;
/** 1 MiB: the combined size of an entity's data. */
export const MAX_ENTITY_BYTES = 1_048_576;
/** 255 properties per entity, less PartitionKey, RowKey and Timestamp. */
export const MAX_CUSTOM_PROPERTIES = 252;

export type EntityLimitCheck =
  | { ok: true }
  | { ok: false; error: "too-many-properties"; detail: { properties: number; maxProperties: number } }
  | { ok: false; error: "property-too-large"; detail: { property: string; bytes: number; maxBytes: number } }
  | { ok: false; error: "entity-too-large"; detail: { estimatedBytes: number; maxBytes: number } };

type Entity = Readonly<Record<string, unknown>>;

/** Counted as the keys in the size formula, not as properties. */
const KEY_PROPERTIES = new Set(["partitionKey", "rowKey", "PartitionKey", "RowKey"]);
/** Set by the service; not part of what a write stores. */
const SERVICE_PROPERTIES = new Set(["etag", "odata.etag", "timestamp", "Timestamp"]);

/** `name` for the first chunk, then `name_1`, `name_2`, ... */
export function chunkPropertyName(name: string, index: number): string {
  return index === 0 ? name : `${name}_${index}`;
}

function isHighSurrogate(codeUnit: number): boolean {
  return codeUnit >= 0xd800 && codeUnit <= 0xdbff;
}

function isLowSurrogate(codeUnit: number): boolean {
  return codeUnit >= 0xdc00 && codeUnit <= 0xdfff;
}

/**
 * `text` as properties `name`, `name_1`, `name_2`, ... of at most `maxChunkLength` code units
 * each, never splitting a surrogate pair. Empty text is one empty `name` property. The names
 * `name_<n>` belong to this text, and a shorter text leaves the old extra chunks behind unless the
 * entity is written whole (update mode "Replace"), so write it that way.
 */
export function splitLongText(
  name: string,
  text: string,
  maxChunkLength: number = MAX_CHUNK_LENGTH,
): Record<string, string> {
  if (!Number.isInteger(maxChunkLength) || maxChunkLength < 2 || maxChunkLength > MAX_CHUNK_LENGTH) {
    // Below 2, a chunk holding half a surrogate pair could not move back without becoming empty.
    throw new RangeError(`maxChunkLength must be an integer from 2 to ${MAX_CHUNK_LENGTH}, got ${maxChunkLength}`);
  }
  const properties: Record<string, string> = {};
  let start = 0;
  let index = 0;
  do {
    let end = Math.min(start + maxChunkLength, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1)) && isLowSurrogate(text.charCodeAt(end)))
      end -= 1;
    properties[chunkPropertyName(name, index)] = text.slice(start, end);
    start = end;
    index += 1;
  } while (start < text.length);
  return properties;
}

/** The text `splitLongText(name, ...)` stored in `entity`, or undefined when `name` is absent. */
export function joinLongText(name: string, entity: Entity): string | undefined {
  if (entity[name] === undefined) return undefined;
  const chunks: string[] = [];
  for (let index = 0; ; index++) {
    const property = chunkPropertyName(name, index);
    const chunk = entity[property];
    if (chunk === undefined) break;
    if (typeof chunk !== "string")
      throw new TypeError(`property ${property} holds a ${typeof chunk}, not a chunk of text`);
    chunks.push(chunk);
  }
  return chunks.join("");
}

function isTypedValue(value: object): value is { type: unknown; value: unknown } {
  // The SDK's test for an explicitly typed value such as { value: "1", type: "Int64" }.
  return "type" in value && "value" in value && value.type !== undefined && value.value !== undefined;
}

function typedValueSize(property: string, type: unknown, value: unknown): number {
  switch (type) {
    case "Boolean":
      return 1;
    case "Int32":
      return 4;
    case "DateTime":
    case "Double":
    case "Int64":
      return 8;
    case "Guid":
      return 16;
    case "String":
      return 4 + 2 * String(value).length;
    case "Binary":
      // Base64 text: three bytes per four characters, rounded up.
      return 4 + Math.ceil((String(value).length * 3) / 4);
    default:
      throw new TypeError(`property ${property} has unknown type ${String(type)}`);
  }
}

/** Bytes a value takes by the documented formula; throws for a value the SDK cannot store. */
function valueSize(property: string, value: unknown): number {
  switch (typeof value) {
    case "string":
      return 4 + 2 * value.length;
    case "number":
    case "bigint":
      return 8;
    case "boolean":
      return 1;
    case "object":
      if (value instanceof Date) return 8;
      if (value instanceof Uint8Array) return 4 + value.byteLength;
      if (value !== null && isTypedValue(value)) return typedValueSize(property, value.type, value.value);
      break;
    default:
      break;
  }
  throw new TypeError(`property ${property} holds a value Table Storage cannot store`);
}

/** Properties that count against the limits: not the keys, not service-set, not null or undefined. */
function storedProperties(entity: Entity): [string, unknown][] {
  return Object.entries(entity).filter(
    ([name, value]) =>
      !KEY_PROPERTIES.has(name) && !SERVICE_PROPERTIES.has(name) && value !== undefined && value !== null,
  );
}

/**
 * Approximate stored size in bytes, by the documented formula: 4 + 2 × (length of PartitionKey +
 * RowKey) + for each property 8 + 2 × name length + value size, where a string is 4 + 2 × length,
 * a number, bigint or Date 8, a boolean 1, binary 4 + byte length, a Guid 16 and an Int32 4.
 */
export function estimateEntitySize(entity: Entity): number {
  let size = 4;
  for (const name of KEY_PROPERTIES) {
    const key = entity[name];
    if (key === undefined) continue;
    if (typeof key !== "string") throw new TypeError(`${name} must be a string`);
    size += 2 * key.length;
  }
  for (const [name, value] of storedProperties(entity)) size += 8 + 2 * name.length + valueSize(name, value);
  return size;
}

/** The bytes a string (UTF-16) or binary value occupies against the per-property limit; 0 for fixed-size values. */
function propertyBytes(value: unknown): number {
  if (typeof value === "string") return 2 * value.length;
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === "object" && value !== null && isTypedValue(value)) {
    if (value.type === "String") return 2 * String(value.value).length;
    if (value.type === "Binary") return Math.ceil((String(value.value).length * 3) / 4);
  }
  return 0;
}

/** Whether Table Storage would take `entity`: checked before writing so content is refused, never truncated. */
export function checkEntityLimits(entity: Entity): EntityLimitCheck {
  const properties = storedProperties(entity);
  if (properties.length > MAX_CUSTOM_PROPERTIES) {
    return {
      ok: false,
      error: "too-many-properties",
      detail: { properties: properties.length, maxProperties: MAX_CUSTOM_PROPERTIES },
    };
  }
  for (const [name, value] of properties) {
    const bytes = propertyBytes(value);
    if (bytes > MAX_PROPERTY_BYTES)
      return {
        ok: false,
        error: "property-too-large",
        detail: { property: name, bytes, maxBytes: MAX_PROPERTY_BYTES },
      };
  }
  const estimatedBytes = estimateEntitySize(entity);
  if (estimatedBytes > MAX_ENTITY_BYTES)
    return { ok: false, error: "entity-too-large", detail: { estimatedBytes, maxBytes: MAX_ENTITY_BYTES } };
  return { ok: true };
}
