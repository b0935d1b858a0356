// 21Vianet's escalation criteria, as data: service health checked first, the admin center tried,
// first-line steps documented, and not a matter the partner must handle itself (how-to, account
// set-up, password resets...; billing disputes do escalate). Every decision is kept, met or not,
// so a partner can later show the quality of its escalations.
import { z } from "zod";
import { IssueCategory, type EscalationRequest } from "./escalation-request.js";

export const CriteriaRules = z.strictObject({
  requireServiceHealthChecked: z.boolean().default(true),
  requireAdminCenterAttempted: z.boolean().default(true),
  minimumStepsTaken: z.number().int().min(0).max(50).default(1),
  /** Categories that are the partner's own job (first-line only). */
  firstLineOnlyCategories: z.array(IssueCategory).default(["how-to", "account-setup", "password-reset", "configuration", "client-connectivity"]),
  /** When no category is given, titles matching these (case-insensitive) are first-line matters. */
  firstLineOnlyTitlePatterns: z
    .array(z.strictObject({ pattern: z.string().min(1), category: IssueCategory }))
    .default([
      { pattern: "\\b(reset|forgot(ten)?|change)\\b.{0,20}\\bpassword", category: "password-reset" },
      { pattern: "\\bhow (do|can|to)\\b", category: "how-to" },
      { pattern: "\\b(create|add|set ?up)\\b.{0,20}\\b(user|account|mailbox)\\b", category: "account-setup" },
    ]),
});
export type CriteriaRules = z.infer<typeof CriteriaRules>;

export const CRITERIA = ["service-health-checked", "admin-center-attempted", "first-line-steps-documented", "not-first-line-only"] as const;
export type Criterion = (typeof CRITERIA)[number];

export const CriterionDecision = z.object({
  criterion: z.enum(CRITERIA),
  met: z.boolean(),
  detail: z.string(),
});
export type CriterionDecision = z.infer<typeof CriterionDecision>;

export interface CriteriaOutcome {
  met: boolean;
  decisions: CriterionDecision[];
}

function matchedFirstLineCategory(request: EscalationRequest, rules: CriteriaRules): string | undefined {
  if (request.category !== undefined) return rules.firstLineOnlyCategories.includes(request.category) ? request.category : undefined;
  for (const { pattern, category } of rules.firstLineOnlyTitlePatterns) {
    if (rules.firstLineOnlyCategories.includes(category) && new RegExp(pattern, "i").test(request.title)) return category;
  }
  return undefined;
}

export function evaluateCriteria(request: EscalationRequest, rules: CriteriaRules): CriteriaOutcome {
  const support = request.firstLineSupport;
  const decisions: CriterionDecision[] = [
    {
      criterion: "service-health-checked",
      met: !rules.requireServiceHealthChecked || support.serviceHealthChecked,
      detail: support.serviceHealthChecked
        ? "the customer's service health was checked"
        : "check the customer's service health first: if an outage explains the problem, escalate only if it persists after the outage ends",
    },
    {
      criterion: "admin-center-attempted",
      met: !rules.requireAdminCenterAttempted || support.adminCenterAttempted,
      detail: support.adminCenterAttempted
        ? "the admin center was tried"
        : "try to solve it in the customer's admin center (or show the customer how) before escalating",
    },
    {
      criterion: "first-line-steps-documented",
      met: support.stepsTaken.length >= rules.minimumStepsTaken,
      detail:
        support.stepsTaken.length >= rules.minimumStepsTaken
          ? `${support.stepsTaken.length} first-line step(s) documented`
          : `document at least ${rules.minimumStepsTaken} first-line step(s) taken in firstLineSupport.stepsTaken`,
    },
  ];
  const firstLineCategory = matchedFirstLineCategory(request, rules);
  decisions.push({
    criterion: "not-first-line-only",
    met: firstLineCategory === undefined,
    detail:
      firstLineCategory === undefined
        ? "not a first-line-only matter"
        : `${firstLineCategory} is the partner's first-line support; 21Vianet takes escalations the partner cannot reasonably solve`,
  });
  return { met: decisions.every((decision) => decision.met), decisions };
}
