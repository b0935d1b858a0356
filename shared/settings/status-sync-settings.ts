// The status-sync timer's settings, merged into the one settings schema in app-settings.ts: when
// it runs and how many Partner Center calls one run may spend.
import { z } from "zod";
import { ncrontabSchedule } from "./ncrontab.js";

/** Every 10 minutes, at second 0. */
export const DEFAULT_STATUS_SYNC_SCHEDULE = "0 */10 * * * *";
export const DEFAULT_STATUS_SYNC_MAX_REQUESTS = 100;

export const statusSyncSettingsShape = {
  /** When the status-sync timer runs; the Functions host reads it too, so it is checked here at start-up. */
  STATUS_SYNC_SCHEDULE: ncrontabSchedule.default(DEFAULT_STATUS_SYNC_SCHEDULE),
  /** The most Partner Center calls one run makes; the open escalations are visited in turn across runs. */
  STATUS_SYNC_MAX_REQUESTS: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_STATUS_SYNC_MAX_REQUESTS),
};

export interface StatusSyncConfig {
  schedule: string;
  maxRequests: number;
}

export function statusSyncConfig(settings: z.output<z.ZodObject<typeof statusSyncSettingsShape>>): StatusSyncConfig {
  return { schedule: settings.STATUS_SYNC_SCHEDULE, maxRequests: settings.STATUS_SYNC_MAX_REQUESTS };
}
