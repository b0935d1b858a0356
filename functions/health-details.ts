// GET /api/health/details: each dependency check with its duration and the kind of failure.
// authLevel admin: the Functions host lets only the master key through, in Azure and locally.
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("health-details", {
  methods: ["GET"],
  authLevel: "admin",
  route: "health/details",
  handler: handlers.healthDetails,
});
