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
  /** Higher is more specific: literal segments count most, then constrained parameters. */
  readonly specificity: number;
}

function escapeLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, "");
  const segments = trimmed === "" ? [] : trimmed.split("/");
  const names: string[] = [];
  let source = "";
  let specificity = 0;
  segments.forEach((segment, index) => {
    const whole = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?(\?)?\}$/.exec(segment);
    if (whole) {
      const [, catchAll, name = "", constraint, optional] = whole;
      if (catchAll !== undefined) {
        if (index !== segments.length - 1) throw new RouteTemplateError(`route '${template}': a catch-all parameter must be last`);
        names.push(name);
        source += "(?:/(.*))?";
        return;
      }
      const body = constraint === undefined ? "[^/]+" : CONSTRAINTS[constraint.toLowerCase()];
      if (body === undefined) throw new RouteTemplateError(`route '${template}': unknown constraint '${constraint ?? ""}'`);
      names.push(name);
      specificity += constraint === undefined ? 1 : 2;
      source += optional === undefined ? `/(${body})` : `(?:/(${body}))?`;
      return;
    }
    if (/[{}]/.test(segment.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, ""))) throw new RouteTemplateError(`route '${template}': cannot read segment '${segment}'`);
    let segmentSource = "";
    let last = 0;
    for (const match of segment.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      segmentSource += escapeLiteral(segment.slice(last, match.index)) + "([^/]+?)";
      names.push(match[1] ?? "");
      last = match.index + match[0].length;
    }
    segmentSource += escapeLiteral(segment.slice(last));
    specificity += last === 0 ? 4 : 3;
    source += `/${segmentSource}`;
  });
  if (new Set(names.map((name) => name.toLowerCase())).size !== names.length) {
    throw new RouteTemplateError(`route '${template}': a parameter name is used twice`);
  }
  return { template: trimmed, pattern: new RegExp(`^${source}/?$`, "i"), parameterNames: names, specificity };
}

/** Route parameters when the path (without the route prefix) matches, else undefined. */
export function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
  const match = route.pattern.exec(path === "" ? "" : path.startsWith("/") ? path : `/${path}`);
  if (match === null) return undefined;
  const params: Record<string, string> = {};
  route.parameterNames.forEach((name, index) => {
    const value = match[index + 1];
    if (value !== undefined && value !== "") params[name] = decodeURIComponent(value);
  });
  return params;
}
