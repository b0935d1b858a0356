// The host's HTTP front: HTTP-triggered functions under the route prefix, with the Functions
// host's key checks, and the admin API that runs any non-HTTP function on demand.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { compileRoute, decodeRoutePath, matchDecodedRoute, type CompiledRoute } from "./routes.js";
import { PayloadTooLargeError, httpResultOf, readBody, toRpcHttpRequest, writeHttpResult } from "./http-trigger.js";
import { InvocationError, invoke } from "./invoke.js";
import type { HostLogger } from "./logger.js";
import type { FunctionRegistry, RegisteredFunction } from "./registry.js";

export type AuthLevel = "anonymous" | "function" | "admin";

export interface HttpRoute {
  readonly fn: RegisteredFunction;
  readonly route: CompiledRoute;
  readonly methods: Set<string> | undefined;
  readonly authLevel: AuthLevel;
  readonly outputBinding: string | undefined;
}

export interface Keys {
  /** Function keys the host accepts; in Azure an app has as many named keys as it needs. */
  functionKeys: readonly string[];
  masterKey: string;
}

export interface HttpServerOptions {
  registry: FunctionRegistry;
  logger: HostLogger;
  routePrefix: string;
  keys: Keys;
  /** Lower-case names of disabled functions: only the master key may call them. */
  disabled?: ReadonlySet<string>;
  maxRequestBodyBytes: number;
  /** Runs a non-HTTP function now (admin API); resolves once it has been accepted. */
  runNow(fn: RegisteredFunction, input: unknown): Promise<void>;
  track<T>(work: Promise<T>): Promise<T>;
}

export function httpRoutes(registry: FunctionRegistry): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const fn of registry.functions()) {
    if (fn.trigger.type.toLowerCase() !== "httptrigger") continue;
    const template = typeof fn.trigger.route === "string" && fn.trigger.route !== "" ? fn.trigger.route : fn.name;
    const methods = Array.isArray(fn.trigger.methods)
      ? new Set((fn.trigger.methods as string[]).map((method) => method.toUpperCase()))
      : undefined;
    const declared = typeof fn.trigger.authLevel === "string" ? fn.trigger.authLevel.toLowerCase() : "anonymous";
    // The library writes "anonymous" when a function names none, as Azure defaults.
    const authLevel: AuthLevel = declared === "function" || declared === "admin" ? declared : "anonymous";
    const output = Object.entries(fn.bindings).find(
      ([, binding]) => binding.direction === "out" && String(binding.type).toLowerCase() === "http",
    );
    routes.push({ fn, route: compileRoute(template), methods, authLevel, outputBinding: output?.[0] });
  }
  return routes.sort((a, b) => b.route.specificity - a.route.specificity);
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function presentedKey(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers["x-functions-key"];
  if (typeof header === "string" && header !== "") return header;
  return url.searchParams.get("code") ?? undefined;
}

function isAuthorized(level: AuthLevel, key: string | undefined, keys: Keys): boolean {
  if (level === "anonymous") return true;
  if (key === undefined) return false;
  if (sameSecret(key, keys.masterKey)) return true;
  return level === "function" && keys.functionKeys.some((functionKey) => sameSecret(key, functionKey));
}

function plain(response: ServerResponse, status: number, text = "", headers: Record<string, string> = {}): void {
  const body = Buffer.from(text);
  response.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(body.length),
    ...headers,
  });
  response.end(body);
}

/** The request's URL from its target and Host header, or undefined when they make no URL (`Host: [::1`, `Host: a b`). */
function requestUrl(request: IncomingMessage): URL | undefined {
  return URL.parse(request.url ?? "/", `http://${request.headers.host ?? "127.0.0.1"}`) ?? undefined;
}

export function createHttpServer(options: HttpServerOptions): { server: Server; routes: HttpRoute[] } {
  const routes = httpRoutes(options.registry);
  const prefix = options.routePrefix === "" ? "" : `/${options.routePrefix}`;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request);
    if (url === undefined) {
      // As the Functions host (Kestrel) does: a request whose Host or target makes no URL is the client's error.
      plain(response, 400, "Bad Request: the Host header or the request target is not valid");
      return;
    }
    const path = url.pathname;
    const lowerPath = path.toLowerCase();
    if (lowerPath.startsWith("/admin/")) {
      await handleAdmin(request, response, url);
      return;
    }
    if (prefix !== "" && lowerPath !== prefix && !lowerPath.startsWith(`${prefix}/`)) {
      plain(response, 404);
      return;
    }
    let routePath: string;
    try {
      routePath = decodeRoutePath(path.slice(prefix.length));
    } catch {
      plain(response, 400, "Malformed URL encoding");
      return;
    }
    let allowed: string[] = [];
    for (const candidate of routes) {
      const params = matchDecodedRoute(candidate.route, routePath);
      if (params === undefined) continue;
      if (candidate.methods !== undefined && !candidate.methods.has((request.method ?? "GET").toUpperCase())) {
        allowed = [...allowed, ...candidate.methods];
        continue;
      }
      await handleFunction(candidate, params, request, response, url);
      return;
    }
    if (allowed.length > 0) plain(response, 405, "", { allow: [...new Set(allowed)].join(", ") });
    else plain(response, 404);
  }

  async function handleFunction(
    route: HttpRoute,
    params: Record<string, string>,
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<void> {
    if (options.disabled?.has(route.fn.name.toLowerCase()) === true) {
      // A disabled function still runs for the master key; any other caller sees no function.
      const key = presentedKey(request, url);
      if (key === undefined || !sameSecret(key, options.keys.masterKey)) {
        plain(response, 404);
        return;
      }
    }
    // An anonymous route reads no key: url.searchParams is built only when asked for.
    if (route.authLevel !== "anonymous" && !isAuthorized(route.authLevel, presentedKey(request, url), options.keys)) {
      plain(response, 401);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(request, options.maxRequestBodyBytes);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        plain(response, 413, "Request body too large", { connection: "close" });
        request.resume();
        return;
      }
      throw error;
    }
    const trigger = route.fn.trigger;
    try {
      const { response: result } = await options.track(
        invoke({
          registry: options.registry,
          logger: options.logger,
          fn: route.fn,
          reason: `This function was programmatically called via the host APIs.`,
          request: {
            inputData: [{ name: trigger.name, data: { http: toRpcHttpRequest(request, url, params, body) } }],
            triggerMetadata: {},
          },
        }),
      );
      writeHttpResult(httpResultOf(result, route.outputBinding), response);
    } catch (error) {
      if (!(error instanceof InvocationError)) throw error;
      // Azure answers a failed invocation with a bare 500; the details are in the logs.
      plain(response, 500);
    }
  }

  async function handleAdmin(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const key = presentedKey(request, url);
    if (key === undefined || !sameSecret(key, options.keys.masterKey)) {
      plain(response, 401);
      return;
    }
    const path = url.pathname.replace(/\/+$/, "");
    if (path.toLowerCase() === "/admin/host/status" && request.method === "GET") {
      const body = JSON.stringify({ state: "Running", version: "local" });
      response.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(body);
      return;
    }
    const match = /^\/admin\/functions\/([^/]+)$/i.exec(path);
    if (match === null || request.method !== "POST") {
      plain(response, 404);
      return;
    }
    const fn = options.registry.find(decodeURIComponent(match[1] ?? ""));
    if (fn === undefined) {
      plain(response, 404, `No function named '${match[1] ?? ""}'`);
      return;
    }
    if (fn.trigger.type.toLowerCase() === "httptrigger") {
      plain(response, 400, "HTTP functions are called on their own route");
      return;
    }
    const raw = await readBody(request, options.maxRequestBodyBytes).catch(() => Buffer.alloc(0));
    let input: unknown;
    try {
      const parsed: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
      input = typeof parsed === "object" && parsed !== null && "input" in parsed ? parsed.input : undefined;
    } catch {
      plain(response, 400, 'The body must be JSON such as {"input": "..."}');
      return;
    }
    await options.runNow(fn, input);
    plain(response, 202);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.logger.host(
        "error",
        `HTTP request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      if (!response.headersSent) plain(response, 500);
      else response.destroy();
    });
  });
  return { server, routes };
}
