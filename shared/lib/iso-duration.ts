// ISO 8601 durations (PT30S, P1D) read strictly, for app settings and the local emulator alike.
import { parse, toSeconds } from "iso8601-duration";
import { z } from "zod";

/**
 * The whole text must be one duration: iso8601-duration's own pattern is not anchored, so alone
 * it finds a duration inside prose and drops the rest (a leading minus sign included). At least
 * one component is required (`P` and `PT` are not durations), each unit at most once, in order.
 */
const ISO_DURATION =
  /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

/** Years and months are counted from 1970-01-01, so a setting means the same length on every run. */
const CALENDAR_REFERENCE = new Date(0);

/** The duration in milliseconds, or undefined when the text is not exactly one ISO 8601 duration. */
export function parseIsoDuration(text: string): number | undefined {
  if (!ISO_DURATION.test(text)) return undefined;
  let ms: number;
  try {
    ms = toSeconds(parse(text), CALENDAR_REFERENCE) * 1_000;
  } catch {
    // The parser refuses a fraction on any unit but the smallest (PT1.5H30M): not a duration either.
    return undefined;
  }
  return Number.isFinite(ms) ? ms : undefined;
}

/** A setting holding a positive ISO 8601 duration such as PT30S or P1D, as milliseconds. */
export const positiveDuration = z.string().transform((text, ctx) => {
  const ms = parseIsoDuration(text.trim());
  if (ms !== undefined && ms > 0) return ms;
  ctx.addIssue({ code: "custom", message: "must be a positive ISO 8601 duration such as PT30S or P1D" });
  return z.NEVER;
});
