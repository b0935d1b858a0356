// Test data for escalations: a valid request, with overrides. The benchmark submits the same
// request, so both use the one builder in bench/ (bench/ is built without test/).
export { buildEscalationRequest } from "../../../../bench/escalation-request.js";
