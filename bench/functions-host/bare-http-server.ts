// The baseline of the Functions host benchmark (bench/functions-host/): a bare node:http server that
// answers every request with 200 "ok", the same response the trivial `hello` function gives
// through the local host (same content type and length), with nothing in between.
//
//   node dist/bench/functions-host/bare-http-server.js [--port 0] [--host 127.0.0.1]
//
// Prints `Listening on http://<host>:<port>` once it listens; SIGTERM or SIGINT stops it.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { serveUntilSignalled } from "../kit/serve.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
  },
});

const body = Buffer.from("ok");
const server = createServer((_request, response) => {
  response.writeHead(200, { "content-type": "text/plain;charset=UTF-8", "content-length": String(body.length) });
  response.end(body);
});

serveUntilSignalled(server, values.port, values.host);
