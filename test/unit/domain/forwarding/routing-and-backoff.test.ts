// Channel routing rules and retry delays.
import { describe, expect, it } from "vitest";
import { DEFAULT_BACKOFF, retryDelayMs } from "../../../../shared/domain/forwarding/backoff.js";
import { chooseChannel, RoutingRules } from "../../../../shared/domain/forwarding/routing.js";

describe("chooseChannel", () => {
  const rules = RoutingRules.parse([
    { services: ["Azure"], severities: ["critical"], channel: "partner-center" },
    { services: ["office365"], channel: "portal" },
    { channel: "partner-center" },
  ]);

  it("when rules match by service and severity, then the first match wins", () => {
    expect(chooseChannel(rules, "azure", "critical")).toBe("partner-center");
    expect(chooseChannel(rules, "office365", "critical")).toBe("portal");
    expect(chooseChannel(rules, "intune", "minimal")).toBe("partner-center");
  });

  it("when no rule matches, then the portal hand-off is the safe default", () => {
    expect(chooseChannel([], "azure", "minimal")).toBe("portal");
  });
});

describe("retryDelayMs", () => {
  it("when attempts grow, then the ceiling doubles up to the maximum", () => {
    const top = () => 1;
    expect(retryDelayMs(DEFAULT_BACKOFF, 1, undefined, top)).toBe(30_000);
    expect(retryDelayMs(DEFAULT_BACKOFF, 3, undefined, top)).toBe(120_000);
    expect(retryDelayMs(DEFAULT_BACKOFF, 20, undefined, top)).toBe(DEFAULT_BACKOFF.maxDelayMs);
  });

  it("when jitter is low, then Retry-After still sets the floor, and the delay is at least a second", () => {
    expect(retryDelayMs(DEFAULT_BACKOFF, 1, 90_000, () => 0)).toBe(90_000);
    expect(retryDelayMs(DEFAULT_BACKOFF, 1, undefined, () => 0)).toBe(1_000);
  });
});
