// App settings that hold JSON: parsed, then checked by a schema, with "must be JSON" as the
// problem when the text is not JSON at all.
import { z } from "zod";

export function jsonSetting<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
