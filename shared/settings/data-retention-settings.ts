// The data-retention timer's settings, merged into the one settings schema in app-settings.ts:
// when it runs (DATA_RETENTION_SCHEDULE), how long personal data is kept once an escalation is
// final (PERSONAL_DATA_RETENTION), how long records are kept at all (RECORD_RETENTION), and how
// long one run may work before it stops and leaves the rest to the next (DATA_RETENTION_RUN_BUDGET).
import { z } from "zod";
import { positiveDuration } from "../lib/iso-duration.js";
import { ncrontabSchedule } from "./ncrontab.js";

/** Every day at 19:00 UTC, which is 03:00 in China (UTC+8), when few escalations arrive. */
export const DEFAULT_DATA_RETENTION_SCHEDULE = "0 0 19 * * *";
const DAY_MS = 24 * 60 * 60_000;
/** 180 days after an escalation reaches a final state. */
export const DEFAULT_PERSONAL_DATA_RETENTION_MS = 180 * DAY_MS;
/** 400 days: a year and a month, so year-on-year reports still have last year's records. */
export const DEFAULT_RECORD_RETENTION_MS = 400 * DAY_MS;
/**
 * 10 minutes. No host.json sets functionTimeout, so a run is cut at the plan's default: 30 minutes
 * on Elastic Premium and Flex Consumption (the plans infra/ deploys). A run stops between batches,
 * so the budget leaves room for the batch in hand.
 */
export const DEFAULT_RUN_BUDGET_MS = 10 * 60_000;
/** The longest budget accepted: well under the 30-minute default timeout, whatever a batch takes. */
const MAX_RUN_BUDGET_MS = 25 * 60_000;

export const dataRetentionSettingsShape = {
  /** When the data-retention timer runs; the Functions host reads it too, so it is checked here at start-up. */
  DATA_RETENTION_SCHEDULE: ncrontabSchedule.default(DEFAULT_DATA_RETENTION_SCHEDULE),
  /** How long after its final state an escalation keeps its personal data (ISO 8601, e.g. P180D). */
  PERSONAL_DATA_RETENTION: positiveDuration.optional(),
  /** How long whole escalations and time-bucketed records are kept (ISO 8601, e.g. P400D). */
  RECORD_RETENTION: positiveDuration.optional(),
  /** How long one run may work before it stops between batches (ISO 8601, e.g. PT10M). */
  DATA_RETENTION_RUN_BUDGET: positiveDuration
    .refine((ms) => ms <= MAX_RUN_BUDGET_MS, {
      error: "must be at most PT25M: a run must stop well before the Functions timeout (30 minutes by default)",
    })
    .optional(),
};

type DataRetentionSettings = z.output<z.ZodObject<typeof dataRetentionSettingsShape>>;

export interface DataRetentionConfig {
  schedule: string;
  personalDataRetentionMs: number;
  recordRetentionMs: number;
  runBudgetMs: number;
}

export function dataRetentionConfig(settings: DataRetentionSettings): DataRetentionConfig {
  return {
    schedule: settings.DATA_RETENTION_SCHEDULE,
    personalDataRetentionMs: settings.PERSONAL_DATA_RETENTION ?? DEFAULT_PERSONAL_DATA_RETENTION_MS,
    recordRetentionMs: settings.RECORD_RETENTION ?? DEFAULT_RECORD_RETENTION_MS,
    runBudgetMs: settings.DATA_RETENTION_RUN_BUDGET ?? DEFAULT_RUN_BUDGET_MS,
  };
}
