// Health checks with in-memory probes: status, deadlines, failure kinds and what each route shows.
import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import {
  checkHealth,
  probeFailureOf,
  redactSecrets,
  type DependencyProbe,
} from "../../../../shared/domain/health/check-health.js";
import { makeHealthDetailsHandler, makeHealthHandler } from "../../../../shared/handlers/health-handler.js";

function probe(
  name: string,
  behaviour: "ok" | "fail" | "hang",
  error: unknown = new Error("boom"),
): DependencyProbe & { aborted: boolean } {
  const result = {
    name,
    aborted: false,
    check(signal: AbortSignal): Promise<void> {
      if (behaviour === "ok") return Promise.resolve();
      if (behaviour === "fail") return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      return new Promise<void>((_resolve, reject) => {
        signal.addEventListener("abort", () => {
          result.aborted = true;
          reject(new Error("aborted"));
        });
      });
    },
  };
  return result;
}

function errorWith(fields: { name?: string; code?: string; statusCode?: number; message: string }): Error {
  return Object.assign(new Error(fields.message), fields);
}

/** A real InvocationContext whose warnings are kept. */
function recordingContext(): { context: InvocationContext; warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  const context = new InvocationContext({
    functionName: "health",
    invocationId: "inv-1",
    logHandler: (level, ...args) => (level === "warning" ? warnings.push(args) : undefined),
  });
  return { context, warnings };
}

const request = new HttpRequest({ url: "http://127.0.0.1:7071/api/health", method: "GET" });

describe("checkHealth", () => {
  it("when every probe answers, then the report is healthy with a duration per check", async () => {
    const { report, failures } = await checkHealth([probe("storage", "ok"), probe("serviceBus", "ok")], 1_000);
    expect(report.status).toBe("healthy");
    expect(Object.keys(report.checks)).toEqual(["storage", "serviceBus"]);
    expect(report.checks.storage?.status).toBe("ok");
    expect(typeof report.checks.storage?.durationMs).toBe("number");
    expect(failures).toEqual([]);
  });

  it("when one probe fails, then the report names it with the kind of failure and the error is kept apart for the log", async () => {
    const { report, failures } = await checkHealth(
      [
        probe(
          "storage",
          "fail",
          errorWith({ name: "RestError", code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:10002" }),
        ),
        probe("serviceBus", "ok"),
      ],
      1_000,
    );
    expect(report.status).toBe("unhealthy");
    expect(report.checks.storage).toEqual({
      status: "failed",
      durationMs: expect.any(Number) as unknown,
      error: "unreachable",
    });
    expect(report.checks.serviceBus?.status).toBe("ok");
    expect(failures).toEqual([
      { check: "storage", kind: "unreachable", message: "RestError: connect ECONNREFUSED 127.0.0.1:10002" },
    ]);
  });

  it("when a probe hangs, then it fails at the deadline as a timeout and is told to stop", async () => {
    const hanging = probe("serviceBus", "hang");
    const { report } = await checkHealth([hanging], 150);
    expect(report.checks.serviceBus).toMatchObject({ status: "failed", error: "timeout" });
    expect(hanging.aborted).toBe(true);
  });

  it("when an error message carries a key, then the logged message has it redacted", async () => {
    const { failures } = await checkHealth(
      [probe("storage", "fail", new Error("bad AccountKey=abc123== in connection"))],
      1_000,
    );
    expect(failures[0]?.message).toBe("Error: bad AccountKey=[redacted] in connection");
  });
});

describe("probeFailureOf", () => {
  it.each([
    [
      errorWith({ name: "RestError", code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:9" }),
      "unreachable",
    ],
    [
      errorWith({
        name: "MessagingError",
        code: "GeneralError",
        message: "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9",
      }),
      "unreachable",
    ],
    [
      errorWith({
        name: "ServiceBusError",
        code: "ServiceCommunicationProblem",
        message: "getaddrinfo ENOTFOUND contoso.servicebus.chinacloudapi.cn",
      }),
      "unreachable",
    ],
    [
      errorWith({
        name: "RestError",
        statusCode: 403,
        code: "AuthorizationFailure",
        message: "This request is not authorized",
      }),
      "unauthorised",
    ],
    [
      errorWith({
        name: "ServiceBusError",
        code: "UnauthorizedAccess",
        message: "InvalidSignature: The token has an invalid signature.",
      }),
      "unauthorised",
    ],
    [
      errorWith({
        name: "AuthenticationError",
        message: "AADSTS7000215: Invalid client secret provided. Trace ID: 1234",
      }),
      "unauthorised",
    ],
    [
      errorWith({
        name: "CredentialUnavailableError",
        message: "ManagedIdentityCredential: no managed identity endpoint",
      }),
      "unauthorised",
    ],
    [errorWith({ name: "Error", code: "ETIMEDOUT", message: "connect ETIMEDOUT 10.0.0.1:443" }), "timeout"],
    [
      errorWith({
        name: "ServiceBusError",
        code: "MessagingEntityNotFound",
        message: "The messaging entity 'sb://x/no-such-queue' could not be found.",
      }),
      "error",
    ],
    ["a thrown string", "error"],
  ])("when a probe throws %o, then the failure is %j", (error, kind) => {
    expect(probeFailureOf(error)).toBe(kind);
  });
});

describe("redactSecrets", () => {
  it("when text holds keys and signatures, then each value is replaced", () => {
    expect(redactSecrets("SharedAccessKey=s3cr3t;Endpoint=x sig=abc&se=1")).toBe(
      "SharedAccessKey=[redacted];Endpoint=x sig=[redacted]&se=1",
    );
  });
});

describe("health handler (anonymous)", () => {
  it("when healthy, then 200 with the status only and no caching", async () => {
    const { context } = recordingContext();
    const response = await makeHealthHandler({ probes: () => [probe("storage", "ok")], timeoutMs: 500 })(
      request,
      context,
    );
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ "cache-control": "no-store" });
    expect(response.jsonBody).toEqual({ status: "healthy" });
  });

  it("when unhealthy, then 503 with the status only, and the error goes to the log", async () => {
    const { context, warnings } = recordingContext();
    const failing = probe(
      "storage",
      "fail",
      errorWith({ name: "RestError", code: "ECONNREFUSED", message: "connect ECONNREFUSED 10.1.2.3:443" }),
    );
    const response = await makeHealthHandler({ probes: () => [failing, probe("serviceBus", "ok")], timeoutMs: 500 })(
      request,
      context,
    );
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({ status: "unhealthy" });
    expect(warnings).toEqual([
      [
        "health check failed",
        { check: "storage", kind: "unreachable", message: "RestError: connect ECONNREFUSED 10.1.2.3:443" },
      ],
    ]);
  });
});

describe("health details handler (master key)", () => {
  it("when a dependency fails, then 503 with every check, its duration and the kind of failure, never the error text", async () => {
    const { context } = recordingContext();
    const tokenFailure = errorWith({
      name: "AuthenticationError",
      message: "AADSTS7000215: Invalid client secret provided. Trace ID: 5f1e",
    });
    const response = await makeHealthDetailsHandler({
      probes: () => [probe("storage", "ok"), probe("serviceBus", "fail", tokenFailure)],
      timeoutMs: 500,
    })(request, context);
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({
      status: "unhealthy",
      checks: {
        storage: { status: "ok", durationMs: expect.any(Number) as unknown },
        serviceBus: { status: "failed", durationMs: expect.any(Number) as unknown, error: "unauthorised" },
      },
    });
    expect(JSON.stringify(response.jsonBody)).not.toContain("AADSTS");
  });

  it("when healthy, then 200 with each check ok", async () => {
    const { context } = recordingContext();
    const response = await makeHealthDetailsHandler({ probes: () => [probe("storage", "ok")], timeoutMs: 500 })(
      request,
      context,
    );
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ status: "healthy", checks: { storage: { status: "ok" } } });
  });
});
