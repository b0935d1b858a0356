import { describe, it, expect } from "vitest";
import { createHmac } from "node:crypto";
import { audienceCovers, audiencePath, checkSasToken } from "../../../../local/service-bus/sas.js";

const KEY_NAME = "RootManageSharedAccessKey";
const KEY = "SAS_KEY_VALUE";
const NOW_MS = Date.UTC(2025, 0, 1, 12, 0, 0);
const ENDPOINT = "sb://127.0.0.1:5673/";

interface TokenSpec {
  audience: string;
  keyName: string;
  key: string;
  expiresAtSeconds: number;
}

function tokenSpec(overrides: Partial<TokenSpec> = {}): TokenSpec {
  return {
    audience: `${ENDPOINT}orders`,
    keyName: KEY_NAME,
    key: KEY,
    expiresAtSeconds: Math.floor(NOW_MS / 1000) + 3600,
    ...overrides,
  };
}

/** Builds a token the way @azure/core-amqp's SasTokenProviderImpl does. */
function sdkToken(overrides: Partial<TokenSpec> = {}): string {
  const spec = tokenSpec(overrides);
  const sr = encodeURIComponent(spec.audience);
  const sig = encodeURIComponent(
    createHmac("sha256", spec.key).update(`${sr}\n${spec.expiresAtSeconds}`).digest("base64"),
  );
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${spec.expiresAtSeconds}&skn=${encodeURIComponent(spec.keyName)}`;
}

function withField(token: string, field: string, value: string): string {
  return token.replace(new RegExp(`${field}=[^&]*`), `${field}=${value}`);
}

function fieldOf(token: string, field: string): string {
  const match = new RegExp(`${field}=([^&]*)`).exec(token);
  if (match?.[1] === undefined) throw new Error(`token has no ${field}`);
  return match[1];
}

function check(
  token: string,
  requestedAudience = `${ENDPOINT}orders`,
  nowMs = NOW_MS,
): ReturnType<typeof checkSasToken> {
  return checkSasToken(token, KEY_NAME, KEY, requestedAudience, nowMs);
}

describe("checkSasToken", () => {
  it("when the SDK signs a token for the entity, then it is accepted with the entity path and expiry", () => {
    const expiresAtSeconds = Math.floor(NOW_MS / 1000) + 3600;

    const result = check(sdkToken({ expiresAtSeconds }));

    expect(result).toEqual({ ok: true, audiencePath: "orders", expiresAtMs: expiresAtSeconds * 1000 });
  });

  it.each([
    ["the dead-letter queue", `${ENDPOINT}orders/$DeadLetterQueue`, "orders/$deadletterqueue"],
    ["the management endpoint", `${ENDPOINT}orders/$management`, "orders/$management"],
  ])("when a token for a queue is presented for %s, then the queue's token covers it", (_name, requested, path) => {
    expect(check(sdkToken({ audience: `${ENDPOINT}orders` }), requested)).toEqual(
      expect.objectContaining({ ok: true, audiencePath: path }),
    );
  });

  it.each([ENDPOINT, "sb://127.0.0.1:5673"])(
    "when a namespace-root token (%s) is presented, then it covers every entity path",
    (root) => {
      const token = sdkToken({ audience: root });

      for (const requested of [
        `${ENDPOINT}orders`,
        `${ENDPOINT}orders/$management`,
        `${ENDPOINT}invoices/$DeadLetterQueue`,
      ]) {
        expect(check(token, requested).ok, requested).toBe(true);
      }
    },
  );

  it("when the token was signed with another key, then it is refused because the signature does not match", () => {
    expect(check(sdkToken({ key: "ANOTHER_KEY" }))).toEqual({ ok: false, reason: "signature does not match" });
  });

  it("when the token names another key, then it is refused naming that key", () => {
    expect(check(sdkToken({ keyName: "SomeoneElse" }))).toEqual({
      ok: false,
      reason: "unknown key name 'SomeoneElse'",
    });
  });

  it("when the token has expired, then it is refused", () => {
    const expiresAtSeconds = Math.floor(NOW_MS / 1000) - 1;

    expect(check(sdkToken({ expiresAtSeconds }))).toEqual({ ok: false, reason: "token has expired" });
  });

  it("when the token expires exactly now, then it is refused", () => {
    const expiresAtSeconds = NOW_MS / 1000;

    expect(check(sdkToken({ expiresAtSeconds }), `${ENDPOINT}orders`, expiresAtSeconds * 1000)).toEqual({
      ok: false,
      reason: "token has expired",
    });
  });

  it("when the expiry is pushed later without re-signing, then the signature no longer matches", () => {
    const token = sdkToken();

    const tampered = withField(token, "se", String(Number(fieldOf(token, "se")) + 3600));

    expect(check(tampered)).toEqual({ ok: false, reason: "signature does not match" });
  });

  it("when the audience is changed without re-signing, then the signature no longer matches", () => {
    const token = sdkToken({ audience: `${ENDPOINT}orders` });

    const tampered = withField(token, "sr", encodeURIComponent(ENDPOINT));

    expect(check(tampered)).toEqual({ ok: false, reason: "signature does not match" });
  });

  it("when one byte of the signature is changed, then it is refused", () => {
    const token = sdkToken();
    const signature = Buffer.from(decodeURIComponent(fieldOf(token, "sig")), "base64");
    signature[0] = (signature[0] ?? 0) ^ 0x01;

    const tampered = withField(token, "sig", encodeURIComponent(signature.toString("base64")));

    expect(check(tampered)).toEqual({ ok: false, reason: "signature does not match" });
  });

  it.each([
    ["shorter", (signature: Buffer) => signature.subarray(0, 16)],
    ["longer", (signature: Buffer) => Buffer.concat([signature, Buffer.from([0])])],
    ["empty", () => Buffer.alloc(0)],
  ])("when the signature is %s than an HMAC-SHA256, then it is refused", (_name, change) => {
    const token = sdkToken();
    const signature = Buffer.from(decodeURIComponent(fieldOf(token, "sig")), "base64");

    const tampered = withField(token, "sig", encodeURIComponent(change(signature).toString("base64")));

    expect(check(tampered)).toEqual({ ok: false, reason: "signature does not match" });
  });

  it("when the signature is not valid percent-encoding, then it is refused", () => {
    expect(check(withField(sdkToken(), "sig", "%E0%A4%A"))).toEqual({
      ok: false,
      reason: "signature is not valid base64",
    });
  });

  it.each([
    ["another queue", `${ENDPOINT}invoices`],
    ["a queue whose name starts with the granted one", `${ENDPOINT}orders2`],
    ["the namespace root", ENDPOINT],
  ])(
    "when a valid queue token is presented for %s, then it is refused as not covering the audience",
    (_name, requested) => {
      const result = check(sdkToken({ audience: `${ENDPOINT}orders` }), requested);

      expect(result).toEqual({ ok: false, reason: `token for '${ENDPOINT}orders' does not cover '${requested}'` });
    },
  );

  it("when the entity names differ only in case, then the token covers the audience", () => {
    expect(check(sdkToken({ audience: `${ENDPOINT}Orders` }), `${ENDPOINT}orders/$management`).ok).toBe(true);
  });

  it.each([
    ["no SharedAccessSignature prefix", "sr=a&sig=b&se=1&skn=c", "not a SharedAccessSignature token"],
    ["a Bearer token", "Bearer eyJ0eXAi", "not a SharedAccessSignature token"],
    ["no skn", "SharedAccessSignature sr=a&sig=b&se=1", "token is missing sr, sig, se or skn"],
    ["no sig", "SharedAccessSignature sr=a&se=1&skn=c", "token is missing sr, sig, se or skn"],
  ])("when the token has %s, then it is refused", (_name, token, reason) => {
    expect(check(token)).toEqual({ ok: false, reason });
  });

  it("when se is not a number, then the token is refused as expired", () => {
    expect(check(withField(sdkToken(), "se", "soon"))).toEqual({ ok: false, reason: "token has expired" });
  });
});

describe("audiencePath", () => {
  it.each([
    ["sb://127.0.0.1:5673/q1/$management", "q1/$management"],
    ["sb://host/Q1/$DeadLetterQueue/", "q1/$deadletterqueue"],
    ["amqps://host/q1", "q1"],
    ["sb://host/", ""],
    ["sb://host", ""],
  ])("when the audience is %s, then its entity path is %j", (audience, path) => {
    expect(audiencePath(audience)).toBe(path);
  });
});

describe("audienceCovers", () => {
  it.each([
    ["", "q1", true],
    ["q1", "q1", true],
    ["q1", "q1/$management", true],
    ["q1", "q10", false],
    ["q1/$management", "q1", false],
    ["q2", "q1", false],
  ])("when %j is granted and %j requested, then covers is %s", (granted, requested, covers) => {
    expect(audienceCovers(granted, requested)).toBe(covers);
  });
});
