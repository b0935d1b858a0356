// GET /api/customers/{tenantId}/personal-data: everything stored about the customer's contacts,
// for an access request.
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("customers-personal-data-get", {
  methods: ["GET"],
  authLevel: "function",
  route: "customers/{tenantId}/personal-data",
  handler: handlers.getPersonalData,
});
