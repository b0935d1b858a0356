// Timer schedules as the Functions host reads them: 6-field NCRONTAB, checked with croner (the
// parser the local host runs timers with) and narrowed to the syntax NCRONTAB itself knows.
import { Cron } from "croner";
import { z } from "zod";

const FIELDS = ["second", "minute", "hour", "day", "month", "day-of-week"] as const;

/** Names NCRONTAB accepts in place of numbers; croner also knows L, W, # and ?, which NCRONTAB refuses. */
const NAMES: Partial<Record<(typeof FIELDS)[number], readonly string[]>> = {
  month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  "day-of-week": ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
};

/** The problem with a schedule, or undefined when the Functions host would accept it. */
export function ncrontabProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== FIELDS.length) return `has ${String(fields.length)} fields, not 6`;
  for (const [index, name] of FIELDS.entries()) {
    const field = fields[index] ?? "";
    if (!/^[0-9A-Za-z*,/-]+$/.test(field))
      return `the ${name} field "${field}" holds characters NCRONTAB does not know`;
    const unknown = (field.match(/[A-Za-z]+/g) ?? []).find((word) => !(NAMES[name] ?? []).includes(word.toUpperCase()));
    if (unknown !== undefined) return `the ${name} field "${field}" holds "${unknown}", which NCRONTAB does not know`;
    // croner reads 7 as Sunday too; NCRONTAB's days of the week are 0-6.
    if (name === "day-of-week" && /(^|[,-])7($|[,/-])/.test(field))
      return `the day-of-week field "${field}" holds 7 (days of the week are 0-6, Sunday 0)`;
  }
  try {
    // NCRONTAB needs both day fields to match (cron's OR rule does not apply).
    new Cron(expression.trim(), { paused: true, mode: "6-part", domAndDow: true });
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^CronPattern: /, "") : "is not valid";
  }
  return undefined;
}

/** A setting holding a timer schedule, e.g. `0 0 * * * *` (every hour at minute 0). */
export const ncrontabSchedule = z
  .string()
  .trim()
  .superRefine((expression, ctx) => {
    const problem = ncrontabProblem(expression);
    if (problem !== undefined)
      ctx.addIssue({
        code: "custom",
        message: `must be a 6-field NCRONTAB schedule ({second} {minute} {hour} {day} {month} {day-of-week}) such as "0 0 * * * *": ${problem}`,
      });
  });
