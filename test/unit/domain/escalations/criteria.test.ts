// The criteria gate: each 21Vianet criterion decided and recorded, rules as data.
import { describe, expect, it } from "vitest";
import { CriteriaRules, evaluateCriteria } from "../../../../shared/domain/escalations/criteria.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";

const defaultRules = CriteriaRules.parse({});

describe("evaluateCriteria", () => {
  it("when first-line work was done and documented, then every criterion is met and recorded", () => {
    const outcome = evaluateCriteria(buildEscalationRequest(), defaultRules);
    expect(outcome.met).toBe(true);
    expect(outcome.decisions.map((decision) => [decision.criterion, decision.met])).toEqual([
      ["service-health-checked", true],
      ["admin-center-attempted", true],
      ["first-line-steps-documented", true],
      ["not-first-line-only", true],
    ]);
  });

  it("when service health was not checked and nothing was tried, then each unmet criterion is named", () => {
    const outcome = evaluateCriteria(
      buildEscalationRequest({
        firstLineSupport: { serviceHealthChecked: false, adminCenterAttempted: false, stepsTaken: [] },
      }),
      defaultRules,
    );
    expect(outcome.met).toBe(false);
    expect(outcome.decisions.filter((decision) => !decision.met).map((decision) => decision.criterion)).toEqual([
      "service-health-checked",
      "admin-center-attempted",
      "first-line-steps-documented",
    ]);
  });

  it.each(["how-to", "account-setup", "password-reset", "configuration", "client-connectivity"] as const)(
    "when the category is %s, then it stays with the partner",
    (category) => {
      const outcome = evaluateCriteria(buildEscalationRequest({ category }), defaultRules);
      expect(outcome.decisions.find((decision) => decision.criterion === "not-first-line-only")).toMatchObject({
        met: false,
      });
    },
  );

  it("when the matter is a billing dispute, then it escalates", () => {
    expect(evaluateCriteria(buildEscalationRequest({ category: "billing-dispute" }), defaultRules).met).toBe(true);
  });

  it("when no category is given but the title asks for a password reset, then the title rule catches it", () => {
    const outcome = evaluateCriteria(
      buildEscalationRequest({ title: "Please reset the password for the CEO" }),
      defaultRules,
    );
    expect(outcome.decisions.find((decision) => decision.criterion === "not-first-line-only")?.detail).toContain(
      "password-reset",
    );
  });

  it("when the rules relax a criterion, then it is met and still recorded", () => {
    const rules = CriteriaRules.parse({ requireAdminCenterAttempted: false, minimumStepsTaken: 0 });
    const outcome = evaluateCriteria(
      buildEscalationRequest({
        firstLineSupport: { serviceHealthChecked: true, adminCenterAttempted: false, stepsTaken: [] },
      }),
      rules,
    );
    expect(outcome.met).toBe(true);
    expect(outcome.decisions).toHaveLength(4);
  });

  it("when rules name an unknown category, then parsing the rules fails", () => {
    expect(CriteriaRules.safeParse({ firstLineOnlyCategories: ["gossip"] }).success).toBe(false);
  });

  const firstLineMatterOf = (title: string, rules = defaultRules) => {
    const decision = evaluateCriteria(buildEscalationRequest({ title }), rules).decisions.find(
      (each) => each.criterion === "not-first-line-only",
    );
    return decision?.met === false ? decision.detail.split(" ")[0] : undefined;
  };

  it.each([
    ["Reset password", "password-reset"],
    ["Password reset for user", "password-reset"],
    ["User forgot their password", "password-reset"],
    ["PASSWORD CHANGE needed for admin", "password-reset"],
    ["Ｐａｓｓｗｏｒｄ ｒｅｓｅｔ", "password-reset"],
    ["重置密码", "password-reset"],
    ["密码重置", "password-reset"],
    ["用户忘记密码，无法登录", "password-reset"],
    ["请帮忙修改管理员的密码", "password-reset"],
    ["Global admin 密码 reset", "password-reset"],
    ["How do I add a shared calendar?", "how-to"],
    ["Teams 会议录制如何设置", "how-to"],
    ["如何在 Teams 中设置会议录制", "how-to"],
    ["Create mailbox for new hire", "account-setup"],
    ["Mailbox set-up for the finance team", "account-setup"],
    ["User account to create for contractor", "account-setup"],
    ["创建用户", "account-setup"],
    ["为新员工添加邮箱", "account-setup"],
  ])("when the title is %j and no category is given, then it is a first-line matter (%s)", (title, category) => {
    expect(firstLineMatterOf(title)).toBe(category);
  });

  it.each([
    "Exchange Online mail flow stopped for all users",
    "Exchange password sync fails for 3 users after the outage",
    "Mail flow stopped since 09:00",
    "Teams 会议无法加入",
    "用户无论如何都无法使用 Teams",
    "Exchange Online 邮件流停止",
    "Showdown: addresses missing from the user list",
  ])("when the title %j names no first-line matter, then the gate lets it through", (title) => {
    expect(firstLineMatterOf(title)).toBeUndefined();
  });

  it("when the setting still uses regular expressions, then they keep working, alone", () => {
    const rules = CriteriaRules.parse({
      firstLineOnlyTitlePatterns: [{ pattern: "^licen[cs]e", category: "account-setup" }],
    });
    expect(firstLineMatterOf("Licence assignment for five users", rules)).toBe("account-setup");
    expect(firstLineMatterOf("Reset password", rules)).toBeUndefined();
  });

  it("when the setting names its own term groups, then every group must appear, in any order", () => {
    const rules = CriteriaRules.parse({
      firstLineOnlyTitlePatterns: [
        {
          terms: [
            ["license", "许可证"],
            ["assign", "分配"],
          ],
          category: "account-setup",
        },
      ],
    });
    expect(firstLineMatterOf("许可证分配", rules)).toBe("account-setup");
    expect(firstLineMatterOf("Assign a license to the new user", rules)).toBe("account-setup");
    expect(firstLineMatterOf("License server down", rules)).toBeUndefined();
  });

  it.each([
    [{ firstLineOnlyTitlePatterns: [{ pattern: "(unclosed", category: "how-to" }] }],
    [{ firstLineOnlyTitlePatterns: [{ terms: [], category: "how-to" }] }],
    [{ firstLineOnlyTitlePatterns: [{ terms: [["reset"]], pattern: "reset", category: "how-to" }] }],
  ])("when a title rule is malformed (%j), then parsing the rules fails", (setting) => {
    expect(CriteriaRules.safeParse(setting).success).toBe(false);
  });
});
