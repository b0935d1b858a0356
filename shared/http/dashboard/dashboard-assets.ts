// The files the dashboard page loads, served by the app itself (the machines it runs on are
// offline): Chart.js's UMD build from node_modules, the page's compiled script and its
// stylesheet. Only these names are served; each URL carries a hash of the file so browsers may
// keep it for a year.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { problemResponse } from "../problem.js";
import { DASHBOARD_CSS } from "./dashboard-css.js";
import type { DashboardAssetUrls } from "./render-dashboard.js";

interface AssetSource {
  contentType: string;
  read(): Buffer;
}

/** Chart.js's UMD build, next to the package's main file (its `exports` do not list dist files). */
function chartJsFile(): string {
  return join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js");
}

const SOURCES: Readonly<Record<string, AssetSource>> = {
  "chart.umd.min.js": { contentType: "text/javascript; charset=utf-8", read: () => readFileSync(chartJsFile()) },
  "dashboard.js": {
    contentType: "text/javascript; charset=utf-8",
    read: () => readFileSync(fileURLToPath(new URL("./browser/dashboard-page.js", import.meta.url))),
  },
  "dashboard.css": { contentType: "text/css; charset=utf-8", read: () => Buffer.from(DASHBOARD_CSS, "utf8") },
};

export const DASHBOARD_ASSET_NAMES = Object.keys(SOURCES);

interface Asset {
  contentType: string;
  body: Buffer;
  hash: string;
}

const loaded = new Map<string, Asset>();

/** The asset of that exact name, read once per worker; undefined for any other name. */
function asset(name: string): Asset | undefined {
  if (!Object.hasOwn(SOURCES, name)) return undefined;
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  const source = SOURCES[name];
  if (source === undefined) return undefined;
  const body = source.read();
  const found = {
    contentType: source.contentType,
    body,
    hash: createHash("sha256").update(body).digest("base64url").slice(0, 16),
  };
  loaded.set(name, found);
  return found;
}

/** The assets' URLs relative to the page at `/{prefix}/dashboard`, each with its content hash. */
export function dashboardAssetUrls(): DashboardAssetUrls {
  const url = (name: string) => `dashboard/assets/${name}?v=${asset(name)?.hash ?? ""}`;
  return { css: url("dashboard.css"), chart: url("chart.umd.min.js"), script: url("dashboard.js") };
}

const IMMUTABLE = "public, max-age=31536000, immutable";

/** GET /api/dashboard/assets/{file}: anonymous, the allow-listed files only, 404 problem+json otherwise. */
export function serveDashboardAsset(request: HttpRequest): Promise<HttpResponseInit> {
  const name = request.params.file ?? "";
  const found = asset(name);
  if (found === undefined) return Promise.resolve(problemResponse("not-found", { title: "No such dashboard asset" }));
  const etag = `"${found.hash}"`;
  const headers = {
    "content-type": found.contentType,
    // A URL with the current hash never changes; any other is revalidated.
    "cache-control": request.query.get("v") === found.hash ? IMMUTABLE : "no-cache",
    etag,
    "x-content-type-options": "nosniff",
  };
  if (request.headers.get("if-none-match") === etag) return Promise.resolve({ status: 304, headers });
  return Promise.resolve({ status: 200, headers, body: found.body });
}
