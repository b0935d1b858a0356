// Health checks with in-memory probes: status, deadlines and redaction.
import { describe, expect, it } from "vitest";
import { checkHealth, redactSecrets, type DependencyProbe } from "../../../shared/health/check-health.js";
import { makeHealthHandler } from "../../../shared/health/make-health-handler.js";

function probe(name: string, behaviour: "ok" | "fail" | "hang", message = "boom"): DependencyProbe & { aborted: boolean } {
  const result = {
    name,
    aborted: false,
    check(signal: AbortSignal): Promise<void> {
      if (behaviour === "ok") return Promise.resolve();
      if (behaviour === "fail") return Promise.reject(new Error(message));
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

describe("checkHealth", () => {
  it("when every probe answers, then the report is healthy with a duration per check", async () => {
    const report = await checkHealth([probe("storage", "ok"), probe("serviceBus", "ok")], 1_000);
    expect(report.status).toBe("healthy");
    expect(Object.keys(report.checks)).toEqual(["storage", "serviceBus"]);
    expect(report.checks.storage?.status).toBe("ok");
    expect(typeof report.checks.storage?.durationMs).toBe("number");
  });

  it("when one probe fails, then the report is unhealthy and names it with the error", async () => {
    const report = await checkHealth([probe("storage", "fail", "ECONNREFUSED 127.0.0.1:10002"), probe("serviceBus", "ok")], 1_000);
    expect(report.status).toBe("unhealthy");
    expect(report.checks.storage).toMatchObject({ status: "failed", error: "Error: ECONNREFUSED 127.0.0.1:10002" });
    expect(report.checks.serviceBus?.status).toBe("ok");
  });

  it("when a probe hangs, then it fails at the deadline and is told to stop", async () => {
    const hanging = probe("serviceBus", "hang");
    const started = Date.now();
    const report = await checkHealth([hanging], 150);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report.checks.serviceBus).toMatchObject({ status: "failed", error: "ProbeTimeoutError: no answer within 150 ms" });
    expect(hanging.aborted).toBe(true);
  });

  it("when an error message carries a key, then the report shows it redacted", async () => {
    const report = await checkHealth([probe("storage", "fail", "bad AccountKey=abc123== in connection")], 1_000);
    expect(report.checks.storage?.error).toBe("Error: bad AccountKey=[redacted] in connection");
  });
});

describe("redactSecrets", () => {
  it("when text holds keys and signatures, then each value is replaced", () => {
    expect(redactSecrets("SharedAccessKey=s3cr3t;Endpoint=x sig=abc&se=1")).toBe("SharedAccessKey=[redacted];Endpoint=x sig=[redacted]&se=1");
  });
});

describe("health handler", () => {
  it("when healthy, then 200 with the report and no caching", async () => {
    const response = await makeHealthHandler({ probes: () => [probe("storage", "ok")], timeoutMs: 500 })();
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ "cache-control": "no-store" });
    expect(response.jsonBody).toMatchObject({ status: "healthy" });
  });

  it("when unhealthy, then 503", async () => {
    const response = await makeHealthHandler({ probes: () => [probe("storage", "fail")], timeoutMs: 500 })();
    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({ status: "unhealthy" });
  });
});
