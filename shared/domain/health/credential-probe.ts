// Partner Center credentials as the worker last found them: failed while the last token request
// or call was refused (an expired refresh token, a revoked consent, a wrong secret), so an
// operator sees a configuration problem in /api/health instead of escalations quietly retrying.
// It never requests a token itself: health is polled often and must not spend Entra's limits.
import { BridgeError } from "../../lib/errors.js";
import type { DependencyProbe } from "./check-health.js";

export interface CredentialProblemSource {
  readonly problem: { code: string; since: string } | undefined;
}

export function makeCredentialProbe(state: CredentialProblemSource): DependencyProbe {
  return {
    name: "partnerCenterCredentials",
    check: () => {
      const problem = state.problem;
      if (problem === undefined) return Promise.resolve();
      // Shown as "unauthorised" in the health details, whatever the problem's own code says.
      return Promise.reject(
        new BridgeError("credentials-refused", `configuration problem since ${problem.since}: ${problem.code}`),
      );
    },
  };
}
