// The one place an unexpected error of an HTTP function becomes an answer: 500 problem+json with
// an error id that the log line carries too, so a caller can quote it and an operator find it.
// The error itself (stack, code, the causes behind it, SDK detail) goes to the log only, never to
// the caller.
import { randomUUID } from "node:crypto";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { errorForLog } from "../lib/errors.js";
import { internalErrorProblem, toProblemResponse } from "./problem.js";

export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export function withErrorBoundary(handler: HttpHandler, newErrorId: () => string = randomUUID): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      const errorId = newErrorId();
      context.error("unexpected error answered with 500", { errorId, error: errorForLog(error) });
      return toProblemResponse(internalErrorProblem(errorId));
    }
  };
}
