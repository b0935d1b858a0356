// GET /api/openapi.json: the OpenAPI 2.0 document to import as a Power Automate custom connector.
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("openapi-get", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "openapi.json",
  handler: handlers.openApi,
});
