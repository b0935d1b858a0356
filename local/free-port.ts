// Ports for `npm start` and the tests: a free TCP port on 127.0.0.1, for child processes
// (Azurite) that cannot report the port they were given when asked for port 0, and a check that a
// port is free before anything is started on it.
import { createServer } from "node:net";

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether something already listens on 127.0.0.1:`port`, by binding it for a moment. Another
 * process may still take it before its real user binds it; that user then reports it.
 */
export function isPortTaken(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolve(true);
      else reject(error);
    });
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(false)));
  });
}
