import { describe, it, expect } from "vitest";
import rhea from "rhea";
import { lockTokenKey, newLockToken, swapGuidByteOrder } from "../../../../local/service-bus/lock-token.js";

const RFC_UUID = "00112233-4455-6677-8899-aabbccddeeff";
const RFC_BYTES = Buffer.from("00112233445566778899aabbccddeeff", "hex");
/** What .NET's `new Guid("00112233-4455-6677-8899-aabbccddeeff").ToByteArray()` returns. */
const DOTNET_BYTES = Buffer.from("33221100554477668899aabbccddeeff", "hex");

describe("swapGuidByteOrder", () => {
  it("when given RFC-order bytes, then it returns .NET Guid.ToByteArray() order", () => {
    expect(swapGuidByteOrder(RFC_BYTES)).toEqual(DOTNET_BYTES);
  });

  it("when given .NET-order bytes, then it returns RFC order", () => {
    expect(swapGuidByteOrder(DOTNET_BYTES)).toEqual(RFC_BYTES);
  });

  it("when applied twice to any token, then the original bytes come back", () => {
    for (let i = 0; i < 50; i++) {
      const token = newLockToken();

      expect(swapGuidByteOrder(swapGuidByteOrder(token))).toEqual(token);
    }
  });

  it("when swapping, then the input buffer is not modified", () => {
    const input = Buffer.from(RFC_BYTES);

    const output = swapGuidByteOrder(input);

    expect(input).toEqual(RFC_BYTES);
    expect(output).not.toBe(input);
  });

  it("when the SDK formats a delivery tag built from a token, then it reads the token's RFC uuid", () => {
    const token = rhea.string_to_uuid(RFC_UUID);

    const tag = swapGuidByteOrder(token);

    // The SDK reverses the swap on the delivery tag and formats the result as an RFC uuid.
    expect(rhea.uuid_to_string(swapGuidByteOrder(tag))).toBe(RFC_UUID);
    expect(tag).toEqual(DOTNET_BYTES);
  });
});

describe("newLockToken", () => {
  it("when created, then it is a 16-byte version-4 RFC 4122 uuid", () => {
    const token = newLockToken();

    expect(token).toHaveLength(16);
    expect(rhea.uuid_to_string(token)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("when many are created, then they are all different", () => {
    const keys = new Set(Array.from({ length: 1000 }, () => lockTokenKey(newLockToken())));

    expect(keys.size).toBe(1000);
  });
});

describe("lockTokenKey", () => {
  it("when given a token, then the key is its RFC-order bytes in hex", () => {
    expect(lockTokenKey(RFC_BYTES)).toBe("00112233445566778899aabbccddeeff");
  });

  it("when a token arrives as a management uuid in RFC order, then it maps to the same key as the stored token", () => {
    expect(lockTokenKey(rhea.string_to_uuid(RFC_UUID))).toBe(lockTokenKey(RFC_BYTES));
  });
});
