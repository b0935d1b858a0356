// The Partner Center service-request contract as the sandbox serves it: request bodies in
// PascalCase (validated with zod), responses in camelCase, errors as { code, description }.
import { z } from "zod";

export const SEVERITIES = ["unknown", "critical", "moderate", "minimal"] as const;
export const STATUSES = ["none", "open", "closed", "attention_needed"] as const;
export type Severity = (typeof SEVERITIES)[number];
export type Status = (typeof STATUSES)[number];

/** Partner Center sends either the enum name or its integer value; accept both. */
function enumOrIndex<T extends readonly [string, ...string[]]>(values: T, name: string) {
  return z.union([z.string(), z.number().int()]).transform((value, ctx): T[number] => {
    if (typeof value === "number") {
      const byIndex = values[value];
      if (byIndex !== undefined) return byIndex;
    } else {
      const byName = values.find((v) => v.toLowerCase() === value.toLowerCase());
      if (byName !== undefined) return byName;
    }
    ctx.addIssue({
      code: "custom",
      message: `${name} must be one of ${values.join(", ")} (or 0..${values.length - 1})`,
    });
    return z.NEVER;
  });
}

export const severitySchema = enumOrIndex(SEVERITIES, "Severity");
export const statusSchema = enumOrIndex(STATUSES, "Status");

const nonEmpty = z.string().trim().min(1);

export const contactSchema = z.object({
  ContactId: z.string().optional(),
  FirstName: z.string().optional(),
  LastName: z.string().optional(),
  Email: z.string().optional(),
  PhoneNumber: z.string().optional(),
});

export const noteInputSchema = z.object({
  CreatedByName: z.string().optional(),
  CreatedDate: z.string().optional(),
  Text: nonEmpty,
});

export const createBodySchema = z.object({
  Title: nonEmpty.max(256),
  Description: nonEmpty,
  Severity: severitySchema,
  SupportTopicId: z.union([nonEmpty, z.number().int()]).transform(String),
  PrimaryContact: contactSchema.optional(),
  CountryCode: z.string().optional(),
  ProductName: z.string().optional(),
  Notes: z.array(noteInputSchema).optional(),
});
export type CreateBody = z.infer<typeof createBodySchema>;

export const patchBodySchema = z
  .object({
    NewNote: z.union([noteInputSchema, nonEmpty.transform((Text) => ({ Text }))]).optional(),
    Status: statusSchema.optional(),
  })
  .refine((body) => body.NewNote !== undefined || body.Status !== undefined, {
    error: "NewNote or Status is required",
  });
export type PatchBody = z.infer<typeof patchBodySchema>;

export interface Note {
  createdByName: string;
  createdDate: string;
  text: string;
}

export interface Contact {
  contactId: string;
  firstName: string;
  lastName: string;
  email: string;
  phoneNumber: string;
}

export interface ServiceRequest {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  supportTopicId: string;
  supportTopicName: string;
  status: Status;
  organization: { id: string; name: string; phoneNumber: string };
  primaryContact: Contact;
  lastUpdatedBy: string;
  createdDate: string;
  lastModifiedDate: string;
  lastClosedDate: string;
  notes: Note[];
  countryCode?: string;
  productName?: string;
  attributes: { objectType: "ServiceRequest" };
}

export interface Collection<T> {
  totalCount: number;
  items: T[];
  attributes: { objectType: "Collection" };
}

export const NEVER_CLOSED = "0001-01-01T00:00:00";

/** Partner Center error body; `description` is at most 1,024 characters. */
export interface ApiError {
  code: string;
  description: string;
  source?: string;
}

export function apiError(code: string, description: string): ApiError {
  return { code, description: description.slice(0, 1024), source: "PartnerCenterSandbox" };
}

/** First zod issue as "Field: message", which is what a client needs to fix its request. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      const message = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
      return path === "" ? message : `${path}: ${message}`;
    })
    .join("; ");
}
