// Two registered callers for the handler tests: one entitled to the builder's customer, one not.
import { createHash } from "node:crypto";
import { buildEscalationRequest } from "../../builders/escalation-request.js";

export const sha = (key: string) => createHash("sha256").update(key).digest("hex");
export const tenant = buildEscalationRequest().customer.tenantId;
export const callers = [
  { id: "contoso-desk", keySha256: sha("contoso-key"), tenants: [tenant] },
  { id: "fabrikam-desk", keySha256: sha("fabrikam-key"), tenants: ["22222222-2222-4222-8222-222222222222"] },
];
