// GET /api/health: whether Table Storage and Service Bus answer (200) or not (503), status only,
// anonymous for load balancer probes; the details are /api/health/details (health-details.ts).
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("health", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "health",
  handler: handlers.health,
});
