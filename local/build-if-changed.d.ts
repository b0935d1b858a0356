// Types of build-if-changed.js (plain JavaScript: it runs before dist/ exists), for its tests.

export declare const BUILD_ARGS: readonly string[];
export declare const STAMP_FILE: string;

export declare function whyBuild(
  root: string,
  options?: { outputs?: readonly string[] },
): { reason: string | undefined; checked: number };

export declare function buildIfChanged(
  root: string,
  options: { log: (message: string) => void; outputs?: readonly string[] },
): Promise<{ built: boolean }>;
