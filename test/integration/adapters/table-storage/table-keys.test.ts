// Encoded keys and split text against Azurite: nasty strings survive a real write and point read, sort as promised, and long text comes back whole.
import { randomUUID } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkEntityLimits, joinLongText, splitLongText } from "../../../../shared/adapters/table-storage/long-text.js";
import {
  invertedTimestamp,
  MAX_KEY_LENGTH,
  splitKey,
  toTableKey,
} from "../../../../shared/adapters/table-storage/table-keys.js";
import { withAsciiJsonBodies } from "./azurite-workarounds.js";

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((codeUnit) => String.fromCharCode(codeUnit));
const trickyCharacter = fc.constantFrom(
  "~",
  "!",
  "/",
  "\\",
  "#",
  "?",
  "'",
  "''",
  "%",
  "%25",
  "+",
  "&",
  " ",
  "\u0000",
  "\u001F",
  "\u007F",
  "\u0085",
  "\uD800",
  "\uDFFF",
  "😀",
  "é",
);
const nastyText = fc.string({
  unit: fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), anyCodeUnit, trickyCharacter),
  maxLength: 30,
});

/** A fixed seed, so a failure names the same strings on every run. */
const SAMPLE = { numRuns: 400, seed: 20_240_611 };

function keyOf(...components: [string, ...string[]]): string {
  const result = toTableKey(...components);
  if (!result.ok) throw new Error(`test key too long: ${result.length}`);
  return result.key;
}

function present(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`the service returned no ${what}`);
  return value;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "statusCode" in error && typeof error.statusCode === "number"
    ? error.statusCode
    : undefined;
}

describe("table keys and long text against Azurite", () => {
  const tableName = `tablekeys${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  let client: TableClient;

  beforeAll(async () => {
    client = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
      allowInsecureConnection: true,
    });
    await client.createTable();
  });

  afterAll(async () => {
    await client.deleteTable();
  });

  it("when entities are keyed by a few hundred nasty strings, then each point read decodes to the original strings", async () => {
    const originals = [
      ...new Set([
        "",
        "~",
        "!",
        "/",
        "\\#?",
        "\u0000",
        "\uD800",
        "\uDC00\uD800",
        "a'b",
        ...fc.sample(nastyText, SAMPLE),
      ]),
    ];
    const rows = originals.map((text, index) => ({
      text,
      partitionKey: keyOf("nasty", text),
      rowKey: keyOf(text, String(index)),
    }));

    for (const row of rows) await client.createEntity({ partitionKey: row.partitionKey, rowKey: row.rowKey });
    const readBack: { partition: string[]; row: string[] }[] = [];
    for (const row of rows) {
      const entity = await client.getEntity(row.partitionKey, row.rowKey);
      readBack.push({
        partition: splitKey(present(entity.partitionKey, "PartitionKey")),
        row: splitKey(present(entity.rowKey, "RowKey")),
      });
    }

    expect(originals.length).toBeGreaterThan(300);
    expect(readBack).toEqual(
      rows.map((row, index) => ({ partition: ["nasty", row.text], row: [row.text, String(index)] })),
    );
  });

  it("when rows are keyed by inverted timestamp, then Azurite lists them newest-first", async () => {
    const dates = fc.sample(fc.date({ noInvalidDate: true }), { numRuns: 100, seed: 7 });
    const unique = [...new Map(dates.map((date) => [date.getTime(), date])).values()];
    // The time goes in as text: Edm.DateTime cannot hold every JavaScript date.
    for (const date of unique)
      await client.createEntity({
        partitionKey: "timeline",
        rowKey: keyOf(invertedTimestamp(date), "event"),
        at: date.toISOString(),
      });

    const listed: string[] = [];
    for await (const entity of client.listEntities<{ at: string }>({
      queryOptions: { filter: "PartitionKey eq 'timeline'" },
    }))
      listed.push(entity.at);

    expect(unique.length).toBeGreaterThan(90);
    expect(listed).toEqual(
      [...unique].sort((left, right) => right.getTime() - left.getTime()).map((date) => date.toISOString()),
    );
  });

  it("when a key is exactly the limit, then Azurite stores it; one character more, then Azurite refuses it, as toTableKey does", async () => {
    const atLimit = keyOf("k".repeat(MAX_KEY_LENGTH));
    const overLimit = `${atLimit}k`;

    await client.createEntity({ partitionKey: "limits", rowKey: atLimit });
    const refusal = await client.createEntity({ partitionKey: "limits", rowKey: overLimit }).then(
      () => undefined,
      (error: unknown) => statusOf(error),
    );

    expect((await client.getEntity("limits", atLimit)).rowKey).toBe(atLimit);
    expect(refusal).toBe(400);
    expect(toTableKey(overLimit)).toMatchObject({ ok: false, error: "key-too-long" });
  });

  it("when a 200,000-character description is split across properties, then it reads back intact", async () => {
    // An emoji straddles the first chunk boundary; the rest mixes CJK, accents, emoji and new lines.
    const description =
      `${"a".repeat(31_999)}😀${"长文本 with emoji 😀, accents é and\nnew lines. ".repeat(5_000)}`.slice(0, 200_000);
    const entity = { partitionKey: "long", rowKey: "text", title: "big", ...splitLongText("description", description) };

    const asciiClient = withAsciiJsonBodies(
      TableClient.fromConnectionString(inject("tableConnectionString"), tableName, { allowInsecureConnection: true }),
    );

    expect(checkEntityLimits(entity)).toEqual({ ok: true });
    await asciiClient.createEntity(entity);
    const readBack = await client.getEntity("long", "text");

    expect(description).toHaveLength(200_000);
    expect(joinLongText("description", readBack)).toBe(description);
  });
});
