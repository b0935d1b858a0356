// Lock tokens travel as .NET Guid byte order in delivery tags but as RFC-order uuids in
// management requests; the broker keys locks by the RFC form.
import { randomBytes } from "node:crypto";

/** A fresh lock token in RFC byte order. */
export function newLockToken(): Buffer {
  const token = randomBytes(16);
  token[6] = ((token[6] ?? 0) & 0x0f) | 0x40;
  token[8] = ((token[8] ?? 0) & 0x3f) | 0x80;
  return token;
}

/** Swaps between RFC order and .NET `Guid.ToByteArray()` order (the swap is its own inverse). */
export function swapGuidByteOrder(token: Buffer): Buffer {
  const swapped = Buffer.from(token);
  swapped.writeUInt32LE(token.readUInt32BE(0), 0);
  swapped.writeUInt16LE(token.readUInt16BE(4), 4);
  swapped.writeUInt16LE(token.readUInt16BE(6), 6);
  return swapped;
}

export function lockTokenKey(token: Buffer): string {
  return token.toString("hex");
}
