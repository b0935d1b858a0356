// What is wrong with a request, field by field: the domain's words for invalid input. The HTTP
// layer lists them as a problem's `invalid-params`; the domain knows nothing of that format.
import type { z } from "zod";

export interface FieldIssue {
  /** Where in the request: a body field path (`customer.tenantId`), a header or a query parameter. */
  name: string;
  reason: string;
}

/** zod issues as the fields they name; unknown fields are each named, so none is silently dropped. */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ name: path === "" ? key : `${path}.${key}`, reason: "unknown field" }));
    }
    return [{ name: path === "" ? "body" : path, reason: issue.message }];
  });
}
