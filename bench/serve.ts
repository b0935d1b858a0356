// Runs a benchmark's HTTP server as its process: listens where the command line says, prints
// `Listening on http://<host>:<port>` (what server-process.ts waits for), stops on SIGTERM/SIGINT.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

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
