// DELETE /api/customers/{tenantId}/personal-data: erase now the personal data of every escalation
// of the customer, and every copy of it; answers counts.
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("customers-personal-data-delete", {
  methods: ["DELETE"],
  authLevel: "function",
  route: "customers/{tenantId}/personal-data",
  handler: handlers.erasePersonalData,
});
