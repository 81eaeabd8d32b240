// @acme/platform/client: createClient for browsers (and any runtime with
// fetch), on @connectrpc/connect-web. No Node built-ins here: the browser
// bundle test builds this entry with esbuild --platform=browser.
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { buildClient } from "./client/build-client.js";
import type { ClientOptions, TransportFactory } from "./client/options.js";

export type { ClientOptions, Protocol } from "./client/options.js";
export { isRetryable, retryInterceptor, type RetryOptions } from "./client/retry-interceptor.js";
export { clientTraceInterceptor } from "./client/trace-interceptor.js";

const webTransport: TransportFactory = (baseUrl, { protocol, binary, interceptors }) => {
  const init = { baseUrl, useBinaryFormat: binary, interceptors };
  switch (protocol) {
    case "connect":
      return createConnectTransport(init);
    case "grpc-web":
      return createGrpcWebTransport(init);
    default:
      throw new Error(
        `createClient: browsers cannot speak ${protocol} (it needs HTTP/2 trailers); use "connect" or "grpc-web", or @acme/platform/client/node`,
      );
  }
};

/** A typed client for `service` with the platform's deadline, mesh header and retries. */
export function createClient<S extends DescService>(service: S, options: ClientOptions): Client<S> {
  return buildClient(service, options, { makeTransport: webTransport });
}
export { BadRequestSchema, type BadRequest } from "./validation/gen.js";
