import type * as http from "node:http";
import type { Http1Handler } from "@acme/h2/node-server";

/** An Express app is already a request handler; the gRPC routes are matched first, the rest goes to it. */
export function expressFallback(app: Http1Handler): Http1Handler {
  return (req, res) => app(req, res);
}

interface FastifyLike {
  ready(): PromiseLike<unknown>;
  routing(req: http.IncomingMessage, res: http.ServerResponse): void;
}

/**
 * Hands requests no gRPC route matched to a Fastify instance. The instance
 * is never listened on; it is readied once, on the first request.
 */
export function fastifyFallback(app: FastifyLike): Http1Handler {
  let ready: PromiseLike<unknown> | undefined;
  return (req, res) => {
    ready ??= app.ready();
    Promise.resolve(ready).then(
      () => app.routing(req, res),
      (err: unknown) => {
        res.statusCode = 500;
        res.end(`fastify failed to start: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  };
}
