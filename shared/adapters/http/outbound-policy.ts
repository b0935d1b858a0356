// Where the app may send HTTP requests that a setting chose (report webhooks): https to public
// addresses only, so a misconfigured or malicious URL cannot reach the Functions host's own
// network (metadata endpoints, storage private endpoints, loopback services). Checked twice:
// when settings are read (scheme, literal addresses) and when a connection is opened (every
// address a name resolves to, so DNS cannot point a public name at a private address later).
// Hosts named in the exemption list skip both checks: that is how local runs and tests reach
// 127.0.0.1, and it must stay empty in production.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { BridgeError } from "../../lib/errors.js";

export interface OutboundPolicy {
  /** Lower-case host names or addresses allowed over http and at private addresses. */
  exemptHosts: ReadonlySet<string>;
}

export class BlockedAddressError extends BridgeError {
  override readonly name = "BlockedAddressError";

  constructor(reason: string) {
    super("blocked-address", reason);
  }
}

/** A global unicast address: not private, loopback, link-local, shared (CGNAT), multicast or reserved. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // process() turns an IPv4-mapped IPv6 address (::ffff:10.0.0.1) into the IPv4 address it carries.
  return ipaddr.process(address).range() === "unicast";
}

/** URL host names keep IPv6 literals in brackets and may end in the root's dot; compare without either. */
function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "")
    .toLowerCase();
}

export function isExempt(url: URL, policy: OutboundPolicy): boolean {
  return policy.exemptHosts.has(hostOf(url));
}

/** Why the URL may not be a target, or undefined when it may (its name is checked again at connect time). */
export function outboundUrlProblem(url: URL, policy: OutboundPolicy): string | undefined {
  if (url.username !== "" || url.password !== "") return "must not carry user name or password";
  if (isExempt(url, policy))
    return url.protocol === "https:" || url.protocol === "http:" ? undefined : "must be an http or https URL";
  if (url.protocol !== "https:") return "must be an https URL";
  const host = hostOf(url);
  if (isIP(host) !== 0 && !isPublicAddress(host))
    return `must not point at a private, loopback or reserved address (${host})`;
  if (host === "localhost" || host.endsWith(".localhost")) return "must not point at localhost";
  return undefined;
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
