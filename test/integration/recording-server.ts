// A node:http server on 127.0.0.1 for tests of our HTTP clients: it records every request
// (method, path, headers, body bytes, client port) and lets the test answer each one.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  socketPort: number;
}

export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  port: number;
  received: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Closes the server, dropping kept-alive and hanging connections. */
  close(): Promise<void>;
}

/** `answer` sees the request after it is recorded (so `received` already holds it); not answering leaves the caller hanging. */
export async function startRecordingServer(
  answer: (request: RecordedRequest, response: ServerResponse) => void,
): Promise<RecordingServer> {
  const received: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const recorded = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks),
        socketPort: request.socket.remotePort ?? 0,
      };
      received.push(recorded);
      answer(recorded, response);
    });
  });
  server.on("connection", (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${String(port)}`,
    port,
    received,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port on 127.0.0.1 that was just free and is closed again: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
