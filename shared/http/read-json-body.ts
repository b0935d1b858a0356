// Reads a JSON request body defensively: the content type must be JSON (415), the body at most
// the limit (413), well-formed (400) and no deeper than the limit (400), before any schema sees
// it. Returns the raw bytes too, for signature checks and idempotency fingerprints.
import type { HttpRequest } from "@azure/functions";
import { problem, type Problem } from "./problem.js";

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_MAX_JSON_DEPTH = 16;

export type JsonBody = { ok: true; value: unknown; raw: Buffer } | { ok: false; problem: Problem };

function isJsonContentType(value: string | null): boolean {
  if (value === null) return false;
  const mediaType = value.split(";")[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/** Nesting depth of arrays and objects, measured on the text so a deep body is refused before parsing. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x7d || char === 0x5d) depth--;
  }
  return deepest;
}

async function readLimited(request: HttpRequest, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) return undefined;
  const stream = request.body;
  if (stream === null) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
    if (done || value === undefined) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks, size);
}

const NOT_JSON = problem("unsupported-media-type", {
  detail: "Send Content-Type: application/json.",
  invalidParams: [{ name: "content-type", reason: "must be application/json" }],
});

/** The raw body within the limit, for callers that must check a signature before parsing. */
export async function readBodyBytes(
  request: HttpRequest,
  options: { maxBytes?: number } = {},
): Promise<{ ok: true; raw: Buffer } | { ok: false; problem: Problem }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!isJsonContentType(request.headers.get("content-type"))) return { ok: false, problem: NOT_JSON };
  const raw = await readLimited(request, maxBytes);
  if (raw === undefined) {
    return { ok: false, problem: problem("payload-too-large", { detail: `At most ${maxBytes} bytes are accepted.` }) };
  }
  return { ok: true, raw };
}

/** Parses raw bytes as JSON: UTF-8, no deeper than the limit, well-formed. */
export function parseJsonBytes(raw: Buffer, options: { maxDepth?: number } = {}): JsonBody {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return {
      ok: false,
      problem: problem("malformed-json", {
        title: "The body is not valid UTF-8 JSON",
        invalidParams: [{ name: "body", reason: "not valid UTF-8" }],
      }),
    };
  }
  if (jsonDepth(text) > maxDepth) {
    return {
      ok: false,
      problem: problem("json-too-deep", {
        detail: `At most ${maxDepth} levels of objects and arrays.`,
        invalidParams: [{ name: "body", reason: `nesting deeper than ${maxDepth}` }],
      }),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown, raw };
  } catch (error) {
    return {
      ok: false,
      problem: problem("malformed-json", {
        detail: (error as Error).message,
        invalidParams: [{ name: "body", reason: "malformed JSON" }],
      }),
    };
  }
}

export async function readJsonBody(
  request: HttpRequest,
  options: { maxBytes?: number; maxDepth?: number } = {},
): Promise<JsonBody> {
  const bytes = await readBodyBytes(request, options);
  return bytes.ok ? parseJsonBytes(bytes.raw, options) : bytes;
}
