// The demo GreeterService: one implementation, served by the examples, the
// benchmarks and the tests (createServer in the platform tests, a plain
// connect-node server in the packaging tests). Not part of any published package.
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { GreeterService, SayHelloResponseSchema, SayHelloStreamResponseSchema } from "@acme/greeter/v1";

export const greeterImpl: ServiceImpl<typeof GreeterService> = {
  sayHello(req) {
    return create(SayHelloResponseSchema, { message: `Hello, ${req.name || "world"}!` });
  },
  async *sayHelloStream(req) {
    const count = req.count || 3;
    for (let index = 1; index <= count; index++) {
      yield create(SayHelloStreamResponseSchema, { message: `Hello #${index}, ${req.name || "world"}!`, index });
    }
  },
};

export { GreeterService };

export function greeterRoutes(router: ConnectRouter): void {
  router.service(GreeterService, greeterImpl);
}

export interface GreeterServer {
  /** Base URL of the HTTP/2 cleartext listener (gRPC). */
  h2Url: string;
  /** Base URL of the HTTP/1.1 listener (Connect JSON, gRPC-web). */
  h1Url: string;
  close(): Promise<void>;
}

/** A real GreeterService on 127.0.0.1: HTTP/2 cleartext for gRPC and a separate HTTP/1.1 listener for Connect, each on a random port. */
export async function startGreeterServer(): Promise<GreeterServer> {
  const handler = connectNodeAdapter({ routes: greeterRoutes });
  const h2 = http2.createServer(handler);
  const h1 = http.createServer(handler);
  await new Promise<void>((r) => h2.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => h1.listen(0, "127.0.0.1", r));
  return {
    h2Url: `http://127.0.0.1:${(h2.address() as AddressInfo).port}`,
    h1Url: `http://127.0.0.1:${(h1.address() as AddressInfo).port}`,
    async close() {
      h1.closeAllConnections();
      await Promise.all([new Promise((r) => h2.close(r)), new Promise((r) => h1.close(r))]);
    },
  };
}
