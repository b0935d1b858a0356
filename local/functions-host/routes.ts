// HTTP trigger route templates as the Functions host reads them (ASP.NET Core route syntax):
// literals, `{name}`, optional `{name?}`, constrained `{id:int}`, catch-all `{*rest}`. Literals
// match case-insensitively; the most specific template wins. No library parses this syntax in
// Node, so it is compiled here to one regular expression per route.

const CONSTRAINTS: Record<string, string> = {
  int: "-?\\d+",
  long: "-?\\d+",
  double: "-?\\d+(?:\\.\\d+)?",
  float: "-?\\d+(?:\\.\\d+)?",
  decimal: "-?\\d+(?:\\.\\d+)?",
  bool: "(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])",
  guid: "[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}",
  alpha: "[A-Za-z]+",
  datetime: "[^/]+",
};

export class RouteTemplateError extends Error {
  override readonly name = "RouteTemplateError";
}

export interface CompiledRoute {
  readonly template: string;
  readonly pattern: RegExp;
  readonly parameterNames: string[];
  /**
   * Higher wins when several routes match. ASP.NET Core compares segment by segment from the
   * left: literal, then a segment mixing literal and parameters, then a constrained parameter,
   * a plain one, an optional one, a catch-all; a route that has ended outranks one that goes on
   * with optional segments. Encoded as one number, base 7, first segment most significant.
   */
  readonly specificity: number;
}

const RANK = { ended: 6, literal: 5, mixed: 4, constrained: 3, parameter: 2, optional: 1, catchAll: 0 } as const;
const RANKED_SEGMENTS = 16;

function specificityOf(ranks: number[]): number {
  let value = 0;
  for (let i = 0; i < RANKED_SEGMENTS; i++) value = value * 7 + (ranks[i] ?? RANK.ended);
  return value;
}

function escapeLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, "");
  const segments = trimmed === "" ? [] : trimmed.split("/");
  const names: string[] = [];
  const ranks: number[] = [];
  let source = "";
  segments.forEach((segment, index) => {
    const whole = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?(\?)?\}$/.exec(segment);
    if (whole) {
      const [, catchAll, name = "", constraint, optional] = whole;
      if (catchAll !== undefined) {
        if (index !== segments.length - 1)
          throw new RouteTemplateError(`route '${template}': a catch-all parameter must be last`);
        names.push(name);
        ranks.push(RANK.catchAll);
        source += "(?:/(.*))?";
        return;
      }
      const body =
        constraint === undefined
          ? "[^/]+"
          : Object.hasOwn(CONSTRAINTS, constraint.toLowerCase())
            ? CONSTRAINTS[constraint.toLowerCase()]
            : undefined;
      if (body === undefined)
        throw new RouteTemplateError(`route '${template}': unknown constraint '${constraint ?? ""}'`);
      names.push(name);
      ranks.push(optional !== undefined ? RANK.optional : constraint === undefined ? RANK.parameter : RANK.constrained);
      source += optional === undefined ? `/(${body})` : `(?:/(${body}))?`;
      return;
    }
    if (/[{}]/.test(segment.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, "")))
      throw new RouteTemplateError(`route '${template}': cannot read segment '${segment}'`);
    let segmentSource = "";
    let last = 0;
    for (const match of segment.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      segmentSource += escapeLiteral(segment.slice(last, match.index)) + "([^/]+?)";
      names.push(match[1] ?? "");
      last = match.index + match[0].length;
    }
    segmentSource += escapeLiteral(segment.slice(last));
    ranks.push(last === 0 ? RANK.literal : RANK.mixed);
    source += `/${segmentSource}`;
  });
  if (new Set(names.map((name) => name.toLowerCase())).size !== names.length) {
    throw new RouteTemplateError(`route '${template}': a parameter name is used twice`);
  }
  return {
    template: trimmed,
    pattern: new RegExp(`^${source}/?$`, "i"),
    parameterNames: names,
    specificity: specificityOf(ranks),
  };
}

/**
 * The path, without the route prefix, as routes are matched against it: each segment decoded, as
 * ASP.NET Core does, except an encoded "/" which stays encoded so it cannot split a segment.
 * Throws URIError on malformed encoding. Done once per request, whatever the number of routes.
 */
export function decodeRoutePath(path: string): string {
  // Most paths have nothing encoded: nothing to split and join.
  const decoded = path.includes("%")
    ? path
        .split("/")
        .map((segment) => decodeURIComponent(segment.replace(/%2F/gi, "%252F")))
        .join("/")
    : path;
  return decoded === "" ? "" : decoded.startsWith("/") ? decoded : `/${decoded}`;
}

/** Route parameters when the (still encoded) path, without the route prefix, matches; else undefined. */
export function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
  return matchDecodedRoute(route, decodeRoutePath(path));
}

/** Route parameters when a path from decodeRoutePath matches; else undefined. */
export function matchDecodedRoute(route: CompiledRoute, decodedPath: string): Record<string, string> | undefined {
  const match = route.pattern.exec(decodedPath);
  if (match === null) return undefined;
  const params: Record<string, string> = {};
  route.parameterNames.forEach((name, index) => {
    const value = match[index + 1];
    if (value !== undefined && value !== "") params[name] = value.replace(/%2F/gi, "/");
  });
  return params;
}
