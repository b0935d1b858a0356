// The scaffolding the benchmarks share, in one place: their command line and run (run.ts), report
// formatting (format.ts), latency figures (latency.ts), child processes (children.ts,
// server-process.ts, serve.ts, broker-process.ts), procfs readings (proc.ts) and the app's local stack
// (app-stack.ts).
export * from "./app-stack.js";
export * from "./broker-process.js";
export * from "./children.js";
export * from "./format.js";
export * from "./latency.js";
export * from "./proc.js";
export * from "./run.js";
export * from "./serve.js";
export * from "./server-process.js";
