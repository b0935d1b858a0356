// The rule for URLs a setting chose as a target of the app's own requests (report and event
// webhooks): https to public addresses only, so a misconfigured or malicious URL cannot reach the
// Functions host's own network (metadata endpoints, storage private endpoints, loopback services).
// Settings apply it when they are read; the HTTP adapter applies it again to every address a name
// resolves to when it connects. Hosts named in the exemption list skip both checks: that is how
// local runs and tests reach 127.0.0.1, and it must stay empty in production.
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export interface OutboundPolicy {
  /** Lower-case host names or addresses allowed over http and at private addresses. */
  exemptHosts: ReadonlySet<string>;
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
