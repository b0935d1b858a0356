// What loadConfig refuses an environment for: the problems of its ConfigError, none if it loads.
import { ConfigError, loadConfig } from "../../../shared/settings/app-settings.js";

export function settingsProblems(environment: Record<string, string | undefined>): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
