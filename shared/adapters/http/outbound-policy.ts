// The outbound URL rule (shared/lib/outbound-url.ts) applied when a connection is opened: every
// address a name resolves to must be public, so DNS cannot point a public name at a private
// address after the settings were checked. Exempt hosts resolve without the check.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { BridgeError } from "../../lib/errors.js";
import { isPublicAddress, type OutboundPolicy } from "../../lib/outbound-url.js";

export class BlockedAddressError extends BridgeError {
  override readonly name = "BlockedAddressError";

  constructor(reason: string) {
    super("blocked-address", reason);
  }
}

/**
 * A `lookup` for node:http/https that resolves as usual and refuses the connection when any
 * address is not public. Exempt hosts resolve without the check.
 */
export function publicOnlyLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, "", 0);
        return;
      }
      const exempt = policy.exemptHosts.has(hostname.toLowerCase());
      const blocked = exempt ? undefined : addresses.find((address) => !isPublicAddress(address.address));
      const first = addresses[0];
      if (blocked !== undefined || first === undefined) {
        const reason =
          first === undefined
            ? `${hostname} resolved to no address`
            : `${hostname} resolves to ${blocked?.address ?? ""}, which is not a public address`;
        callback(new BlockedAddressError(reason), "", 0);
        return;
      }
      // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily), one otherwise.
      if (options.all === true)
        (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
