// The connect-time half of the outbound rule: a name that resolves to a private address is refused
// before a connection is opened, unless its host is exempted for local runs.
import { describe, expect, it } from "vitest";
import { BlockedAddressError, publicOnlyLookup } from "../../../../shared/adapters/http/outbound-policy.js";
import type { OutboundPolicy } from "../../../../shared/lib/outbound-url.js";

const STRICT: OutboundPolicy = { exemptHosts: new Set() };

describe("publicOnlyLookup", () => {
  const lookUp = (policy: OutboundPolicy, host: string, all: boolean) =>
    new Promise<unknown>((resolve, reject) => {
      publicOnlyLookup(policy)(host, { all }, (error: NodeJS.ErrnoException | null, address: unknown) => {
        if (error) reject(error);
        else resolve(address);
      });
    });

  it("when a name resolves to a loopback address, then the lookup fails with BlockedAddressError, in both of Node's calling styles", async () => {
    await expect(lookUp(STRICT, "localhost", false)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(lookUp(STRICT, "localhost", true)).rejects.toThrow(/not a public address/);
  });

  it("when the host is exempted, then it resolves as usual", async () => {
    await expect(lookUp({ exemptHosts: new Set(["localhost"]) }, "localhost", false)).resolves.toMatch(
      /^(127\.0\.0\.1|::1)$/,
    );
    await expect(lookUp({ exemptHosts: new Set(["localhost"]) }, "localhost", true)).resolves.toEqual(
      expect.arrayContaining([
        expect.objectContaining({ address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) as unknown }),
      ]),
    );
  });
});
