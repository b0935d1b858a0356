import { describe, it, expect } from "vitest";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse } from "../../../../local/functions-host/core-types.js";
import {
  PayloadTooLargeError,
  httpResultOf,
  readBody,
  toRpcHttpRequest,
  writeHttpResult,
} from "../../../../local/functions-host/http-trigger.js";

/** A request body stream with headers, standing in for an IncomingMessage. */
function requestStream(
  chunks: Buffer[],
  headers: IncomingHttpHeaders = { "transfer-encoding": "chunked" },
): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

/** The parts of an IncomingMessage that toRpcHttpRequest reads. */
function requestHead(method: string | undefined, rawHeaders: string[]): IncomingMessage {
  return { method, rawHeaders } as unknown as IncomingMessage;
}

/** A ServerResponse stand-in that records what was written. */
class RecordingResponse {
  status: number | undefined;
  headers: Record<string, string | string[]> | undefined;
  body: Buffer | undefined;
  ended = false;

  writeHead(status: number, headers?: Record<string, string | string[]>): this {
    this.status = status;
    this.headers = headers ?? {};
    return this;
  }

  end(body?: Buffer): this {
    this.body = body ?? Buffer.alloc(0);
    this.ended = true;
    return this;
  }
}

function written(result: RpcHttpData | undefined): RecordingResponse {
  const response = new RecordingResponse();
  writeHttpResult(result, response as unknown as ServerResponse);
  return response;
}

function setCookieOf(...cookies: RpcHttpCookie[]): string[] {
  const headers = written({ statusCode: "200", cookies }).headers ?? {};
  const value = headers["set-cookie"];
  if (!Array.isArray(value)) throw new Error(`expected set-cookie to be a list, got ${JSON.stringify(value)}`);
  return value;
}

describe("readBody", () => {
  it("when a request has neither content-length nor transfer-encoding, then it has no body and nothing is read", async () => {
    const stream = requestStream([Buffer.from("ignored")], {});
    expect(await readBody(stream, 100)).toEqual(Buffer.alloc(0));
    expect(stream.readableEnded).toBe(false);
  });

  it("when the body is streamed in chunks, then they are joined", async () => {
    const body = await readBody(requestStream([Buffer.from("hello, "), Buffer.from("world")]), 100);

    expect(body.toString("utf8")).toBe("hello, world");
  });

  it("when there is no body, then an empty buffer is returned", async () => {
    expect(await readBody(requestStream([]), 100)).toEqual(Buffer.alloc(0));
  });

  it("when the body is exactly the limit, then it is read", async () => {
    const body = await readBody(
      requestStream([Buffer.alloc(6, 1), Buffer.alloc(4, 2)], { "content-length": "10" }),
      10,
    );

    expect(body).toHaveLength(10);
  });

  it("when content-length declares more than the limit, then PayloadTooLargeError is thrown before reading", async () => {
    const stream = requestStream([Buffer.alloc(1)], { "content-length": "11" });

    await expect(readBody(stream, 10)).rejects.toThrow(new PayloadTooLargeError("request body of 11 bytes exceeds 10"));
    expect(stream.readableEnded).toBe(false);
  });

  it("when the streamed bytes exceed the limit without a content-length, then PayloadTooLargeError is thrown", async () => {
    const stream = requestStream([Buffer.alloc(6), Buffer.alloc(5)]);

    await expect(readBody(stream, 10)).rejects.toThrow(new PayloadTooLargeError("request body exceeds 10 bytes"));
  });

  it("when content-length understates the body, then the streamed bytes still count", async () => {
    const stream = requestStream([Buffer.alloc(8), Buffer.alloc(8)], { "content-length": "4" });

    await expect(readBody(stream, 10)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});

describe("toRpcHttpRequest", () => {
  it("when a request is converted, then method, url, params and body are carried as nullable values", () => {
    const url = new URL("http://127.0.0.1:7071/api/orders/7?expand=lines");

    const rpc = toRpcHttpRequest(
      requestHead("POST", ["Content-Type", "application/json"]),
      url,
      { id: "7" },
      Buffer.from("{}"),
    );

    expect(rpc).toEqual({
      method: "POST",
      url: "http://127.0.0.1:7071/api/orders/7?expand=lines",
      nullableHeaders: { "Content-Type": { value: "application/json" } },
      nullableQuery: { expand: { value: "lines" } },
      nullableParams: { id: { value: "7" } },
      body: { bytes: Buffer.from("{}") },
    });
  });

  it("when a header is sent twice, then its values are joined with a comma", () => {
    const rpc = toRpcHttpRequest(
      requestHead("GET", ["Accept", "text/plain", "Accept", "application/json"]),
      new URL("http://h/"),
      {},
      Buffer.alloc(0),
    );

    expect(rpc.nullableHeaders).toEqual({ Accept: { value: "text/plain, application/json" } });
  });

  it("when a query parameter is repeated, then the first value is kept", () => {
    const rpc = toRpcHttpRequest(requestHead("GET", []), new URL("http://h/?tag=a&tag=b"), {}, Buffer.alloc(0));

    expect(rpc.nullableQuery).toEqual({ tag: { value: "a" } });
  });

  it("when the request has no method, then GET is assumed", () => {
    expect(toRpcHttpRequest(requestHead(undefined, []), new URL("http://h/"), {}, Buffer.alloc(0)).method).toBe("GET");
  });
});

describe("httpResultOf", () => {
  const fromReturn: RpcHttpData = { statusCode: "200", body: { string: "from $return" } };
  const fromOutput: RpcHttpData = { statusCode: "201", body: { string: "from output" } };

  it("when the output binding is $return, then the return value's HTTP data is the result", () => {
    const response: RpcInvocationResponse = {
      returnValue: { http: fromReturn },
      outputData: [{ name: "$return", data: { http: fromOutput } }],
    };

    expect(httpResultOf(response, "$return")).toBe(fromReturn);
  });

  it("when the output binding is named, then that output's HTTP data is the result", () => {
    const response: RpcInvocationResponse = {
      returnValue: { http: fromReturn },
      outputData: [
        { name: "other", data: { string: "x" } },
        { name: "res", data: { http: fromOutput } },
      ],
    };

    expect(httpResultOf(response, "res")).toBe(fromOutput);
  });

  it("when the named output was not set, then the return value's HTTP data is the result", () => {
    expect(httpResultOf({ returnValue: { http: fromReturn }, outputData: [] }, "res")).toBe(fromReturn);
  });

  it("when the function has no HTTP output binding, then the return value's HTTP data is the result", () => {
    expect(httpResultOf({ returnValue: { http: fromReturn } }, undefined)).toBe(fromReturn);
  });

  it("when nothing was returned, then there is no result", () => {
    expect(httpResultOf({ returnValue: null }, "$return")).toBeUndefined();
    expect(httpResultOf({}, "res")).toBeUndefined();
  });
});

describe("writeHttpResult", () => {
  it("when there is no result, then the response is 204 with no body", () => {
    const response = written(undefined);

    expect(response.status).toBe(204);
    expect(response.ended).toBe(true);
    expect(response.body).toEqual(Buffer.alloc(0));
  });

  it("when the result has a status, headers and a string body, then they are written with the body's length", () => {
    const response = written({
      statusCode: "201",
      headers: { "content-type": "text/plain", "x-trace": "abc" },
      body: { string: "héllo" },
    });

    expect(response.status).toBe(201);
    expect(response.headers).toEqual({ "content-type": "text/plain", "x-trace": "abc", "content-length": "6" });
    expect(response.body?.toString("utf8")).toBe("héllo");
  });

  it("when the result has no status, then it is 200", () => {
    expect(written({ body: { string: "ok" } }).status).toBe(200);
  });

  it.each(["abc", "42", "1000", "200.5"])("when the status is %j, then 500 is written", (statusCode) => {
    expect(written({ statusCode }).status).toBe(500);
  });

  it("when a content-length header disagrees with the body, then the body's real length is written", () => {
    expect(written({ headers: { "content-length": "999" }, body: { string: "abc" } }).headers?.["content-length"]).toBe(
      "3",
    );
  });

  it.each([
    ["bytes", { bytes: new Uint8Array([104, 105]) }, "hi"],
    ["json", { json: '{"a":1}' }, '{"a":1}'],
    ["int", { int: 42 }, "42"],
    ["double", { double: 1.5 }, "1.5"],
    ["empty", {}, ""],
  ])("when the body is %s data, then its bytes are written", (_kind, body, text) => {
    const response = written({ statusCode: "200", body });

    expect(response.body?.toString("utf8")).toBe(text);
    expect(response.headers?.["content-length"]).toBe(String(Buffer.byteLength(text)));
  });

  it("when there are no cookies, then no set-cookie header is written", () => {
    expect(written({ statusCode: "200" }).headers).not.toHaveProperty("set-cookie");
  });

  it("when a cookie has only a name and value, then it is written as name=value", () => {
    expect(setCookieOf({ name: "seen", value: "yes", sameSite: "none" })).toEqual(["seen=yes"]);
  });

  it("when a cookie has every attribute, then each is serialized", () => {
    const expires = Date.UTC(2030, 0, 2, 3, 4, 5);

    const [cookie] = setCookieOf({
      name: "session",
      value: "a b",
      domain: { value: "example.com" },
      path: { value: "/api" },
      secure: { value: true },
      httpOnly: { value: true },
      maxAge: { value: 3600 },
      expires: { value: { seconds: expires / 1000 } },
      sameSite: "strict",
    });

    expect(cookie?.split("; ")).toEqual([
      "session=a%20b",
      "Max-Age=3600",
      "Domain=example.com",
      "Path=/api",
      "Expires=Wed, 02 Jan 2030 03:04:05 GMT",
      "HttpOnly",
      "Secure",
      "SameSite=Strict",
    ]);
  });

  it("when maxAge is 0, then Max-Age=0 is written (the cookie is deleted)", () => {
    expect(setCookieOf({ name: "gone", value: "", maxAge: { value: 0 } })).toEqual(["gone=; Max-Age=0"]);
  });

  it("when secure and httpOnly are false, then neither attribute is written", () => {
    expect(setCookieOf({ name: "a", value: "1", secure: { value: false }, httpOnly: { value: false } })).toEqual([
      "a=1",
    ]);
  });

  it.each([
    ["lax", "a=1; SameSite=Lax"],
    ["strict", "a=1; SameSite=Strict"],
    ["explicitNone", "a=1; SameSite=None"],
    ["none", "a=1"],
  ] as const)("when sameSite is %j, then the cookie is %j", (sameSite, expected) => {
    expect(setCookieOf({ name: "a", value: "1", sameSite })).toEqual([expected]);
  });

  it("when there are several cookies, then each gets its own set-cookie value in order", () => {
    expect(setCookieOf({ name: "a", value: "1" }, { name: "b", value: "2" })).toEqual(["a=1", "b=2"]);
  });
});
