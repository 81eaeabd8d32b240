// Child processes of bench/httpgrpc.ts. `backend`: the same handler over HTTP/1.1 and over
// httpgrpc. `front <httpPort> <grpcPort>`: the three front ends (HTTP/1.1 proxy without keep-alive,
// HTTP/1.1 keep-alive proxy, httpgrpc forwarder). Each prints its ports as one JSON line.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
// The built packages, as users run them (npm run build first): tsx-compiled sources would add
// esbuild's keepNames wrappers to every closure on the hot path.
import { createForwarder, createHTTPClient } from "@acme/httpgrpc/client";
import { createHTTPServer } from "@acme/httpgrpc/server";

const bodies = new Map<number, Buffer>();
function body(n: number): Buffer {
  let b = bodies.get(n);
  if (!b) {
    b = Buffer.alloc(n, 120);
    bodies.set(n, b);
  }
  return b;
}

// GET /bytes/<n>: a response body of n bytes.
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const n = Number(/^\/bytes\/(\d+)/.exec(req.url ?? "")?.[1] ?? 0);
  res.setHeader("Content-Type", "application/octet-stream");
  res.end(body(n));
}

function listen(server: http.Server): Promise<number> {
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r((server.address() as AddressInfo).port)));
}

function proxy(backendPort: number, agent: http.Agent | false): http.RequestListener {
  return (req, res) => {
    const up = http.request(
      {
        host: "127.0.0.1",
        port: backendPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, connection: agent ? "keep-alive" : "close" },
        agent,
      },
      (upRes) => {
        const headers = { ...upRes.headers };
        // Hop-by-hop: the client's own connection stays keep-alive on every path.
        delete headers.connection;
        delete headers["keep-alive"];
        delete headers["transfer-encoding"];
        res.writeHead(upRes.statusCode ?? 502, headers);
        upRes.pipe(res);
      },
    );
    up.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  };
}

const [role, a1, a2] = process.argv.slice(2);
if (role === "backend") {
  const h1 = await listen(http.createServer({ keepAliveTimeout: 60_000 }, handler));
  const grpc = await createHTTPServer(handler).listen(0);
  console.log(JSON.stringify({ http: h1, grpc: grpc.port }));
} else if (role === "front") {
  const backendHttp = Number(a1);
  const backendGrpc = Number(a2);
  const noKeepAlive = await listen(http.createServer(proxy(backendHttp, false)));
  const keepAlive = await listen(
    http.createServer(proxy(backendHttp, new http.Agent({ keepAlive: true, maxSockets: 256 }))),
  );
  const client = createHTTPClient({ target: [`127.0.0.1:${backendGrpc}`] });
  const httpgrpc = await listen(http.createServer(createForwarder(client)));
  console.log(JSON.stringify({ noKeepAlive, keepAlive, httpgrpc }));
} else {
  console.error("usage: httpgrpc-servers.ts backend | front <backendHttpPort> <backendGrpcPort>");
  process.exit(2);
}
process.on("SIGINT", () => process.exit(0));
