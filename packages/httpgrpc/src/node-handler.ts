/**
 * Runs a Node (req, res) handler in memory: a real http.IncomingMessage and http.ServerResponse
 * (so Express, which swaps their prototypes for its own, and any middleware find what they
 * expect), joined by a socket that goes nowhere. The response body is captured as the handler
 * writes it; what ServerResponse itself writes (the HTTP/1.1 head and framing) is dropped.
 *
 * Why not light-my-request (Fastify's inject), used before: per call it parsed the URL with
 * WHATWG URL (which also rewrote it: "/a/../b" became "/b"), made a Writable and an event
 * emitter per call, built three RegExps per response, decoded the body to a string and went
 * through setImmediate twice. With Node's ServerResponse it was the largest part of the
 * backend's CPU per call in bench/httpgrpc.ts (see the README's httpgrpc benchmark section).
 */
import { EventEmitter } from "node:events";
import { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Cancellation } from "@acme/h2";
import type { Http1Handler } from "@acme/h2/node-server";
import type { HttpgrpcContext } from "./handler-context.js";
import { attachContext } from "./handler-context.js";

const serverResponseWrite = ServerResponse.prototype.write;
/** A method called with `.call` on an instance, past its overloads (write/end have several). */
type UntypedMethod = (...args: unknown[]) => unknown;

export interface CapturedResponse {
  status: number;
  headers: { key: string; values: string[] }[];
  body: Uint8Array;
}

export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

export interface NodeCallInput {
  method: string;
  url: string;
  /** Lowercase names; without content-length and hop-by-hop headers. */
  headers: Record<string, string[]>;
  body: Uint8Array;
  ctx: HttpgrpcContext;
  cancellation: Cancellation;
  maxResponseBytes: number;
}

/**
 * The connection an in-memory request and response share, as far as Node's http classes and
 * middleware look at one: addresses (Express's req.ip and req.protocol), the state
 * ServerResponse reads before writing, and writes, which are dropped (the body was captured
 * before them). It counts as readable, as a live connection does (on-finished, and so
 * body-parser, take a request on an unreadable socket for one already read), but never yields
 * data: the request body is already in the request. Timeouts set on it do nothing: the call's
 * deadline bounds the handler instead.
 */
class InMemorySocket extends EventEmitter {
  readonly remoteAddress = "127.0.0.1";
  readonly remoteFamily = "IPv4";
  readonly remotePort = 0;
  readonly localAddress = "127.0.0.1";
  readonly localPort = 0;
  readonly readable = true;
  readonly _paused = false;
  writable = true;
  destroyed = false;
  readonly writableLength = 0;
  readonly writableHighWaterMark = 16 * 1024;
  readonly writableCorked = 0;
  /** ServerResponse.end() writes `corked` here directly. */
  readonly _writableState = { corked: 0 };
  /** The response using the socket (set by ServerResponse.assignSocket). */
  _httpMessage: ServerResponse | null = null;

  write(_data: unknown, encoding?: unknown, cb?: unknown): boolean {
    const done = typeof encoding === "function" ? encoding : cb;
    if (typeof done === "function") process.nextTick(done as () => void);
    return true;
  }
  cork(): void {}
  uncork(): void {}
  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: "IPv4", port: this.localPort };
  }
  end(): this {
    return this.destroy();
  }
  destroySoon(): void {
    this.destroy();
  }
  /** 'close' follows on the next tick, as a socket's does; ServerResponse turns it into its own 'close'. */
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.writable = false;
    process.nextTick(() => this.emit("close", false));
    return this;
  }
}

// What Node's http classes call on a socket that means nothing in memory (IncomingMessage resumes
// its socket when read; timeouts, keep-alive and refs): each call returns the socket, as a real one does.
for (const name of ["resume", "pause", "setTimeout", "setNoDelay", "setKeepAlive", "ref", "unref"]) {
  Object.defineProperty(InMemorySocket.prototype, name, {
    value: function (this: InMemorySocket) {
      return this;
    },
    writable: true,
    configurable: true,
  });
}

/**
 * Node's own header parsing (http.IncomingMessage's rawHeaders → headers), so a header sent
 * several times reaches the handler as from Node's HTTP server: every occurrence in rawHeaders,
 * and in headers the first one (content-type, host and the other single-value names), an array
 * (set-cookie) or the values joined ("; " for cookie, ", " otherwise). req.headers and
 * req.headersDistinct are built from it on first use.
 */
type WithHeaderLines = IncomingMessage & { _addHeaderLines(raw: string[], n: number): void };

function requestFor(input: NodeCallInput, socket: InMemorySocket): IncomingMessage {
  const req = new IncomingMessage(socket as unknown as Socket);
  req.method = input.method;
  req.url = input.url;
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = "1.1";
  const raw: string[] = [];
  const headers = input.headers;
  for (const name in headers) for (const v of headers[name]) raw.push(name, v);
  // As light-my-request did before: HTTP/1.1 requires a Host, and handlers build URLs from it
  // (the forwarder does not send the client's).
  if (!headers.host) raw.push("host", "localhost:80");
  const n = input.body.byteLength;
  if (n > 0) raw.push("content-length", String(n));
  (req as WithHeaderLines)._addHeaderLines(raw, raw.length);
  req.complete = true;
  if (n > 0) req.push(Buffer.from(input.body.buffer, input.body.byteOffset, n));
  req.push(null);
  return req;
}

/** Runs a Node (req, res) handler per call and captures its response, never holding more than maxResponseBytes of body. */
export function createNodeInvoker(handler: Http1Handler): (input: NodeCallInput) => Promise<CapturedResponse> {
  return (input) =>
    new Promise<CapturedResponse>((resolve, reject) => {
      let overflow = false;
      let aborted = false;
      let settled = false;
      let written = 0;
      const chunks: Uint8Array[] = [];
      const socket = new InMemorySocket();
      const req = requestFor(input, socket);
      attachContext(req, input.ctx);
      const res = new ServerResponse(req);
      // writeHead(status, headers) on a response with no header set yet writes those headers
      // straight into the HTTP/1.1 head, out of getHeaders(); once a header map exists, it
      // stores them there.
      res.setHeader("x-httpgrpc", "");
      res.removeHeader("x-httpgrpc");
      res.assignSocket(socket as unknown as Socket);

      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        reject(err);
        res.destroy();
      };
      // Past the limit, data is dropped, not buffered; the call fails at the end.
      const capture = (r: ServerResponse, chunk: unknown, enc: unknown) => {
        if (chunk == null || overflow || (r as { _hasBody?: boolean })._hasBody === false) return;
        const buf =
          typeof chunk === "string"
            ? Buffer.from(chunk, typeof enc === "string" ? (enc as BufferEncoding) : "utf8")
            : (chunk as Uint8Array);
        written += buf.byteLength;
        if (written > input.maxResponseBytes) {
          overflow = true;
          chunks.length = 0;
        } else chunks.push(buf);
      };
      // The body is captured by instance methods: Express replaces res's prototype with its own
      // (based on http.ServerResponse), and instance methods survive that. Each chunk is taken
      // after ServerResponse took it, so a write it refuses (after end, or once destroyed) or
      // ignores (HEAD, 204, 304) is not captured.
      res.write = function (this: ServerResponse, chunk: unknown, enc?: unknown, cb?: unknown) {
        const open = !this.writableEnded && !this.destroyed;
        const ok = (serverResponseWrite as UntypedMethod).call(this, chunk ?? "", enc, cb) as boolean;
        if (open) capture(this, chunk, enc);
        return ok;
      } as ServerResponse["write"];
      res.end = function (this: ServerResponse, chunk?: unknown, enc?: unknown, cb?: unknown) {
        if (typeof chunk === "function") [cb, chunk] = [chunk, undefined];
        else if (typeof enc === "function") [cb, enc] = [enc, undefined];
        const open = !this.writableEnded && !this.destroyed;
        const out = ((Object.getPrototypeOf(this) as ServerResponse).end as UntypedMethod).call(
          this,
          chunk,
          enc,
          cb,
        ) as ServerResponse;
        if (open) capture(this, chunk, enc);
        return out;
      } as ServerResponse["end"];

      // As Node's HTTP server on 'finish': an unread request body is drained (so req ends and
      // closes), and the response closes on the next tick.
      res.once("finish", () => {
        if (req.readableFlowing === null) req.resume();
        socket.destroy();
        if (settled) return;
        settled = true;
        if (overflow) return reject(new BodyTooLargeError(`response body exceeds ${input.maxResponseBytes} bytes`));
        const headers: { key: string; values: string[] }[] = [];
        for (const name of res.getHeaderNames()) {
          const v = res.getHeader(name);
          if (v === undefined) continue;
          headers.push({ key: name, values: Array.isArray(v) ? v.map(String) : [String(v)] });
        }
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, written);
        resolve({ status: res.statusCode, headers, body });
      });
      // Closed before it finished: the call was cancelled, or the handler destroyed the response.
      res.once("close", () => {
        if (settled) return; // (an Error made for nothing costs its stack trace)
        fail(
          aborted
            ? (input.cancellation.reason ?? new Error("aborted"))
            : new Error("the handler closed the response before finishing it"),
        );
      });
      // ServerResponse reports misuse (a write after end) as 'error', which would crash the
      // process unheard: the call fails instead, unless it was answered already.
      res.on("error", fail);
      const onAbort = () => {
        aborted = true;
        (req as { aborted?: boolean }).aborted = true;
        req.emit("aborted");
        if (!req.destroyed) req.emit("close");
        res.destroy();
      };
      res.once("close", input.cancellation.onCancel(onAbort));

      let result: unknown;
      try {
        result = handler(req, res);
      } catch (err) {
        return fail(err);
      }
      // An async handler that rejects fails the call (unless it answered already).
      if (result !== null && typeof result === "object" && typeof (result as PromiseLike<unknown>).then === "function")
        (result as PromiseLike<unknown>).then(undefined, fail);
    });
}
