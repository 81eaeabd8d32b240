import type * as http from "node:http";
import type * as http2 from "node:http2";

/** A request as Node's HTTP/1.1 server and its HTTP/2 compatibility API hand it over. */
export type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
/** The response to a NodeRequest. */
export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;
/** A request handler for both HTTP versions. */
export type NodeHandler = (req: NodeRequest, res: NodeResponse) => void;
/**
 * A handler of Node's HTTP/1.1 server, as an Express app or Fastify's router is; what it returns
 * is ignored. HTTP/2 requests reach one only through an HTTP/1.1 emulation (httpgrpc's in-memory
 * request, platform's REST fallback).
 */
export type Http1Handler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;
