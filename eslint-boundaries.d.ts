// Types of eslint-boundaries.js, for the test that proves each rule fails on a violation.
import type { Linter } from "eslint";

export declare const RULES: Record<string, { regex: string; message: string }>;
export declare const boundaryRules: Linter.Config[];
