// Unexpected errors of HTTP functions: 500 problem+json with an error id, the same id in the log,
// and nothing of the error itself in the answer.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import { withErrorBoundary } from "../../../shared/http/error-boundary.js";
import { BridgeError } from "../../../shared/lib/errors.js";

const { HttpRequest, InvocationContext } = functions;

const bodyText = (response: { body?: unknown }) => (typeof response.body === "string" ? response.body : "");

describe("withErrorBoundary", () => {
  function run(handler: Parameters<typeof withErrorBoundary>[0]) {
    const logged: { level: string; args: unknown[] }[] = [];
    const context = new InvocationContext({
      functionName: "escalations-post",
      invocationId: "inv-1",
      logHandler: (level, ...args) => logged.push({ level, args }),
    });
    const request = new HttpRequest({ url: "http://127.0.0.1:7071/api/escalations", method: "POST" });
    return { logged, answer: withErrorBoundary(handler, () => "err-42")(request, context) };
  }

  it("when the handler throws, then 500 problem+json names the error id, which the error log line carries with the error", async () => {
    const { logged, answer } = run(() =>
      Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:10002 AccountKey=secret")),
    );
    const response = await answer;
    expect(response.status).toBe(500);
    expect(response.headers).toMatchObject({ "content-type": "application/problem+json" });
    const body = bodyText(response);
    expect(JSON.parse(body)).toMatchObject({
      status: 500,
      errorId: "err-42",
      type: expect.stringContaining("internal-error") as unknown,
    });
    expect(body).not.toContain("ECONNREFUSED");
    expect(body).not.toContain("AccountKey");
    const errors = logged.filter((entry) => entry.level === "error");
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0]?.args)).toContain("err-42");
    expect(JSON.stringify(errors[0]?.args)).toContain("ECONNREFUSED");
  });

  it("when the error stands for another failure, then the log line carries its code and that cause, and the answer neither", async () => {
    const socket = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:7300"), { code: "ECONNREFUSED" });
    const { logged, answer } = run(() =>
      Promise.reject(new BridgeError("partner-center-failed", "no answer from Partner Center", { cause: socket })),
    );
    const body = bodyText(await answer);
    expect(body).not.toContain("partner-center-failed");
    expect(body).not.toContain("ECONNREFUSED");
    const [line] = logged.filter((entry) => entry.level === "error");
    expect(line?.args[1]).toMatchObject({
      errorId: "err-42",
      error: { code: "partner-center-failed", cause: { message: "connect ECONNREFUSED 127.0.0.1:7300" } },
    });
  });

  it("when the handler throws synchronously, then the answer is the same 500", async () => {
    const sync = await run(() => {
      throw new TypeError("x is undefined");
    }).answer;
    expect(sync.status).toBe(500);
    expect(bodyText(sync)).not.toContain("undefined");
  });

  it("when the handler answers, then its answer passes through untouched", async () => {
    const answer = { status: 202, body: '{"id":"esc-1"}' };
    expect(await run(() => Promise.resolve(answer)).answer).toBe(answer);
  });
});
