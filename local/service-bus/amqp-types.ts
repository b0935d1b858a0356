// The slice of rhea's type system the broker needs, with the few internals rhea does not type.
import rhea from "rhea";
import type { Typed } from "rhea";

export type { Typed };

interface TypedReader {
  position: number;
  read(): Typed;
  remaining(): number;
}

interface TypedWriter {
  write(value: Typed): void;
  write_bytes(bytes: Buffer): void;
  toBuffer(): Buffer;
}

interface TypeConstructors {
  Reader: new (buffer: Buffer) => TypedReader;
  Writer: new () => TypedWriter;
  Map32: (items: Typed[]) => Typed;
  List32: (items: Typed[]) => Typed;
  Null: () => Typed;
}

export const amqp = rhea.types;
const constructors = rhea.types as unknown as TypeConstructors;

export function createReader(buffer: Buffer): TypedReader {
  return new constructors.Reader(buffer);
}

export function createWriter(): TypedWriter {
  return new constructors.Writer();
}

export function wrapMap32(items: Typed[]): Typed {
  return constructors.Map32(items);
}

export function wrapNull(): Typed {
  return constructors.Null();
}

/** A described section `0x00 0x53 <code> <value>` ready to write. */
export function describedSection(code: number, value: Typed): Typed {
  return amqp.described(amqp.wrap_ulong(code), value) as Typed;
}

/** The numeric descriptor of a decoded section (rhea gives a number or a symbol). */
export function descriptorCode(section: Typed): number | string | undefined {
  const descriptor = section.descriptor as Typed | undefined;
  if (descriptor === undefined) return undefined;
  const value: unknown = descriptor.value;
  if (typeof value === "number" || typeof value === "string") return value;
  return undefined;
}

export function unwrap(value: Typed): unknown {
  return amqp.unwrap(value);
}
