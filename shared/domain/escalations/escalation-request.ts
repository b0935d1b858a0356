// What a partner system, a Power Automate flow or a person submits: the escalation body of the
// HTTP contract. Strict: unknown fields (`status`, `id`...) are refused, never assigned; free text
// is clean (see clean-text.ts).
import { z } from "zod";
import { cleanText } from "./clean-text.js";

export const Severity = z.enum(["critical", "moderate", "minimal"]);
export type Severity = z.infer<typeof Severity>;

/** What the problem is about; the criteria gate keeps first-line matters with the partner. */
export const IssueCategory = z.enum([
  "technical-issue",
  "service-outage",
  "billing-dispute",
  "how-to",
  "account-setup",
  "password-reset",
  "configuration",
  "client-connectivity",
  "other",
]);
export type IssueCategory = z.infer<typeof IssueCategory>;

/** How a free-text field of at most `max` characters is read. */
type TextField = (max: number) => z.ZodString;

const ServiceId = z.string().trim().toLowerCase().min(1, { abort: true }).max(64, { abort: true });

/** The body's shape over how its free text is read: checked at intake, taken as stored when read back. */
function requestSchemas(text: TextField) {
  const Customer = z.strictObject({
    tenantId: z.uuid(),
    name: text(256),
    domain: z
      .string()
      .trim()
      .toLowerCase()
      .max(253)
      .regex(
        /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        "a domain name such as contoso.partner.onmschina.cn",
      ),
  });
  const Contact = z.strictObject({
    name: text(128),
    email: z.email().max(254),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ()-]{6,32}$/, "a phone number such as +86 10 5555 0100")
      .optional(),
  });
  const FirstLineSupport = z.strictObject({
    serviceHealthChecked: z.boolean(),
    adminCenterAttempted: z.boolean(),
    stepsTaken: z.array(text(2_000)).max(50),
  });
  const EscalationRequest = z.strictObject({
    customer: Customer,
    service: ServiceId,
    severity: Severity,
    category: IssueCategory.optional(),
    title: text(200),
    description: text(30_000),
    contact: Contact,
    firstLineSupport: FirstLineSupport,
    partnerTicketId: text(128).optional(),
  });
  return { Customer, Contact, FirstLineSupport, EscalationRequest };
}

const intake = requestSchemas((max) => cleanText({ max }));

export const Customer = intake.Customer;
export type Customer = z.infer<typeof Customer>;

export const Contact = intake.Contact;
export type Contact = z.infer<typeof Contact>;

export const FirstLineSupport = intake.FirstLineSupport;
export type FirstLineSupport = z.infer<typeof FirstLineSupport>;

export const EscalationRequest = intake.EscalationRequest;
export type EscalationRequest = z.infer<typeof EscalationRequest>;

/**
 * The request inside a stored escalation: the same shape, its text taken as it was accepted, so
 * an escalation accepted before a text rule was tightened stays readable; its text may be empty
 * and its contact absent once its personal data was erased.
 */
const stored = requestSchemas((max) => z.string().max(max));
export const StoredEscalationRequest = stored.EscalationRequest.extend({
  /** Absent once the escalation's personal data was erased (see personal-data.ts). */
  contact: stored.Contact.optional(),
});

/** The request of a caller whose service must be in 21Vianet's catalogue, checked in the same round as every other field. */
export function escalationRequestFor(services: readonly string[]) {
  return EscalationRequest.extend({
    service: ServiceId.refine(
      (service) => services.includes(service),
      `not a service 21Vianet supports here; one of: ${services.join(", ")}`,
    ),
  });
}
