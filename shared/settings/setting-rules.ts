// Checks that read several app settings at once (a ceiling against its base, credentials a route
// needs), kept apart from the per-setting schema so they still run when some other setting fails.
export interface SettingProblem {
  path: string[];
  message: string;
}

/**
 * A check across settings. It runs whenever every setting it `reads` is valid, whatever else is
 * wrong, and never on an invalid one: a bad setting is reported once, not again as a misleading
 * problem of its neighbour (a default standing in for it).
 */
export interface CrossSettingRule<S> {
  readonly reads: readonly (keyof S & string)[];
  readonly check: (settings: S) => SettingProblem[];
}
