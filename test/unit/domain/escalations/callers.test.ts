// Function keys identify callers by digest; the digests are compared in constant time.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_CALLER, identifyCaller, type CallerConfig } from "../../../../shared/domain/escalations/callers.js";

const digest = (key: string) => createHash("sha256").update(key).digest("hex");
const callers: CallerConfig[] = [
  { id: "contoso-desk", keySha256: digest("contoso-key"), tenants: ["6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"] },
  { id: "operations", keySha256: digest("ops-key"), tenants: "all" },
];

describe("identifyCaller", () => {
  it("when the key's digest is registered, then that caller and its tenants are returned", () => {
    expect(identifyCaller("ops-key", callers)).toEqual({ id: "operations", tenants: "all" });
    expect(identifyCaller("contoso-key", callers)?.id).toBe("contoso-desk");
  });

  it("when the key is unknown, empty, absent or differs by one character, then nobody is identified", () => {
    for (const key of ["ops-kez", "", undefined, "OPS-KEY", "ops-key "])
      expect(identifyCaller(key, callers)).toBeUndefined();
  });

  it("when no callers are registered (local runs only), then any presented key is the default caller", () => {
    expect(identifyCaller("anything", [])).toEqual(DEFAULT_CALLER);
    expect(identifyCaller(undefined, [])).toBeUndefined();
  });
});
