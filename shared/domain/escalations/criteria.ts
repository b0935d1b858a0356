// 21Vianet's escalation criteria, as data: service health checked first, the admin center tried,
// first-line steps documented, and not a matter the partner must handle itself (how-to, account
// set-up, password resets...; billing disputes do escalate), told from the category or, without
// one, from key terms in the title. Every decision is kept, met or not, so a partner can later
// show the quality of its escalations.
import { z } from "zod";
import { IssueCategory, type EscalationRequest } from "./escalation-request.js";
import { containsAllGroups } from "./title-terms.js";

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, "i");
    return true;
  } catch {
    return false;
  }
}

/**
 * A first-line matter named by key terms: every group must appear in the title, through any of its
 * terms, in any order; Chinese terms match anywhere, others as whole words (title-terms.ts).
 */
const TitleTermsRule = z.strictObject({
  terms: z.array(z.array(z.string().trim().min(1)).min(1)).min(1),
  category: IssueCategory,
});

/** A regular expression tested on the title (case-insensitive): the original form of a rule, still accepted. */
const TitlePatternRule = z.strictObject({
  pattern: z.string().min(1).refine(isRegExp, "not a valid regular expression"),
  category: IssueCategory,
});
export type TitleRule = z.infer<typeof TitleTermsRule> | z.infer<typeof TitlePatternRule>;

/** The defaults say in English and Chinese (simplified, with traditional forms) what 21Vianet's criteria leave to the partner. */
const DEFAULT_TITLE_RULES: TitleRule[] = [
  {
    category: "password-reset",
    terms: [
      ["password", "passwords", "密码", "口令", "密碼"],
      [
        "reset",
        "forgot",
        "forgotten",
        "change",
        "重置",
        "重设",
        "忘记",
        "忘了",
        "修改",
        "更改",
        "找回",
        "重設",
        "忘記",
      ],
    ],
  },
  { category: "how-to", terms: [["how do", "how can", "how to"]] },
  // Chinese asks "how" with words between it and the verb (如何在 Teams 中设置...), so it pairs
  // "how" with set-up verbs; 使用 ("use") is left out: "无论如何都无法使用" is a complaint, not a question.
  {
    category: "how-to",
    terms: [
      ["如何", "怎么", "怎样", "怎麼", "怎樣"],
      ["设置", "设定", "配置", "启用", "开启", "設置", "設定", "啟用", "開啟"],
    ],
  },
  {
    category: "account-setup",
    terms: [
      ["create", "add", "set up", "setup", "创建", "新建", "添加", "新增", "开通", "創建", "開通"],
      [
        "user",
        "users",
        "account",
        "accounts",
        "mailbox",
        "mailboxes",
        "用户",
        "账户",
        "帐户",
        "账号",
        "帐号",
        "邮箱",
        "用戶",
        "帳戶",
        "帳號",
        "郵箱",
      ],
    ],
  },
];

export const CriteriaRules = z.strictObject({
  requireServiceHealthChecked: z.boolean().default(true),
  requireAdminCenterAttempted: z.boolean().default(true),
  minimumStepsTaken: z.number().int().min(0).max(50).default(1),
  /** Categories that are the partner's own job (first-line only). */
  firstLineOnlyCategories: z
    .array(IssueCategory)
    .default(["how-to", "account-setup", "password-reset", "configuration", "client-connectivity"]),
  /** When no category is given, titles matching one of these are first-line matters; setting the list replaces the defaults. */
  firstLineOnlyTitlePatterns: z.array(z.union([TitleTermsRule, TitlePatternRule])).default(DEFAULT_TITLE_RULES),
});
export type CriteriaRules = z.infer<typeof CriteriaRules>;

export const CRITERIA = [
  "service-health-checked",
  "admin-center-attempted",
  "first-line-steps-documented",
  "not-first-line-only",
] as const;
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

function titleMatches(title: string, rule: TitleRule): boolean {
  return "terms" in rule ? containsAllGroups(title, rule.terms) : new RegExp(rule.pattern, "i").test(title);
}

function matchedFirstLineCategory(request: EscalationRequest, rules: CriteriaRules): string | undefined {
  if (request.category !== undefined)
    return rules.firstLineOnlyCategories.includes(request.category) ? request.category : undefined;
  for (const rule of rules.firstLineOnlyTitlePatterns) {
    if (rules.firstLineOnlyCategories.includes(rule.category) && titleMatches(request.title, rule))
      return rule.category;
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
