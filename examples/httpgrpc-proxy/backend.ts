// The backend service: an ordinary Express app that knows nothing about gRPC. Each replica serves
// it twice: over httpgrpc (for the front end's default mode) and over HTTP/1.1 (for --mode=http).
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createHTTPServer } from "@acme/httpgrpc/server";

export function backendApp(replica: string): express.Express {
  const app = express();
  app.use(express.json());
  app.get("/api/whoami", (req, res) => {
    res.json({ replica, tenant: req.header("X-Scope-OrgID") ?? null, url: req.originalUrl });
  });
  app.post("/api/echo", (req, res) => {
    res.setHeader("X-Replica", replica);
    res.json({ replica, tenant: req.header("X-Scope-OrgID") ?? null, body: req.body as unknown });
  });
  app.get("/api/fail", (_req, res) => {
    res.status(503).setHeader("Retry-After", "5").send("backend is draining");
  });
  return app;
}

export interface Replica {
  name: string;
  grpcAddress: string;
  httpAddress: string;
  close(): Promise<void>;
}

export async function startReplica(name: string): Promise<Replica> {
  const app = backendApp(name);
  const grpc = createHTTPServer(app);
  const g = await grpc.listen(0, "127.0.0.1");
  const h1 = http.createServer(app);
  await new Promise<void>((r) => h1.listen(0, "127.0.0.1", r));
  return {
    name,
    grpcAddress: `127.0.0.1:${g.port}`,
    httpAddress: `127.0.0.1:${(h1.address() as AddressInfo).port}`,
    async close() {
      h1.closeAllConnections();
      await Promise.all([grpc.close(), new Promise<void>((r) => h1.close(() => r()))]);
    },
  };
}
