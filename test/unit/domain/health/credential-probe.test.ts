// Refused Partner Center credentials show in the health details as an unauthorised dependency.
import { describe, expect, it } from "vitest";
import { CredentialState } from "../../../../shared/adapters/partner-center/partner-center-tokens.js";
import { checkHealth } from "../../../../shared/domain/health/check-health.js";
import { makeCredentialProbe } from "../../../../shared/domain/health/credential-probe.js";

describe("partnerCenterCredentials probe", () => {
  it("when the last token request was refused, then the check fails as unauthorised; once one succeeds, it is ok again", async () => {
    const state = new CredentialState();
    const probe = makeCredentialProbe(state);
    expect((await checkHealth([probe], 1_000)).report.status).toBe("healthy");

    state.failed("invalid_grant (AADSTS700082)", new Date("2026-12-06T20:00:00.000Z"));
    const failed = await checkHealth([probe], 1_000);
    expect(failed.report.status).toBe("unhealthy");
    expect(failed.report.checks.partnerCenterCredentials).toMatchObject({ status: "failed", error: "unauthorised" });
    await expect(probe.check(new AbortController().signal)).rejects.toThrow(
      "configuration problem since 2026-12-06T20:00:00.000Z: invalid_grant (AADSTS700082)",
    );

    state.succeeded();
    expect((await checkHealth([probe], 1_000)).report.status).toBe("healthy");
  });
});
