// The names the app's spans, metrics and log records share, so a query written against one
// signal works on the others. Ids only: no attribute ever carries personal data.

/** The instrumentation scope of every tracer, meter and logger the app itself uses. */
export const INSTRUMENTATION_SCOPE = "vianet-escalation-bridge";

export const ATTR_ESCALATION_ID = "escalation.id";
export const ATTR_CORRELATION_ID = "escalation.correlation_id";
export const ATTR_CALLER_ID = "escalation.caller_id";
export const ATTR_OUTCOME = "escalation.outcome";
