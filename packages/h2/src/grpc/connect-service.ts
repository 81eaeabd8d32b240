/**
 * Serves a Connect-ES service implementation (its unary and server-streaming methods) on
 * attachGrpcServer, so that a service written for a Connect router, such as @acme/grpc-health's
 * Health, runs unchanged beside methods of our own on one port. Messages are binary protobuf
 * (application/grpc). The handler context carries the request metadata, deadline and
 * cancellation; response headers and trailers set on it are not sent. Client- and bidi-streaming
 * methods are not served: their paths answer UNIMPLEMENTED.
 */
import { create, fromBinary, toBinary, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createHandlerContext, createServiceImplSpec, type ServiceImpl } from "@connectrpc/connect";
import { framedPieces } from "./framing.js";
import { metadataFromHeaders, recordFromFields } from "./headers.js";
import type { GrpcMethod, UnaryCall } from "./unary-server.js";

/** The methods of `impl` by path ("/package.Service/Method"), for attachGrpcServer's `methods`. */
export function connectServiceMethods<S extends DescService>(
  service: S,
  impl: Partial<ServiceImpl<S>>,
): Map<string, GrpcMethod> {
  const methods = new Map<string, GrpcMethod>();
  for (const spec of Object.values(createServiceImplSpec(service, impl).methods)) {
    const { input, output } = spec.method;
    const path = `/${service.typeName}/${spec.method.name}`;
    const context = (call: UnaryCall) =>
      createHandlerContext({
        service,
        method: spec.method,
        protocolName: "grpc",
        requestMethod: "POST",
        url: path,
        timeoutMs: call.timeoutMs,
        requestSignal: call.cancellation.signal,
        requestHeader: metadataFromHeaders(recordFromFields(call.headers)),
      });
    const decode = (bytes: Uint8Array) => {
      try {
        return fromBinary(input, bytes);
      } catch (err) {
        // As grpc-go: a request that does not unmarshal is INTERNAL.
        throw new ConnectError(`malformed ${input.typeName}: ${(err as Error).message}`, Code.Internal);
      }
    };
    const encode = (message: Parameters<typeof create>[1]) => framedPieces(toBinary(output, create(output, message)));
    if (spec.kind === "unary") {
      methods.set(path, {
        kind: "unary",
        impl: async (request, call) => encode(await spec.impl(decode(request), context(call))),
      });
    } else if (spec.kind === "server_streaming") {
      methods.set(path, {
        kind: "server_streaming",
        // Pulled one message at a time: the service's iterable is pulled as the client reads.
        async *impl(request, call) {
          for await (const message of spec.impl(decode(request), context(call))) yield encode(message);
        },
      });
    }
  }
  return methods;
}
