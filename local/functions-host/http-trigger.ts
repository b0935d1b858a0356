// Turns an incoming Node HTTP request into the RPC shape the Functions host sends the worker,
// and the worker's RPC HTTP response back into a Node response.
import type { IncomingMessage, ServerResponse } from "node:http";
import { serialize, type CookieSerializeOptions } from "cookie";
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse, RpcTypedData } from "./core-types.js";

export class PayloadTooLargeError extends Error {
  override readonly name = "PayloadTooLargeError";
}

/** Reads the whole body, refusing more than `limit` bytes (declared or streamed). */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3).
  if (request.headers["content-length"] === undefined && request.headers["transfer-encoding"] === undefined)
    return Buffer.alloc(0);
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit)
    throw new PayloadTooLargeError(`request body of ${declared} bytes exceeds ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(`request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export function toRpcHttpRequest(
  request: IncomingMessage,
  url: URL,
  params: Record<string, string>,
  body: Buffer,
): RpcHttpData {
  const nullableHeaders: Record<string, { value: string }> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? "";
    const value = request.rawHeaders[i + 1] ?? "";
    const existing = nullableHeaders[name];
    nullableHeaders[name] = { value: existing === undefined ? value : `${existing.value}, ${value}` };
  }
  const nullableQuery: Record<string, { value: string }> = {};
  for (const [key, value] of url.searchParams) nullableQuery[key] ??= { value };
  const nullableParams: Record<string, { value: string }> = {};
  for (const [key, value] of Object.entries(params)) nullableParams[key] = { value };
  return {
    method: request.method ?? "GET",
    url: url.toString(),
    nullableHeaders,
    nullableQuery,
    nullableParams,
    body: { bytes: body },
  };
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes);
  if (typeof body.string === "string") return Buffer.from(body.string, "utf8");
  if (typeof body.json === "string") return Buffer.from(body.json, "utf8");
  if (typeof body.int === "number") return Buffer.from(String(body.int));
  if (typeof body.double === "number") return Buffer.from(String(body.double));
  return Buffer.alloc(0);
}

function serializeCookie(cookie: RpcHttpCookie): string {
  const options: CookieSerializeOptions = {};
  if (cookie.domain?.value) options.domain = cookie.domain.value;
  if (cookie.path?.value) options.path = cookie.path.value;
  if (cookie.secure?.value) options.secure = true;
  if (cookie.httpOnly?.value) options.httpOnly = true;
  if (typeof cookie.maxAge?.value === "number") options.maxAge = cookie.maxAge.value;
  const seconds = cookie.expires?.value?.seconds;
  if (typeof seconds === "number")
    options.expires = new Date(seconds * 1000 + Math.round((cookie.expires?.value?.nanos ?? 0) / 1e6));
  if (cookie.sameSite === "lax") options.sameSite = "lax";
  else if (cookie.sameSite === "strict") options.sameSite = "strict";
  else if (cookie.sameSite === "explicitNone") options.sameSite = "none";
  return serialize(cookie.name ?? "", cookie.value ?? "", options);
}

/** The HTTP data a function returned, from its `$return` binding or the first HTTP output. */
export function httpResultOf(
  response: RpcInvocationResponse,
  outputBindingName: string | undefined,
): RpcHttpData | undefined {
  if (outputBindingName === "$return") return response.returnValue?.http ?? undefined;
  const output = response.outputData?.find((binding) => binding.name === outputBindingName);
  return output?.data?.http ?? response.returnValue?.http ?? undefined;
}

export function writeHttpResult(result: RpcHttpData | undefined, response: ServerResponse): void {
  if (result === undefined) {
    response.writeHead(204).end();
    return;
  }
  const status = Number(result.statusCode ?? "200");
  const body = bodyBytes(result.body);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = value;
  const cookies = (result.cookies ?? []).map(serializeCookie);
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  headers["content-length"] = String(body.length);
  response.writeHead(Number.isInteger(status) && status >= 100 && status <= 999 ? status : 500, headers);
  response.end(body);
}
