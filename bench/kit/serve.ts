// The child's side of server-process.ts: runs a benchmark's HTTP server as its process. Kept apart
// and light, since the baseline servers that import it are measured (their memory included).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Serves `server` as this child process: prints `Listening on http://<host>:<port>` (what LISTENING matches) once it listens, stops on SIGTERM/SIGINT. */
export function serveUntilSignalled(server: Server, port: string, host: string): void {
  server.listen(Number(port), host, () => {
    const { port: actual } = server.address() as AddressInfo;
    console.log(`Listening on http://${host}:${actual}`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/** The ready line serveUntilSignalled prints; group 1 is the base URL. */
export const LISTENING = /Listening on (http:\/\/\S+)/;
