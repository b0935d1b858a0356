// Standard Webhooks verification: the published vector, tamper-evidence of every signed byte, rotation and malformed input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseWebhookSecret,
  signWebhook,
  verifyWebhook,
  type WebhookSecret,
  type WebhookVerificationResult,
} from "../../../shared/lib/standard-webhooks.js";

const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: Buffer.from('{"test": 2432232314}', "utf8"),
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

function secretFrom(text: string): WebhookSecret {
  const parsed = parseWebhookSecret(text);
  if (!parsed.ok) throw new Error(`test secret is invalid: ${parsed.message}`);
  return parsed.secret;
}

function secretFromBytes(bytes: Uint8Array): WebhookSecret {
  return secretFrom(`whsec_${Buffer.from(bytes).toString("base64")}`);
}

const vectorSecret = secretFrom(vector.secret);
const otherSecret = secretFromBytes(Buffer.alloc(24, 7));
const thirdSecret = secretFromBytes(Buffer.alloc(24, 9));

function atSeconds(seconds: number): Date {
  return new Date(seconds * 1000);
}

/** A header lookup over a plain record, the way an in-memory caller would provide one. */
function headersOf(values: Record<string, string>): { get(name: string): string | null } {
  return { get: (name) => values[name] ?? null };
}

interface Delivery {
  id: string;
  timestamp: string;
  signature: string;
  body: Uint8Array;
}

const vectorDelivery: Delivery = {
  id: vector.id,
  timestamp: String(vector.timestamp),
  signature: vector.signature,
  body: vector.body,
};

function verifyDelivery(
  delivery: Delivery,
  options: { secrets?: WebhookSecret[]; now?: Date; toleranceSeconds?: number } = {},
): WebhookVerificationResult {
  return verifyWebhook({
    headers: headersOf({
      "webhook-id": delivery.id,
      "webhook-timestamp": delivery.timestamp,
      "webhook-signature": delivery.signature,
    }),
    body: delivery.body,
    secrets: options.secrets ?? [vectorSecret],
    now: options.now ?? atSeconds(Number(delivery.timestamp)),
    ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
  });
}

function withByteChanged(bytes: Uint8Array, position: number, newValue: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[position] = newValue;
  return copy;
}

function withCharChanged(text: string, position: number, newCode: number): string {
  return text.slice(0, position) + String.fromCharCode(newCode) + text.slice(position + 1);
}

/** A different value for one byte/char: adding 1..255 modulo 256 never gives the original back. */
const byteDelta = fc.integer({ min: 1, max: 255 });
const webhookId = fc.stringMatching(/^msg_[A-Za-z0-9]{1,27}$/);
const unixSeconds = fc.integer({ min: 0, max: 4_102_444_800 });
const secretBytes = fc.uint8Array({ minLength: 1, maxLength: 64 });
const bodyBytes = fc.uint8Array({ minLength: 1, maxLength: 512 });

describe("the published Standard Webhooks test vector", () => {
  it("when the vector's delivery is signed, then the signature is the published one", () => {
    const signature = signWebhook({
      id: vector.id,
      timestamp: vector.timestamp,
      body: vector.body,
      secret: vectorSecret,
    });

    expect(signature).toBe(vector.signature);
  });

  it("when the vector's delivery is verified at its own timestamp, then it verifies with its id and timestamp", () => {
    const result = verifyDelivery(vectorDelivery);

    expect(result).toEqual({ ok: true, webhookId: vector.id, timestamp: vector.timestamp });
  });

  it("when any byte of the vector's body is changed to any other value, then verification fails", () => {
    const outcomes = new Set<string>();
    let attempts = 0;

    for (let position = 0; position < vector.body.length; position++) {
      for (let delta = 1; delta <= 255; delta++) {
        const body = withByteChanged(vector.body, position, ((vector.body[position] ?? 0) + delta) % 256);
        const result = verifyDelivery({ ...vectorDelivery, body });
        outcomes.add(result.ok ? "ok" : result.error);
        attempts++;
      }
    }

    expect(attempts).toBe(vector.body.length * 255);
    expect([...outcomes]).toEqual(["no-matching-signature"]);
  });
});

describe("tamper evidence (properties)", () => {
  it("when one byte of the signed body is changed, then the delivery no longer verifies", () => {
    fc.assert(
      fc.property(
        webhookId,
        unixSeconds,
        bodyBytes,
        secretBytes,
        fc.nat(),
        byteDelta,
        (id, timestamp, body, keyBytes, positionSeed, delta) => {
          const secret = secretFromBytes(keyBytes);
          const delivery = {
            id,
            timestamp: String(timestamp),
            body,
            signature: signWebhook({ id, timestamp, body, secret }),
          };
          const position = positionSeed % body.length;
          const tampered = {
            ...delivery,
            body: withByteChanged(body, position, ((body[position] ?? 0) + delta) % 256),
          };

          expect(verifyDelivery(delivery, { secrets: [secret] }).ok).toBe(true);
          expect(verifyDelivery(tampered, { secrets: [secret], now: atSeconds(timestamp) })).toMatchObject({
            ok: false,
            error: "no-matching-signature",
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("when one character of the webhook id is changed, then the delivery no longer verifies", () => {
    fc.assert(
      fc.property(
        webhookId,
        unixSeconds,
        bodyBytes,
        secretBytes,
        fc.nat(),
        byteDelta,
        (id, timestamp, body, keyBytes, positionSeed, delta) => {
          const secret = secretFromBytes(keyBytes);
          const delivery = {
            id,
            timestamp: String(timestamp),
            body,
            signature: signWebhook({ id, timestamp, body, secret }),
          };
          const position = positionSeed % id.length;
          const tampered = { ...delivery, id: withCharChanged(id, position, (id.charCodeAt(position) + delta) % 256) };

          expect(verifyDelivery(delivery, { secrets: [secret] }).ok).toBe(true);
          expect(verifyDelivery(tampered, { secrets: [secret], now: atSeconds(timestamp) })).toMatchObject({
            ok: false,
            error: "no-matching-signature",
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("when one character of the timestamp is changed, then the delivery no longer verifies, even with a tolerance wide enough to accept any time", () => {
    const everyTimestamp = 1e12;
    fc.assert(
      fc.property(
        webhookId,
        unixSeconds,
        bodyBytes,
        secretBytes,
        fc.nat(),
        byteDelta,
        (id, timestamp, body, keyBytes, positionSeed, delta) => {
          const secret = secretFromBytes(keyBytes);
          const delivery = {
            id,
            timestamp: String(timestamp),
            body,
            signature: signWebhook({ id, timestamp, body, secret }),
          };
          const position = positionSeed % delivery.timestamp.length;
          const tamperedTimestamp = withCharChanged(
            delivery.timestamp,
            position,
            (delivery.timestamp.charCodeAt(position) + delta) % 256,
          );

          const result = verifyDelivery(
            { ...delivery, timestamp: tamperedTimestamp },
            { secrets: [secret], now: atSeconds(timestamp), toleranceSeconds: everyTimestamp },
          );

          expect(verifyDelivery(delivery, { secrets: [secret] }).ok).toBe(true);
          const expectedErrors = /^[0-9]+$/.test(tamperedTimestamp)
            ? ["no-matching-signature"]
            : ["invalid-timestamp", "missing-headers"];
          expect(result.ok).toBe(false);
          expect(expectedErrors).toContain(result.ok ? "ok" : result.error);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("when anything is signed with signWebhook, then verifyWebhook accepts it and reports its id and timestamp", () => {
    fc.assert(
      fc.property(
        webhookId,
        unixSeconds,
        fc.uint8Array({ maxLength: 512 }),
        secretBytes,
        (id, timestamp, body, keyBytes) => {
          const secret = secretFromBytes(keyBytes);
          const signature = signWebhook({ id, timestamp, body, secret });

          const result = verifyDelivery({ id, timestamp: String(timestamp), body, signature }, { secrets: [secret] });

          expect(result).toEqual({ ok: true, webhookId: id, timestamp });
        },
      ),
    );
  });

  it("when headers and body are arbitrary, then verification returns a failure instead of throwing", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.uint8Array(), (id, timestamp, signature, body) => {
        const result = verifyDelivery({ id, timestamp, signature, body }, { now: atSeconds(vector.timestamp) });

        expect(result.ok).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("verifyWebhook signature list", () => {
  it("when several v1 entries are sent and only one is valid, then the delivery verifies", () => {
    const wrong = signWebhook({ id: vector.id, timestamp: vector.timestamp, body: vector.body, secret: otherSecret });
    const signature = `${wrong} v1,AAAA v1,not*base64 ${vector.signature} v1,${Buffer.alloc(32).toString("base64")}`;

    const result = verifyDelivery({ ...vectorDelivery, signature });

    expect(result.ok).toBe(true);
  });

  it("when several v1 entries are sent and none is valid, then it fails with no-matching-signature", () => {
    const wrong = signWebhook({ id: vector.id, timestamp: vector.timestamp, body: vector.body, secret: otherSecret });

    const result = verifyDelivery({
      ...vectorDelivery,
      signature: `${wrong} v1,${Buffer.alloc(32).toString("base64")}`,
    });

    expect(result).toMatchObject({ ok: false, error: "no-matching-signature" });
  });

  it("when the correct HMAC is sent under v2 only, then it is ignored and nothing verifies", () => {
    const v2Only = vector.signature.replace(/^v1,/, "v2,");

    const result = verifyDelivery({ ...vectorDelivery, signature: `${v2Only} v1a,${v2Only.slice(3)}` });

    expect(result).toMatchObject({ ok: false, error: "no-supported-signature" });
  });

  it("when v2 entries come alongside a valid v1 entry, then the v1 entry verifies", () => {
    const result = verifyDelivery({
      ...vectorDelivery,
      signature: `v2,${Buffer.alloc(64).toString("base64")} ${vector.signature} v2,zzz`,
    });

    expect(result.ok).toBe(true);
  });

  it("when entries are separated by several spaces or tabs, then each is still considered", () => {
    const result = verifyDelivery({ ...vectorDelivery, signature: `v1,AAAA  \t ${vector.signature}` });

    expect(result.ok).toBe(true);
  });

  const validBase64 = vector.signature.slice(3);
  it.each([
    ["not base64 at all", "v1,!!!not-base64!!!"],
    ["empty after the version", "v1,"],
    ["a version without a comma", "v1"],
    ["a 3-byte value", "v1,AAAA"],
    ["the valid value truncated by 4 characters", `v1,${validBase64.slice(0, -4)}`],
    [
      "the valid value with 3 extra bytes",
      `v1,${Buffer.concat([Buffer.from(validBase64, "base64"), Buffer.alloc(3)]).toString("base64")}`,
    ],
    ["the valid value with junk characters inside", `v1,${validBase64.slice(0, 10)}*${validBase64.slice(10)}`],
    ["the valid value in base64url", `v1,${Buffer.from(validBase64, "base64").toString("base64url")}`],
    ["the valid value with non-zero padding bits", `v1,${validBase64.slice(0, 42)}F=`],
    ["the valid value with a wrong amount of padding", `v1,${validBase64}==`],
    ["the valid value in lower case", `v1,${validBase64.toLowerCase()}`],
  ])("when the only entry is %s, then it fails without throwing", (_case, signature) => {
    const result = verifyDelivery({ ...vectorDelivery, signature });

    expect(result).toMatchObject({
      ok: false,
      error: signature.startsWith("v1,") ? "no-matching-signature" : "no-supported-signature",
    });
  });

  it("when the valid value's padding is left off, then it still verifies (same bytes, canonical unpadded base64)", () => {
    const result = verifyDelivery({ ...vectorDelivery, signature: vector.signature.replace(/=+$/, "") });

    expect(result.ok).toBe(true);
  });
});

describe("verifyWebhook secret rotation", () => {
  it("when the delivery is signed with the old secret while old and new are configured, then it verifies", () => {
    const result = verifyDelivery(vectorDelivery, { secrets: [otherSecret, vectorSecret] });

    expect(result.ok).toBe(true);
  });

  it("when the delivery is signed with the new secret while old and new are configured, then it verifies", () => {
    const signature = signWebhook({
      id: vector.id,
      timestamp: vector.timestamp,
      body: vector.body,
      secret: otherSecret,
    });

    const result = verifyDelivery({ ...vectorDelivery, signature }, { secrets: [vectorSecret, otherSecret] });

    expect(result.ok).toBe(true);
  });

  it("when the delivery is signed with a secret that is not configured, then it fails", () => {
    const signature = signWebhook({
      id: vector.id,
      timestamp: vector.timestamp,
      body: vector.body,
      secret: thirdSecret,
    });

    const result = verifyDelivery({ ...vectorDelivery, signature }, { secrets: [vectorSecret, otherSecret] });

    expect(result).toMatchObject({ ok: false, error: "no-matching-signature" });
  });

  it("when no secret is configured, then it throws because that is a configuration bug", () => {
    expect(() => verifyDelivery(vectorDelivery, { secrets: [] })).toThrow("no secrets configured");
  });
});

describe("verifyWebhook timestamp tolerance", () => {
  it.each([
    ["exactly 300 s old", 300, true],
    ["301 s old", 301, false],
    ["exactly 300 s in the future", -300, true],
    ["301 s in the future", -301, false],
    ["300.001 s old", 300.001, false],
  ])("when the timestamp is %s (now - timestamp = %d s), then ok is %s", (_case, nowMinusTimestamp, expectedOk) => {
    const result = verifyDelivery(vectorDelivery, { now: atSeconds(vector.timestamp + nowMinusTimestamp) });

    expect(result.ok).toBe(expectedOk);
    if (!result.ok) expect(result.error).toBe("timestamp-out-of-tolerance");
  });

  it("when the timestamp is too old, then the message says so", () => {
    const result = verifyDelivery(vectorDelivery, { now: atSeconds(vector.timestamp + 3_600) });

    expect(result).toEqual({
      ok: false,
      error: "timestamp-out-of-tolerance",
      message: "webhook-timestamp is too old (3600 s from now, tolerance 300 s)",
    });
  });

  it("when the timestamp is too new, then the message says so", () => {
    const result = verifyDelivery(vectorDelivery, { now: atSeconds(vector.timestamp - 3_600) });

    expect(result).toEqual({
      ok: false,
      error: "timestamp-out-of-tolerance",
      message: "webhook-timestamp is too far in the future (3600 s from now, tolerance 300 s)",
    });
  });

  it.each([
    [10, 10, true],
    [10, 11, false],
    [10, -10, true],
    [10, -11, false],
    [600, 600, true],
  ])(
    "when the tolerance is %i s and now - timestamp is %i s, then ok is %s",
    (toleranceSeconds, nowMinusTimestamp, expectedOk) => {
      const result = verifyDelivery(vectorDelivery, {
        now: atSeconds(vector.timestamp + nowMinusTimestamp),
        toleranceSeconds,
      });

      expect(result.ok).toBe(expectedOk);
    },
  );

  it("when the timestamp is out of tolerance and the signature is bad too, then the timestamp is reported", () => {
    const result = verifyDelivery(
      { ...vectorDelivery, signature: "v1,AAAA" },
      { now: atSeconds(vector.timestamp + 301) },
    );

    expect(result).toMatchObject({ ok: false, error: "timestamp-out-of-tolerance" });
  });

  it("when now is an invalid Date, then it throws rather than skipping the tolerance check", () => {
    expect(() => verifyDelivery(vectorDelivery, { now: new Date(Number.NaN) })).toThrow("invalid Date");
  });

  it("when the tolerance is negative, then it throws because that is a configuration bug", () => {
    expect(() => verifyDelivery(vectorDelivery, { toleranceSeconds: -1 })).toThrow("toleranceSeconds");
  });
});

describe("verifyWebhook headers", () => {
  it.each([["webhook-id"], ["webhook-timestamp"], ["webhook-signature"]])(
    "when %s is absent, then it fails with missing-headers naming it",
    (absent) => {
      const values: Record<string, string> = {
        "webhook-id": vector.id,
        "webhook-timestamp": String(vector.timestamp),
        "webhook-signature": vector.signature,
      };
      values[absent] = "";
      const present = Object.fromEntries(Object.entries(values).filter(([name]) => name !== absent));

      const result = verifyWebhook({
        headers: headersOf(present),
        body: vector.body,
        secrets: [vectorSecret],
        now: atSeconds(vector.timestamp),
      });

      expect(result).toEqual({ ok: false, error: "missing-headers", message: `missing or empty header(s): ${absent}` });
    },
  );

  it("when every header is empty or blank, then all three are named", () => {
    const result = verifyDelivery({ ...vectorDelivery, id: "", timestamp: " ", signature: "" });

    expect(result).toEqual({
      ok: false,
      error: "missing-headers",
      message: "missing or empty header(s): webhook-id, webhook-timestamp, webhook-signature",
    });
  });

  it.each([
    ["abc"],
    ["1614265330.0"],
    ["-1614265330"],
    ["1.6e9"],
    ["0x603886F2"],
    ["1614265330 "],
    ["99999999999999999999"],
  ])("when webhook-timestamp is %j, then it fails with invalid-timestamp", (timestamp) => {
    const result = verifyDelivery({ ...vectorDelivery, timestamp }, { now: atSeconds(vector.timestamp) });

    expect(result).toMatchObject({ ok: false, error: "invalid-timestamp" });
  });

  it("when headers come as a fetch Headers object with any casing, then they are found", () => {
    const headers = new Headers({
      "Webhook-Id": vector.id,
      "WEBHOOK-TIMESTAMP": String(vector.timestamp),
      "webhook-Signature": vector.signature,
    });

    const result = verifyWebhook({
      headers,
      body: vector.body,
      secrets: [vectorSecret],
      now: atSeconds(vector.timestamp),
    });

    expect(result).toEqual({ ok: true, webhookId: vector.id, timestamp: vector.timestamp });
  });

  it("when the body is re-serialised JSON with the same meaning, then it fails because the raw bytes are signed", () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(vector.body.toString("utf8"))), "utf8");

    const result = verifyDelivery({ ...vectorDelivery, body: reserialised });

    expect(result).toMatchObject({ ok: false, error: "no-matching-signature" });
  });
});

describe("parseWebhookSecret", () => {
  it("when given the vector's secret, then the key is its base64-decoded part", () => {
    const result = parseWebhookSecret(vector.secret);

    expect(result.ok && Buffer.from(result.secret.key).toString("base64")).toBe("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  });

  it("when the base64 part is padded or unpadded, then both are accepted", () => {
    expect(parseWebhookSecret("whsec_AAAAAA==").ok).toBe(true);
    expect(parseWebhookSecret("whsec_AAAAAA").ok).toBe(true);
  });

  it.each([
    ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "missing-prefix"],
    ["WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "missing-prefix"],
    ["", "missing-prefix"],
    ["whsec_", "empty-key"],
    ["whsec_not base64!", "invalid-base64"],
    ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "invalid-base64"],
    ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS_", "invalid-base64"],
    ["whsec_A", "invalid-base64"],
    ["whsec_AAAAAA=", "invalid-base64"],
  ])("when given %j, then it fails with %s", (text, error) => {
    const result = parseWebhookSecret(text);

    expect(result).toMatchObject({ ok: false, error });
    expect(!result.ok && result.message).toContain("whsec_");
  });
});

describe("signWebhook", () => {
  it("when the same delivery is signed twice, then the header value is the same v1 entry", () => {
    const delivery = { id: vector.id, timestamp: vector.timestamp, body: vector.body, secret: otherSecret };

    expect(signWebhook(delivery)).toBe(signWebhook(delivery));
    expect(signWebhook(delivery)).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it.each([[1.5], [-1], [Number.NaN]])(
    "when the timestamp is %d, then it throws because callers must pass whole unix seconds",
    (timestamp) => {
      expect(() => signWebhook({ id: vector.id, timestamp, body: vector.body, secret: vectorSecret })).toThrow(
        "whole unix seconds",
      );
    },
  );

  it("when the id is empty, then it throws", () => {
    expect(() => signWebhook({ id: "", timestamp: vector.timestamp, body: vector.body, secret: vectorSecret })).toThrow(
      "id must not be empty",
    );
  });
});
