import { ServerResponse, type IncomingMessage } from "node:http";
import inject from "light-my-request";
import type { Cancellation } from "@acme/h2";
import type { HttpgrpcContext } from "./handler-context.js";
import { attachContext } from "./handler-context.js";

const serverResponseWrite = ServerResponse.prototype.write;
/** A method called with `.call` on an instance, past its overloads (write/end have several). */
type UntypedMethod = (...args: unknown[]) => unknown;

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface CapturedResponse {
  status: number;
  headers: { key: string; values: string[] }[];
  body: Uint8Array;
}

// Header names Node's HTTP parser keeps only the first of (http.IncomingMessage "message.headers").
const SINGLE_VALUE_HEADERS = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/**
 * Presents a header sent several times as Node's HTTP server would: every occurrence in
 * rawHeaders, and in headers the first one, an array (set-cookie) or the values joined.
 * light-my-request 6.6 (the last whose dependencies run on Node 20: 6.8 needs cookie@2, Node 22)
 * would join them into one raw header.
 */
function presentRepeatedHeaders(req: IncomingMessage, sent: Record<string, string[]>): void {
  const raw: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    const values = sent[name];
    if (!values || values.length < 2) {
      raw.push(name, String(value));
      continue;
    }
    for (const v of values) raw.push(name, v);
    if (name === "set-cookie") req.headers[name] = [...values];
    else req.headers[name] = SINGLE_VALUE_HEADERS.has(name) ? values[0] : values.join(name === "cookie" ? "; " : ", ");
  }
  req.rawHeaders = raw;
}

export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

export interface NodeCallInput {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: Uint8Array;
  ctx: HttpgrpcContext;
  cancellation: Cancellation;
  maxResponseBytes: number;
}

/**
 * Runs a Node (req, res) handler in memory with light-my-request (Fastify's `inject`) and
 * captures its response, never holding more than maxResponseBytes of body.
 */
export function createNodeInvoker(handler: NodeHandler): (input: NodeCallInput) => Promise<CapturedResponse> {
  return (input) =>
    new Promise<CapturedResponse>((resolve, reject) => {
      let overflow = false;
      let aborted = false;
      let written = 0;
      const chunks: Uint8Array[] = [];
      const dispatch = (req: IncomingMessage, res: ServerResponse) => {
        attachContext(req, input.ctx);
        presentRepeatedHeaders(req, input.headers);
        // The body is captured here, by instance methods, rather than by light-my-request:
        // - light-my-request copies every chunk and decodes the whole body to a string (res.payload),
        //   10% of the backend's CPU at 256 KiB in bench/httpgrpc.ts;
        // - Express replaces res's prototype with its own (based on http.ServerResponse), which drops
        //   light-my-request's capturing methods. light-my-request avoids that by re-parenting
        //   Express's shared prototypes onto its own classes when given the app itself, which breaks
        //   every real Express server in the same process (and the same app served over HTTP too).
        //   Instance methods survive the prototype swap, so no prototype is touched here.
        // Past the limit, data is dropped, not buffered; the call fails below.
        res.write = function (this: ServerResponse, chunk: unknown, enc?: unknown, cb?: unknown) {
          if (chunk != null && (this as { _hasBody?: boolean })._hasBody !== false && !overflow) {
            const buf =
              typeof chunk === "string"
                ? Buffer.from(chunk, typeof enc === "string" ? (enc as BufferEncoding) : "utf8")
                : (chunk as Uint8Array);
            written += buf.byteLength;
            if (written > input.maxResponseBytes) {
              overflow = true;
              chunks.length = 0;
            } else chunks.push(buf);
          }
          return (serverResponseWrite as UntypedMethod).call(this, chunk ?? "", enc, cb) as boolean;
        } as ServerResponse["write"];
        // end(chunk) becomes write(chunk) + end(), so the last chunk is captured on any prototype.
        res.end = function (this: ServerResponse, chunk?: unknown, enc?: unknown, cb?: unknown) {
          if (typeof chunk === "function") [cb, chunk] = [chunk, undefined];
          else if (typeof enc === "function") [cb, enc] = [enc, undefined];
          if (chunk != null) this.write(chunk as string, enc as BufferEncoding);
          return ((Object.getPrototypeOf(this) as ServerResponse).end as UntypedMethod).call(
            this,
            cb,
          ) as ServerResponse;
        } as ServerResponse["end"];
        const onAbort = () => {
          aborted = true;
          (req as { aborted?: boolean }).aborted = true;
          req.emit("aborted");
          if (!req.destroyed) req.emit("close");
          res.destroy();
        };
        res.once("close", input.cancellation.onCancel(onAbort));
        return handler(req, res);
      };
      inject(
        dispatch as never,
        {
          method: input.method as "GET",
          url: input.url,
          headers: input.headers,
          payload:
            input.body.byteLength > 0
              ? Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength)
              : undefined,
          validate: false,
        },
        (err, res) => {
          if (aborted) return reject(input.cancellation.reason ?? new Error("aborted"));
          if (err || !res) return reject(err ?? new Error("no response"));
          if (overflow) return reject(new BodyTooLargeError(`response body exceeds ${input.maxResponseBytes} bytes`));
          const raw = res.raw.res as ServerResponse;
          const names = raw.getHeaderNames();
          const headers: { key: string; values: string[] }[] = [];
          for (const n of names) {
            const v = raw.getHeader(n);
            if (v === undefined) continue;
            headers.push({ key: n, values: Array.isArray(v) ? v.map(String) : [String(v)] });
          }
          const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, written);
          resolve({ status: res.statusCode, headers, body });
        },
      );
    });
}
