// Which webhook URLs may be targets: https at public addresses only, unless a host is exempted for
// local runs.
import { describe, expect, it } from "vitest";
import { isPublicAddress, outboundUrlProblem, type OutboundPolicy } from "../../../shared/lib/outbound-url.js";

const STRICT: OutboundPolicy = { exemptHosts: new Set() };
const LOCAL: OutboundPolicy = { exemptHosts: new Set(["127.0.0.1"]) };
const problemOf = (url: string, policy = STRICT) => outboundUrlProblem(new URL(url), policy);

describe("isPublicAddress", () => {
  it.each([
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "127.0.0.1",
    "127.8.9.10",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "192.0.2.10",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:10.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "2001:db8::1",
    "not-an-address",
    "",
  ])("when the address is %s, then it is not public", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["52.130.1.1", "139.217.0.1", "8.8.8.8", "2406:e500::1", "::ffff:52.130.1.1"])(
    "when the address is %s, then it is public",
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe("outboundUrlProblem", () => {
  it("when the URL is https to a public name or address, then it may be a target", () => {
    expect(problemOf("https://contoso.webhook.office.com/webhookb2/abc")).toBeUndefined();
    expect(
      problemOf("https://prod-00.chinaeast2.logic.azure.cn:443/workflows/1/triggers/manual/paths/invoke?sig=x"),
    ).toBeUndefined();
    expect(problemOf("https://52.130.1.1/hook")).toBeUndefined();
  });

  it.each([
    ["http://contoso.example.cn/hook", "must be an https URL"],
    ["https://127.0.0.1:7071/api/x", "private, loopback or reserved address (127.0.0.1)"],
    ["https://10.1.2.3/hook", "(10.1.2.3)"],
    ["https://169.254.169.254/metadata", "(169.254.169.254)"],
    ["https://[::1]/hook", "(::1)"],
    ["https://[::ffff:a00:1]/hook", "(::ffff:a00:1)"],
    ["https://localhost/hook", "must not point at localhost"],
    ["https://LOCALHOST./hook", "must not point at localhost"],
    ["https://api.localhost/hook", "must not point at localhost"],
    ["https://user:pass@contoso.example.cn/hook", "must not carry user name or password"],
    ["ftp://contoso.example.cn/hook", "must be an https URL"],
  ])("when the URL is %s, then it is refused: %s", (url, reason) => {
    expect(problemOf(url)).toContain(reason);
  });

  it("when the host is exempted, then http and its private address are allowed, and only for that host", () => {
    expect(problemOf("http://127.0.0.1:9999/hook", LOCAL)).toBeUndefined();
    expect(problemOf("http://127.0.0.2:9999/hook", LOCAL)).toContain("https");
    expect(problemOf("https://127.0.0.2:9999/hook", LOCAL)).toContain("(127.0.0.2)");
    expect(problemOf("file:///etc/passwd", { exemptHosts: new Set([""]) })).toBe("must be an http or https URL");
  });
});
