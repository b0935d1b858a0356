// The documented manual route: when the service-request API is not enabled for 21Vianet, a
// person submits the request in Partner Center operated by 21Vianet. The bridge prepares a
// ready-to-paste case package, waits in `awaiting_portal`, and records the case number the
// person got back, which moves the escalation to `forwarded`.
import { firstLineEvidence } from "./first-line-evidence.js";
import { z } from "zod";
import { cleanText } from "../escalations/clean-text.js";
import { Note, type Escalation, type HistoryEntry } from "../escalations/escalation.js";
import { Contact, Customer, Severity } from "../escalations/escalation-request.js";
import type { ChannelOutcome, VianetChannel } from "./channel.js";
import { requestMarker } from "./channel.js";

/** Where a person goes in the portal, as 21Vianet documents the workflow. */
export const PORTAL_PATH =
  "Partner Center (operated by 21Vianet) > Support > Customer requests > find the customer > New request";

/** A partner's note a person adds to the case in the portal (the portal channel has no other way to 21Vianet). */
export const PortalNote = Note.pick({ id: true, at: true, text: true });
export type PortalNote = z.infer<typeof PortalNote>;

/** What a person pastes into the portal for an `awaiting_portal` escalation, and the partner's notes to add there. */
export const CasePackage = z.object({
  portalPath: z.string(),
  customer: Customer,
  service: z.string(),
  severity: Severity,
  title: z.string(),
  description: z.string(),
  /** Absent once the escalation's personal data was erased. */
  contact: Contact.optional(),
  /** The partner's notes to add to the case in the portal, oldest first; absent when there are none. */
  notesToAdd: z.array(PortalNote).optional(),
});
export type CasePackage = z.infer<typeof CasePackage>;

/** The partner's notes that a person adds in the portal, oldest first. */
export function notesToAddInPortal(escalation: Escalation): PortalNote[] {
  return (escalation.notes ?? [])
    .filter((note) => note.author === "partner" && note.delivery === "portal")
    .map(({ id, at, text }) => ({ id, at, text }));
}

/** Everything the portal form asks for, with the first-line evidence written out, and the partner's notes to add. */
export function buildCasePackage(escalation: Escalation): CasePackage {
  const { request } = escalation;
  const evidence = firstLineEvidence(request.firstLineSupport);
  const notesToAdd = notesToAddInPortal(escalation);
  return {
    portalPath: PORTAL_PATH,
    customer: request.customer,
    service: request.service,
    severity: request.severity,
    title: `${request.title} ${requestMarker(escalation.id)}`,
    description: [
      request.description,
      "",
      "First-line support:",
      ...evidence,
      ...(request.partnerTicketId ? ["", `Partner ticket: ${request.partnerTicketId}`] : []),
    ].join("\n"),
    ...(request.contact === undefined ? {} : { contact: request.contact }),
    ...(notesToAdd.length === 0 ? {} : { notesToAdd }),
  };
}

export class PortalChannel implements VianetChannel {
  readonly name = "portal" as const;

  submit(): Promise<ChannelOutcome> {
    return Promise.resolve({ kind: "awaiting-portal", portalPath: PORTAL_PATH });
  }

  findExisting(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}

/** The body of `POST /api/escalations/{id}/vianet-case`: the case number 21Vianet's portal gave. */
export const RecordVianetCase = z.strictObject({
  caseNumber: cleanText({ max: 64 }).regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
    "letters, digits, '-' and '_' as the portal shows the case number",
  ),
});
export type RecordVianetCase = z.infer<typeof RecordVianetCase>;

export type RecordCaseResult =
  { ok: true; escalation: Escalation; changed: boolean } | { ok: false; error: "not-awaiting-portal" };

/**
 * A person entered the 21Vianet case number from the portal: the escalation is forwarded. The
 * same case number sent again (a retried request) answers the escalation unchanged.
 */
export function recordPortalCase(
  escalation: Escalation,
  caseNumber: string,
  actor: string,
  at: Date,
): RecordCaseResult {
  if (
    escalation.status === "forwarded" &&
    escalation.vianet?.channel === "portal" &&
    escalation.vianet.serviceRequestId === caseNumber
  )
    return { ok: true, escalation, changed: false };
  if (escalation.status !== "awaiting_portal") return { ok: false, error: "not-awaiting-portal" };
  const time = at.toISOString();
  const entry: HistoryEntry = {
    at: time,
    from: "awaiting_portal",
    to: "forwarded",
    actor,
    detail: `21Vianet case ${caseNumber} recorded from the portal`,
  };
  return {
    ok: true,
    changed: true,
    escalation: {
      ...escalation,
      status: "forwarded",
      updatedAt: time,
      vianet: { channel: "portal", serviceRequestId: caseNumber, status: "open" },
      history: [...escalation.history, entry],
    },
  };
}
