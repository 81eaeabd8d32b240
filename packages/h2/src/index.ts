/**
 * @acme/h2: a small HTTP/2 stack (RFC 9113, HPACK RFC 7541), a gRPC server (unary and
 * server-streaming methods) and a gRPC-unary client on top of it, as grpc-go speaks the wire.
 * Private to this repository: @acme/httpgrpc bundles it.
 */
export {
  attachGrpcServer,
  attachUnaryHandler,
  errorTrailers,
  MAX_STATUS_MESSAGE,
  type GrpcMethod,
  type GrpcServerOptions,
  type ServerStreamImpl,
  type UnaryCall,
  type UnaryImpl,
  type UnaryServerLimits,
  type UnaryServerOptions,
} from "./grpc/unary-server.js";
export {
  errorFromTrailers,
  GrpcEndpoint,
  MAX_FRAME_SIZE,
  SESSION_WINDOW,
  STREAM_WINDOW,
  TransportError,
  type EndpointOptions,
  type ReceivedPieces,
  type UnaryCallOptions,
} from "./grpc/unary-client.js";
export { BlockPool, receiveBlocks } from "./grpc/block-pool.js";
export { framedPieces, SingleMessageReader } from "./grpc/framing.js";
export { connectServiceMethods } from "./grpc/connect-service.js";
export {
  decodeBinaryHeader,
  decodeGrpcMessage,
  encodeBinaryHeader,
  encodeGrpcMessage,
  fieldValue,
  formatGrpcTimeout,
  metadataFromHeaders,
  parseGrpcTimeout,
  recordFromFields,
} from "./grpc/headers.js";
export { decodeStatus, encodeStatus, type RpcAny, type RpcStatus } from "./grpc/status.js";
export { Cancellation } from "./grpc/cancellation.js";
export { utf8FromBytes, wellFormed } from "./grpc/utf8.js";
export { ErrorCode, errorCodeName, HTTP2_PREFACE } from "./http2/frames.js";
export type { HeaderField } from "./http2/hpack.js";
