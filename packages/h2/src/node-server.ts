/**
 * @acme/h2/node-server: what a node:http / node:http2 server of ours shares with this stack, so
 * that @acme/platform can take it without the HTTP/2 implementation: the preface that tells an
 * HTTP/2 connection from an HTTP/1.1 one, and the lingering close of an HTTP/1.1 response sent
 * before its request body was read; how both listen and how long they wait on shutdown; and the
 * types of the Node requests, responses and handlers they pass around.
 */
export { closeAfterUnreadBody } from "./http1/lingering-close.js";
export { HTTP2_PREFACE } from "./http2/frames.js";
export { DEFAULT_SHUTDOWN_TIMEOUT_MS, type ListenAddress, listenOn } from "./node/listen.js";
export type { Http1Handler, NodeHandler, NodeRequest, NodeResponse } from "./node/handler-types.js";
