// The HTTP API's own response, query and header schemas (the request body is the domain's
// EscalationRequest): the handlers answer and parse with them, and the OpenAPI document publishes
// them, so what a client is promised is what it gets.
import { z } from "zod";
import {
  Escalation,
  EscalationStatus,
  EscalationSummary,
  ForwardingProgress,
  Note,
  VianetReference,
} from "../domain/escalations/escalation.js";
import { Contact, EscalationRequest, StoredEscalationRequest } from "../domain/escalations/escalation-request.js";
import { PersonalDataErasure } from "../domain/escalations/personal-data.js";
import { CasePackage } from "../domain/forwarding/portal-channel.js";
import { EVENT_TYPES } from "../domain/events/subscription.js";
import { EVENT_FORMATS, SubscriptionRequest } from "../domain/events/manage-subscriptions.js";

/** The `202` answer to a submission. */
export const SubmitAccepted = z.object({ id: Escalation.shape.id, status: EscalationStatus });
export type SubmitAccepted = z.infer<typeof SubmitAccepted>;

/** A note as the API shows it: 21Vianet's answers and the partner's notes, with how each travels. */
export const NoteView = Note.pick({ id: true, at: true, author: true, source: true, text: true, delivery: true });
export type NoteView = z.infer<typeof NoteView>;

/** `GET /escalations/{id}`: the request as accepted, where it stands, and how it got there. */
export const EscalationView = z.object({
  id: Escalation.shape.id,
  status: Escalation.shape.status,
  ...EscalationRequest.shape,
  // Empty, and the contact absent, once its personal data was erased: `erasure` says when and why.
  title: StoredEscalationRequest.shape.title,
  description: StoredEscalationRequest.shape.description,
  contact: StoredEscalationRequest.shape.contact,
  firstLineSupport: StoredEscalationRequest.shape.firstLineSupport,
  erasure: PersonalDataErasure.optional(),
  criteria: Escalation.shape.criteria,
  history: Escalation.shape.history,
  createdAt: Escalation.shape.createdAt,
  updatedAt: Escalation.shape.updatedAt,
  vianet: VianetReference.optional(),
  portalCase: CasePackage.optional(),
  forwarding: ForwardingProgress.optional(),
  /** 21Vianet's notes and the partner's, oldest first; absent while there are none. */
  notes: z.array(NoteView).optional(),
});
export type EscalationView = z.infer<typeof EscalationView>;

/** `GET /escalations`: a page of the list, each item from the list's index rows. */
export const EscalationList = z.object({
  items: z.array(EscalationSummary),
  /** Present when more pages follow: pass it back as the `continuationToken` query parameter. */
  continuationToken: z.string().min(1).optional(),
});
export type EscalationList = z.infer<typeof EscalationList>;

/** Query parameters of `GET /escalations` (strings on the wire: pageSize is coerced). */
export const EscalationListQuery = z.object({
  tenantId: z.uuid().optional(),
  status: EscalationStatus.optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  pageSize: z.coerce.number().int().min(1).max(100).optional(),
  continuationToken: z.string().min(1).optional(),
});
export type EscalationListQuery = z.infer<typeof EscalationListQuery>;

export const SubmitHeaders = z.object({
  "Idempotency-Key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
    .optional(),
});

export const WebhookHeaders = z.object({
  "webhook-id": z.string().min(1),
  "webhook-timestamp": z.string().regex(/^[0-9]+$/, "Unix time in seconds"),
  "webhook-signature": z.string().min(1),
});

export const EscalationPath = z.object({ id: z.string().min(1) });

/** 21Vianet's case or service request number, as recorded on an escalation. */
export const VianetCasePath = z.object({ caseNumber: z.string().min(1).max(128) });

/** `GET /subscriptions/{id}`: a subscription as its caller sees it; the secret is never shown again. */
export const SubscriptionView = z.object({
  id: z.string().min(1),
  url: SubscriptionRequest.shape.url,
  events: SubscriptionRequest.shape.events,
  format: z.enum(EVENT_FORMATS),
  description: z.string().optional(),
  createdAt: z.iso.datetime(),
});
export type SubscriptionView = z.infer<typeof SubscriptionView>;

/** The `201` answer to a subscription: the view and, this once, the signing secret. */
export const SubscriptionCreated = SubscriptionView.extend({
  /** `whsec_...`: verifies each delivery's webhook-signature (Standard Webhooks). */
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
});
export type SubscriptionCreated = z.infer<typeof SubscriptionCreated>;

/** `GET /subscriptions`: the caller's own subscriptions, oldest first. */
export const SubscriptionList = z.object({ items: z.array(SubscriptionView) });
export type SubscriptionList = z.infer<typeof SubscriptionList>;

export const SubscriptionPath = z.object({ id: z.string().min(1) });

/** An event's `data`: the escalation as `GET /escalations/{id}` answers it, and the event's place in its history. */
export const EscalationEventData = EscalationView.extend({
  /** The history position of the change the event tells of: events of one escalation increase. */
  sequence: z.number().int().min(0),
});
export type EscalationEventData = z.infer<typeof EscalationEventData>;

/** What a subscription receives (Standard Webhooks body): what happened, when, and the escalation. */
export const EscalationEvent = z.object({
  type: z.enum(EVENT_TYPES),
  timestamp: z.iso.datetime(),
  data: EscalationEventData,
});
export type EscalationEvent = z.infer<typeof EscalationEvent>;

/** `/customers/{tenantId}/personal-data`: the customer, by its Entra tenant id. */
export const CustomerPath = z.object({ tenantId: z.uuid() });

/** One escalation's personal data, as an access request answers it: every piece stored, and its erasure. */
export const EscalationPersonalData = z.object({
  escalationId: Escalation.shape.id,
  createdAt: Escalation.shape.createdAt,
  status: EscalationStatus,
  /** Absent once erased. */
  contact: Contact.optional(),
  title: z.string(),
  description: z.string(),
  firstLineSteps: z.array(z.string()),
  partnerTicketId: z.string().optional(),
  /** Note texts still stored (erased ones are left out). */
  notes: z.array(Note.pick({ id: true, at: true, author: true, text: true })),
  erasure: PersonalDataErasure.optional(),
});

/** One erasure the audit recorded for the customer: who, when, which escalations, how many rows; never the data. */
export const ErasureRecord = z.object({
  at: z.iso.datetime(),
  actor: z.string(),
  action: z.enum(["erase-on-request", "erase-after-retention", "delete-after-retention"]),
  tenantId: z.string().optional(),
  escalationIds: z.array(z.string()),
  rows: z.number().int().min(0),
  counts: z.record(z.string(), z.number().int().min(0)).optional(),
});

/** `GET /customers/{tenantId}/personal-data`: everything stored about the customer's contacts. */
export const PersonalDataView = z.object({
  tenantId: z.uuid(),
  /** Newest first. */
  escalations: z.array(EscalationPersonalData),
  /** Erasures of this customer's data audited in the last 400 days, oldest first. */
  erasures: z.array(ErasureRecord),
});
export type PersonalDataView = z.infer<typeof PersonalDataView>;

/** `DELETE /customers/{tenantId}/personal-data`: what the erasure did. */
export const PersonalDataErased = z.object({
  tenantId: z.uuid(),
  erasedAt: z.iso.datetime(),
  escalationsFound: z.number().int().min(0),
  erased: z.number().int().min(0),
  alreadyErased: z.number().int().min(0),
  withdrawn: z.number().int().min(0),
  idempotencyRecordsDeleted: z.number().int().min(0),
  deadLettersErased: z.number().int().min(0),
  rowsWritten: z.number().int().min(0),
});
export type PersonalDataErased = z.infer<typeof PersonalDataErased>;
