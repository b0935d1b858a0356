// Reading JSON bodies with the real @azure/functions HttpRequest: media type, size, depth, syntax.
import functions from "@azure/functions";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepth, readJsonBody } from "../../../shared/http/read-json-body.js";

const { HttpRequest } = functions;

/** A POST as the host hands it over; `contentType: null` sends none (fetch then says text/plain). */
function post(
  body: string | Buffer,
  contentType: string | null = "application/json",
): InstanceType<typeof HttpRequest> {
  return new HttpRequest({
    url: "http://127.0.0.1/api/escalations",
    method: "POST",
    headers: contentType === null ? {} : { "content-type": contentType },
    body: typeof body === "string" ? { string: body } : { bytes: body },
  });
}

describe("readJsonBody", () => {
  it("when the body is JSON, then it is parsed and the raw bytes kept", async () => {
    const result = await readJsonBody(post('{"a":[1,2]}'));
    expect(result).toEqual({ ok: true, value: { a: [1, 2] }, raw: Buffer.from('{"a":[1,2]}') });
  });

  it("when the media type has parameters or a +json suffix, then it is accepted", async () => {
    expect((await readJsonBody(post("{}", "application/json; charset=utf-8"))).ok).toBe(true);
    expect((await readJsonBody(post("{}", "application/merge-patch+json"))).ok).toBe(true);
  });

  it.each([["text/plain"], ["application/x-www-form-urlencoded"], [null]])(
    "when the content type is %s, then 415",
    async (contentType) => {
      const result = await readJsonBody(post("{}", contentType));
      expect(result.ok || result.problem.status).toBe(415);
    },
  );

  it("when the body is larger than the limit, then 413", async () => {
    const result = await readJsonBody(post(JSON.stringify({ text: "x".repeat(70_000) })));
    expect(result.ok || result.problem).toMatchObject({ status: 413, type: "payload-too-large" });
  });

  it("when the body is exactly at the limit, then it is read", async () => {
    const body = JSON.stringify({ text: "x".repeat(100 - 11) });
    expect(body.length).toBe(100);
    expect((await readJsonBody(post(body), { maxBytes: 100 })).ok).toBe(true);
  });

  it("when the JSON is malformed, then 400 naming the body", async () => {
    const result = await readJsonBody(post('{"a": '));
    expect(result.ok || result.problem).toMatchObject({
      status: 400,
      type: "malformed-json",
      invalidParams: [{ name: "body", reason: "malformed JSON" }],
    });
  });

  it("when the bytes are not UTF-8, then 400", async () => {
    const result = await readJsonBody(post(Buffer.from([0x7b, 0xff, 0x7d])));
    expect(result.ok || result.problem.status).toBe(400);
  });

  it("when the JSON nests deeper than the limit, then 400 before parsing", async () => {
    const deep = "[".repeat(20) + "]".repeat(20);
    const result = await readJsonBody(post(deep));
    expect(result.ok || result.problem).toMatchObject({ status: 400, type: "json-too-deep" });
    expect((await readJsonBody(post("[".repeat(16) + "]".repeat(16)))).ok).toBe(true);
  });
});

describe("jsonDepth", () => {
  it("when brackets sit inside strings, then they do not count", () => {
    expect(jsonDepth('{"a":"[[[{{{\\"]]]"}')).toBe(1);
  });

  it("when JSON is generated, then the depth matches a walk of the parsed value", () => {
    const walk = (value: unknown): number =>
      Array.isArray(value)
        ? 1 + Math.max(0, ...value.map(walk))
        : typeof value === "object" && value !== null
          ? 1 + Math.max(0, ...Object.values(value).map(walk))
          : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(jsonDepth(JSON.stringify(value))).toBe(walk(value));
      }),
      { numRuns: 2_000 },
    );
  });
});
