// A preload for the metrics benchmark's own Azurite processes only (`node --import
// dist/bench/metrics-report/azurite-preload.js .../azurite/dist/src/table/main.js`), never for the app, the tests
// or `npm start`. It changes two things in Azurite's in-memory (LokiJS) Table store, each to what
// Azure Table Storage does, and each switched on separately so the benchmark can say which it used:
//
// 1. Point lookups (env BENCH_AZURITE_POINT_LOOKUP=1, from start): Azurite finds an entity by
//    LokiJS findOne({PartitionKey, RowKey}), which uses its binary index for the PartitionKey and
//    then scans the whole partition for the RowKey, so every insert (existence check), upsert,
//    replace and delete costs O(partition size): seeding 100,000 escalations into the few status
//    index partitions becomes O(n²). Here such a findOne is answered from a Map of PartitionKey +
//    RowKey; a hit is checked against the collection (still there, same keys) and a stale one
//    falls back to LokiJS. A miss answers null, which is complete because entities enter the
//    collection only through Collection.insertOne. Reports never look up a single entity (they
//    only query), so this changes what seeding costs, not what a report's reads cost.
//
// 2. Partition-scoped queries (off at start; SIGUSR2 switches it on or off, answered by a line on
//    stdout): Azurite runs every query as a JavaScript predicate over EVERY entity of the table
//    (LokiTableMetadataStore.queryTableEntities: collection.chain().where(filter)), so a query
//    naming one partition costs O(table size), where Azure Table Storage serves it from that
//    partition. With this on, a query whose filter is `PartitionKey eq '<key>'` AND-ed with
//    anything (no `or`, `not` or parentheses outside string literals, so the PartitionKey clause
//    restricts every match) starts from LokiJS's PartitionKey index (chain().find({PartitionKey}))
//    and applies Azurite's own filter, continuation and sort to that partition only: the same
//    rows in the same order. Any other query runs unchanged. This DOES change what a report's
//    reads cost in Azurite, so the benchmark measures reports both ways.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

interface LokiDoc {
  $loki?: number;
  PartitionKey?: unknown;
  RowKey?: unknown;
}
interface LokiResultset {
  find(query: Record<string, unknown>, firstOnly?: boolean): LokiResultset;
}
interface LokiCollection {
  data: LokiDoc[];
  cloneObjects: boolean;
  get(id: number): LokiDoc | null;
  chain: (this: LokiCollection, ...args: unknown[]) => LokiResultset;
  insertOne: (this: LokiCollection, doc: LokiDoc, bulkInsert?: boolean) => LokiDoc | undefined;
  findOne: (this: LokiCollection, query: Record<string, unknown> | undefined) => LokiDoc | null;
}
interface LokiModule {
  Collection: { prototype: LokiCollection };
}
type QueryTableEntities = (
  this: TableStore,
  context: unknown,
  account: string,
  table: string,
  queryOptions: { filter?: string } | undefined,
  ...rest: unknown[]
) => Promise<unknown>;
interface TableStore {
  getEntityCollection(account: string, table: string, context: unknown): LokiCollection;
  queryTableEntities: QueryTableEntities;
}

const mainScript = process.argv[1];
if (mainScript === undefined) throw new Error("azurite-preload: no main script");
// Azurite's own copies of its modules, resolved from its main script (…/azurite/dist/src/table/main.js).
const azuriteRequire = createRequire(mainScript);
const Loki = azuriteRequire("lokijs") as LokiModule;
const storeModule = azuriteRequire(join(dirname(mainScript), "persistence", "LokiTableMetadataStore.js")) as {
  default: { prototype: TableStore };
};
const collectionProto = Loki.Collection.prototype;
const storeProto = storeModule.default.prototype;

const say = (line: string) => process.stdout.write(`azurite-preload: ${line}\n`);

// --- 1. Point lookups -------------------------------------------------------------------------

if (process.env.BENCH_AZURITE_POINT_LOOKUP === "1") {
  const maps = new WeakMap<LokiCollection, Map<string, LokiDoc>>();
  const keyOf = (partitionKey: string, rowKey: string) => `${partitionKey}\u0000${rowKey}`;
  const mapFor = (collection: LokiCollection) => {
    let map = maps.get(collection);
    if (map === undefined) {
      map = new Map();
      for (const doc of collection.data)
        if (typeof doc.PartitionKey === "string" && typeof doc.RowKey === "string")
          map.set(keyOf(doc.PartitionKey, doc.RowKey), doc);
      maps.set(collection, map);
    }
    return map;
  };
  const insertOne = collectionProto.insertOne;
  collectionProto.insertOne = function (this: LokiCollection, doc, bulkInsert) {
    const stored = insertOne.call(this, doc, bulkInsert);
    const map = maps.get(this);
    if (
      map !== undefined &&
      stored !== undefined &&
      typeof stored.PartitionKey === "string" &&
      typeof stored.RowKey === "string"
    )
      map.set(keyOf(stored.PartitionKey, stored.RowKey), stored);
    return stored;
  };
  const findOne = collectionProto.findOne;
  collectionProto.findOne = function (this: LokiCollection, query) {
    const partitionKey = query?.PartitionKey;
    const rowKey = query?.RowKey;
    if (
      query === undefined ||
      this.cloneObjects ||
      typeof partitionKey !== "string" ||
      typeof rowKey !== "string" ||
      Object.keys(query).length !== 2
    )
      return findOne.call(this, query);
    const map = mapFor(this);
    const key = keyOf(partitionKey, rowKey);
    const doc = map.get(key);
    if (doc === undefined) return null;
    if (
      doc.$loki !== undefined &&
      this.get(doc.$loki) === doc &&
      doc.PartitionKey === partitionKey &&
      doc.RowKey === rowKey
    )
      return doc;
    map.delete(key);
    const found = findOne.call(this, query);
    if (found !== null) map.set(key, found);
    return found;
  };
  say("point lookups by PartitionKey+RowKey answered from a map");
}

// --- 2. Partition-scoped queries --------------------------------------------------------------

let scoped = false;
const counts = { scoped: 0, unscoped: 0 };

/** The partition a filter confines every match to, or undefined when it may match elsewhere. */
export function confiningPartition(filter: string | undefined): string | undefined {
  if (filter === undefined) return undefined;
  const match = /^\s*PartitionKey eq '((?:[^']|'')*)'\s*(?:and\s+([\s\S]*))?$/.exec(filter);
  if (match?.[1] === undefined) return undefined;
  const rest = (match[2] ?? "").replace(/'(?:[^']|'')*'/g, "''");
  if (/\bor\b|\bnot\b|[()]/i.test(rest)) return undefined;
  return match[1].replace(/''/g, "'");
}

const queryTableEntities = storeProto.queryTableEntities;
storeProto.queryTableEntities = function (this: TableStore, context, account, table, queryOptions, ...rest) {
  const partitionKey = scoped ? confiningPartition(queryOptions?.filter) : undefined;
  if (partitionKey === undefined) {
    counts.unscoped++;
    return queryTableEntities.call(this, context, account, table, queryOptions, ...rest);
  }
  counts.scoped++;
  const collection = this.getEntityCollection(account, table, context);
  const chain = collection.chain;
  const state = { used: false };
  // Azurite's queryTableEntities starts its chain synchronously, before its first await: the
  // replaced chain() is in place exactly for that call.
  collection.chain = function (this: LokiCollection, ...args: unknown[]) {
    state.used = true;
    return chain.apply(this, args).find({ PartitionKey: partitionKey });
  };
  try {
    return queryTableEntities.call(this, context, account, table, queryOptions, ...rest);
  } finally {
    delete (collection as Partial<LokiCollection>).chain;
    if (!state.used) say("WARNING: a scoped query did not start its chain synchronously; it scanned the table");
  }
};

process.on("SIGUSR2", () => {
  scoped = !scoped;
  say(
    `partition-scoped queries ${scoped ? "on" : "off"} (so far ${counts.scoped} scoped, ${counts.unscoped} scanned the table)`,
  );
});
say("ready");
