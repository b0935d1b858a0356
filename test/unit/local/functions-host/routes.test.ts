import { describe, it, expect } from "vitest";
import {
  RouteTemplateError,
  compileRoute,
  decodeRoutePath,
  matchDecodedRoute,
  matchRoute,
  type CompiledRoute,
} from "../../../../local/functions-host/routes.js";

function match(template: string, path: string): Record<string, string> | undefined {
  return matchRoute(compileRoute(template), path);
}

/** The template the host picks for `path`: routes sorted most specific first (stable), first match wins. */
function winner(templates: string[], path: string): string | undefined {
  const routes: CompiledRoute[] = templates.map(compileRoute).sort((a, b) => b.specificity - a.specificity);
  return routes.find((route) => matchRoute(route, path) !== undefined)?.template;
}

function routeErrorOf(template: string): RouteTemplateError {
  try {
    compileRoute(template);
  } catch (error) {
    expect(error).toBeInstanceOf(RouteTemplateError);
    return error as RouteTemplateError;
  }
  throw new Error(`expected a RouteTemplateError, '${template}' compiled`);
}

describe("decodeRoutePath", () => {
  it("when the path holds no percent-encoding, then it is matched as it is, with a leading slash", () => {
    expect(decodeRoutePath("orders/42")).toBe("/orders/42");
    expect(decodeRoutePath("/orders/42")).toBe("/orders/42");
    expect(decodeRoutePath("")).toBe("");
  });

  it("when a segment holds an encoded slash, then the slash stays encoded and the rest is decoded", () => {
    expect(decodeRoutePath("/files/a%2Fb%20c")).toBe("/files/a%2Fb c");
  });

  it("when one decoded path is matched against several routes, then each gives what matchRoute gives", () => {
    const path = "/users/caf%C3%A9/orders/7";
    const decoded = decodeRoutePath(path);
    for (const template of ["users/{name}/orders/{id:int}", "users/{*rest}", "orders/{id}"]) {
      const route = compileRoute(template);
      expect(matchDecodedRoute(route, decoded)).toEqual(matchRoute(route, path));
    }
  });
});

describe("compileRoute / matchRoute", () => {
  describe("literals", () => {
    it("when a path differs from a literal template only in case, then it matches with no parameters", () => {
      expect(match("Orders/Pending", "/orders/PENDING")).toEqual({});
    });

    it("when a path has a different literal, then it does not match", () => {
      expect(match("orders/pending", "/orders/shipped")).toBeUndefined();
    });

    it("when a path has an extra segment, then a literal template does not match", () => {
      expect(match("orders", "/orders/1")).toBeUndefined();
    });

    it("when the template has leading and trailing slashes, then they are dropped from the template", () => {
      const route = compileRoute("/orders/{id}/");

      expect(route.template).toBe("orders/{id}");
      expect(matchRoute(route, "/orders/1")).toEqual({ id: "1" });
    });

    it("when the path has no leading slash, then it still matches", () => {
      expect(match("orders/{id}", "orders/9")).toEqual({ id: "9" });
    });

    it("when the path ends with a slash, then it still matches", () => {
      expect(match("orders/{id}", "/orders/9/")).toEqual({ id: "9" });
    });

    it("when the template is empty, then only the root path matches", () => {
      expect(match("", "")).toEqual({});
      expect(match("", "/")).toEqual({});
      expect(match("", "/orders")).toBeUndefined();
    });

    it("when a literal holds regular-expression characters, then they match only themselves", () => {
      expect(match("v1.0/items", "/v1.0/items")).toEqual({});
      expect(match("v1.0/items", "/v1x0/items")).toBeUndefined();
    });
  });

  describe("parameters", () => {
    it("when a path fills a parameter, then the value is returned under the parameter's name", () => {
      expect(match("orders/{orderId}/lines/{line}", "/orders/A-1/lines/3")).toEqual({ orderId: "A-1", line: "3" });
    });

    it("when a parameter would span two segments, then the path does not match", () => {
      expect(match("orders/{id}", "/orders/a/b")).toBeUndefined();
    });

    it("when a required parameter is missing, then the path does not match", () => {
      expect(match("orders/{id}", "/orders")).toBeUndefined();
      expect(match("orders/{id}", "/orders/")).toBeUndefined();
    });

    it("when an optional parameter is given, then it is returned", () => {
      expect(match("orders/{id?}", "/orders/7")).toEqual({ id: "7" });
    });

    it("when an optional parameter is left out, then the path matches without it", () => {
      expect(match("orders/{id?}", "/orders")).toEqual({});
      expect(match("orders/{id?}", "/orders/")).toEqual({});
    });

    it("when a parameter is percent-encoded, then its value is URL-decoded", () => {
      expect(match("users/{name}", "/users/caf%C3%A9%20bar")).toEqual({ name: "café bar" });
    });

    it("when a parameter's percent-encoding is malformed, then matchRoute throws a URIError (the server answers 400)", () => {
      expect(() => match("users/{name}", "/users/%E0%A4%A")).toThrow(URIError);
    });
  });

  describe("constraints", () => {
    it.each([
      ["int", "42", true],
      ["int", "-7", true],
      ["int", "4x", false],
      ["int", "4.5", false],
      ["long", "9007199254740993", true],
      ["double", "3.14", true],
      ["double", "-2", true],
      ["double", "3.", false],
      ["double", "pi", false],
      ["bool", "true", true],
      ["bool", "FALSE", true],
      ["bool", "yes", false],
      ["alpha", "abcXYZ", true],
      ["alpha", "abc1", false],
      ["guid", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", true],
      ["guid", "3F2504E04F8911D39A0C0305E82C3301", true],
      ["guid", "3f2504e0-4f89-11d3-9a0c", false],
      ["guid", "not-a-guid", false],
    ])("when {id:%s} is given %j, then it matches: %s", (constraint, value, matches) => {
      const params = match(`items/{id:${constraint}}`, `/items/${value}`);

      expect(params).toEqual(matches ? { id: value } : undefined);
    });

    it("when a constraint name is written in upper case, then it is recognized", () => {
      expect(match("items/{id:INT}", "/items/5")).toEqual({ id: "5" });
      expect(match("items/{id:INT}", "/items/five")).toBeUndefined();
    });

    it("when an optional parameter has a constraint, then it is checked only when the segment is there", () => {
      expect(match("items/{id:int?}", "/items")).toEqual({});
      expect(match("items/{id:int?}", "/items/5")).toEqual({ id: "5" });
      expect(match("items/{id:int?}", "/items/five")).toBeUndefined();
    });
  });

  describe("catch-all", () => {
    it("when the path has several segments after the prefix, then the catch-all holds all of them", () => {
      expect(match("files/{*rest}", "/files/a/b/c.txt")).toEqual({ rest: "a/b/c.txt" });
    });

    it("when the path has one segment after the prefix, then the catch-all holds it", () => {
      expect(match("files/{*rest}", "/files/a")).toEqual({ rest: "a" });
    });

    it("when the path has nothing after the prefix, then it matches without the catch-all", () => {
      expect(match("files/{*rest}", "/files")).toEqual({});
      expect(match("files/{*rest}", "/files/")).toEqual({});
    });

    it("when the prefix differs, then the catch-all template does not match", () => {
      expect(match("files/{*rest}", "/folders/a")).toBeUndefined();
    });

    it("when the catch-all holds encoded characters, then they are decoded", () => {
      expect(match("files/{*rest}", "/files/my%20docs/a%2Bb")).toEqual({ rest: "my docs/a+b" });
    });
  });

  describe("mixed segments", () => {
    it("when a segment mixes parameters and literals, then each parameter is read from its part", () => {
      expect(match("files/{name}.{ext}", "/files/report.pdf")).toEqual({ name: "report", ext: "pdf" });
    });

    it("when the literal part of a mixed segment is missing, then the path does not match", () => {
      expect(match("files/{name}.{ext}", "/files/report")).toBeUndefined();
    });

    it("when a mixed segment has a literal prefix, then the prefix is matched case-insensitively", () => {
      expect(match("v{version}/items", "/V2/items")).toEqual({ version: "2" });
    });
  });

  describe("invalid templates", () => {
    it("when a constraint is unknown, then a RouteTemplateError names it", () => {
      const error = routeErrorOf("items/{id:regexp}");

      expect(error.message).toContain("unknown constraint 'regexp'");
      expect(error.message).toContain("items/{id:regexp}");
    });

    it("when a catch-all is not the last segment, then a RouteTemplateError says it must be last", () => {
      expect(routeErrorOf("files/{*rest}/meta").message).toContain("a catch-all parameter must be last");
    });

    it("when a parameter name is used twice, then a RouteTemplateError says so", () => {
      expect(routeErrorOf("orders/{id}/lines/{id}").message).toContain("a parameter name is used twice");
    });

    it("when a parameter name is used twice in different case, then a RouteTemplateError says so", () => {
      expect(routeErrorOf("orders/{id}/lines/{ID}").message).toContain("a parameter name is used twice");
    });

    it("when a parameter name is repeated inside a mixed segment, then a RouteTemplateError says so", () => {
      expect(routeErrorOf("files/{name}/{name}.{ext}").message).toContain("a parameter name is used twice");
    });

    it.each(["items/{id:int:min(1)}", "items/{id", "items/id}", "items/{1id}", "items/{a b}"])(
      "when a segment is %j, then a RouteTemplateError says it cannot be read",
      (template) => {
        expect(routeErrorOf(template).message).toContain("cannot read segment");
      },
    );
  });

  describe("specificity", () => {
    it("when a literal route and a parameter route both match, then the literal route wins whichever was registered first", () => {
      expect(winner(["items/{id}", "items/special"], "/items/special")).toBe("items/special");
      expect(winner(["items/special", "items/{id}"], "/items/special")).toBe("items/special");
    });

    it("when only the parameter route matches, then it is chosen", () => {
      expect(winner(["items/special", "items/{id}"], "/items/42")).toBe("items/{id}");
    });

    it("when a constrained and an unconstrained parameter route both match, then the constrained one wins", () => {
      expect(winner(["items/{name}", "items/{id:int}"], "/items/5")).toBe("items/{id:int}");
      expect(winner(["items/{name}", "items/{id:int}"], "/items/five")).toBe("items/{name}");
    });

    it("when a mixed segment and a plain parameter both match, then the mixed segment wins", () => {
      expect(winner(["files/{file}", "files/{name}.{ext}"], "/files/a.txt")).toBe("files/{name}.{ext}");
    });

    it("when a parameter route and a catch-all route both match, then the parameter route wins", () => {
      expect(winner(["items/{*rest}", "items/{id}"], "/items/5")).toBe("items/{id}");
      expect(winner(["items/{*rest}", "items/{id}"], "/items/5/6")).toBe("items/{*rest}");
    });

    it("when specificities are compared, then literal > mixed > constrained > parameter > catch-all for the same segment", () => {
      const specificity = (template: string): number => compileRoute(template).specificity;

      expect(specificity("a/b")).toBeGreaterThan(specificity("a/{x}.b"));
      expect(specificity("a/{x}.b")).toBeGreaterThan(specificity("a/{x:int}"));
      expect(specificity("a/{x:int}")).toBeGreaterThan(specificity("a/{x}"));
      expect(specificity("a/{x}")).toBeGreaterThan(specificity("a/{*x}"));
    });
  });
});
