// The authenticating front end: checks a bearer token, sets X-Scope-OrgID from it, and forwards
// the request to the backend replicas, over httpgrpc (default) or as a plain HTTP/1.1 proxy.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createBalancer } from "@acme/balancer";
import { createForwarder, createHTTPClient } from "@acme/httpgrpc/client";

export type Mode = "httpgrpc" | "http";

export interface FrontOptions {
  mode: Mode;
  /** Backend addresses (host:port) for the mode: httpgrpc ports, or HTTP/1.1 ports. */
  backends: string[];
  /** Bearer token → tenant id. */
  tokens: Record<string, string>;
  port?: number;
}

const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"];

/** Plain HTTP/1.1 reverse proxy mode, for comparison; it reuses the same balancer core over keep-alive agents. */
function httpProxy(backends: string[]): { handler: express.RequestHandler; close(): Promise<void> } {
  const balancer = createBalancer<http.Agent>({
    target: backends,
    connect: () => new http.Agent({ keepAlive: true }),
    close: (a) => a.destroy(),
  });
  const handler: express.RequestHandler = (req, res) => {
    void balancer.pick().then(
      (lease) => {
        const [host, port] = [
          lease.address.slice(0, lease.address.lastIndexOf(":")),
          Number(lease.address.slice(lease.address.lastIndexOf(":") + 1)),
        ];
        const headers = { ...req.headers };
        for (const h of HOP_BY_HOP) delete headers[h];
        delete headers.host;
        const up = http.request(
          { host, port, method: req.method, path: req.originalUrl, headers, agent: lease.conn },
          (upRes) => {
            const out = { ...upRes.headers };
            for (const h of HOP_BY_HOP) delete out[h];
            res.writeHead(upRes.statusCode ?? 502, out);
            upRes.pipe(res);
            upRes.once("end", () => lease.release("ok"));
          },
        );
        up.once("error", (err) => {
          lease.release("failure");
          if (!res.headersSent) res.status(502).type("text/plain").send(`bad gateway: ${err.message}\n`);
          else res.destroy();
        });
        req.pipe(up);
      },
      (err: Error) => res.status(503).type("text/plain").send(`${err.message}\n`),
    );
  };
  return { handler, close: () => balancer.close() };
}

export async function startFront(o: FrontOptions): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.disable("x-powered-by");
  app.use((req, res, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.header("Authorization") ?? "");
    const tenant = m ? o.tokens[m[1]] : undefined;
    if (!tenant) {
      res
        .status(401)
        .setHeader("WWW-Authenticate", "Bearer")
        .type("text/plain")
        .send("missing or unknown bearer token\n");
      return;
    }
    // The tenant comes from the token only: whatever the caller sent is replaced.
    req.headers["x-scope-orgid"] = tenant;
    delete req.headers.authorization;
    next();
  });
  let closeUpstream: () => Promise<void>;
  if (o.mode === "httpgrpc") {
    const client = createHTTPClient({ target: o.backends, timeoutMs: 10_000 });
    app.use(createForwarder(client));
    closeUpstream = () => client.close();
  } else {
    const p = httpProxy(o.backends);
    app.use(p.handler);
    closeUpstream = p.close;
  }
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(o.port ?? 0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await closeUpstream();
    },
  };
}
