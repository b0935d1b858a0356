// Settings that are safe on a developer's machine and never in Azure. The platform sets
// WEBSITE_INSTANCE_ID (the instance) and WEBSITE_SITE_NAME (the app) on every Functions host it
// runs; when either is present the app is hosted and must fail closed: without registered callers every function key would act for every tenant,
// and an outbound exemption would let report and event webhooks reach private addresses.
import { z } from "zod";

export const hostingSettingsShape = {
  WEBSITE_INSTANCE_ID: z.string().optional(),
  WEBSITE_SITE_NAME: z.string().optional(),
};

interface HostingSettings {
  WEBSITE_INSTANCE_ID?: string | undefined;
  WEBSITE_SITE_NAME?: string | undefined;
  /** Undefined when unset or not parseable (its own problem is reported where it is parsed). */
  ESCALATION_CALLERS?: readonly unknown[] | undefined;
  /** Names of outbound exemption settings that are set. */
  outboundExemptions: readonly string[];
}

export function isHosted(settings: Pick<HostingSettings, "WEBSITE_INSTANCE_ID" | "WEBSITE_SITE_NAME">): boolean {
  return settings.WEBSITE_INSTANCE_ID !== undefined || settings.WEBSITE_SITE_NAME !== undefined;
}

/** What a hosted app refuses to start with; nothing for a local run. */
export function hostingProblems(settings: HostingSettings): { path: string[]; message: string }[] {
  if (!isHosted(settings)) return [];
  const problems: { path: string[]; message: string }[] = [];
  if (settings.ESCALATION_CALLERS === undefined || settings.ESCALATION_CALLERS.length === 0) {
    problems.push({
      path: ["ESCALATION_CALLERS"],
      message:
        "required when the app runs in Azure: register each caller's key digest and tenants (without it every function key would act for every customer)",
    });
  }
  for (const name of settings.outboundExemptions) {
    problems.push({
      path: [name],
      message: "for local runs only: refused when the app runs in Azure (webhooks must be https to public addresses)",
    });
  }
  return problems;
}
