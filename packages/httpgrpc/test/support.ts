// Shared test fixtures: real servers on 127.0.0.1, random ports, closed by the caller.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  createForwarder,
  createHTTPClient,
  type ForwarderOptions,
  type HTTPClient,
  type HTTPClientOptions,
} from "../src/client.js";
import { createHTTPServer, type AnyHandler, type HTTPServer, type HTTPServerOptions } from "../src/server.js";

export interface Backend {
  address: string;
  port: number;
  server: HTTPServer;
  close(): Promise<void>;
  /** Dies abruptly: stops listening and resets every connection, in-flight calls included. */
  kill(): void;
}

export async function startBackend(handler: AnyHandler, opts: HTTPServerOptions = {}, port = 0): Promise<Backend> {
  const server = createHTTPServer(handler, opts);
  const sockets = new Set<import("node:net").Socket>();
  server.server.on("connection", (s: import("node:net").Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  const a = await server.listen(port);
  return {
    address: `127.0.0.1:${a.port}`,
    port: a.port,
    server,
    close: () => server.close(),
    kill() {
      server.server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

export interface Front {
  url: string;
  client: HTTPClient;
  close(): Promise<void>;
}

/** An HTTP/1.1 server on loopback whose only handler is the httpgrpc forwarder. */
export async function startFront(clientOpts: HTTPClientOptions, fwdOpts: ForwarderOptions = {}): Promise<Front> {
  const client = createHTTPClient(clientOpts);
  const server = http.createServer(createForwarder(client, fwdOpts));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    client,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await client.close();
    },
  };
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP/1.1 request with node:http (rawHeaders kept so multi-value headers can be checked). */
export function request(
  url: string,
  opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: Uint8Array; signal?: AbortSignal } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? "GET", headers: opts.headers, agent, signal: opts.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

export function bytes(n: number, seed = 7): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >>> 16;
  }
  return b;
}
