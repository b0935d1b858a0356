// `npm start`: builds dist/ when a source changed since the last build (build-if-changed.js), then
// runs the launcher, dist/local/start.js, in this same process. Plain JavaScript because on a
// fresh clone nothing is built yet.
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildIfChanged } from "./build-if-changed.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = new URL("../dist/local/start.js", import.meta.url);

try {
  await buildIfChanged(root, {
    log: (message) => console.log(`[start] ${message}`),
    outputs: [relative(root, fileURLToPath(entry))],
  });
} catch (error) {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
await import(entry.href);
