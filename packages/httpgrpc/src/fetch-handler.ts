import type { HttpgrpcContext } from "./handler-context.js";
import { attachContext } from "./handler-context.js";
import { BodyTooLargeError, type CapturedResponse, type NodeCallInput } from "./node-handler.js";

export type FetchHandler = (request: Request) => Response | Promise<Response>;

function baseFor(headers: Record<string, string[]>): string {
  const host = headers.host?.[0];
  if (host && /^[A-Za-z0-9.\-:[\]]+$/.test(host)) return `http://${host}`;
  return "http://localhost";
}

/** Reads a body stream into memory, failing as soon as it passes max bytes. */
export async function readLimited(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(`response body exceeds ${max} bytes`);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

/** Runs a fetch-style handler (Hono's app.fetch, ...) and captures its response. */
export function createFetchInvoker(handler: FetchHandler): (input: NodeCallInput) => Promise<CapturedResponse> {
  return async (input) => {
    const headers = new Headers();
    for (const [k, vs] of Object.entries(input.headers)) for (const v of vs) headers.append(k, v);
    const hasBody = input.body.byteLength > 0 && input.method !== "GET" && input.method !== "HEAD";
    const request = new Request(baseFor(input.headers) + input.url, {
      method: input.method,
      headers,
      body: hasBody ? (input.body as Uint8Array<ArrayBuffer>) : undefined,
      signal: input.cancellation.signal,
    });
    attachContext(request, input.ctx as HttpgrpcContext);
    const response = await handler(request);
    const body = await readLimited(response.body, input.maxResponseBytes);
    const out: { key: string; values: string[] }[] = [];
    const seen = new Map<string, string[]>();
    response.headers.forEach((value, key) => {
      if (key === "set-cookie") return;
      const vs = seen.get(key);
      if (vs) vs.push(value);
      else {
        const arr = [value];
        seen.set(key, arr);
        out.push({ key, values: arr });
      }
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length) out.push({ key: "set-cookie", values: cookies });
    return { status: response.status, headers: out, body };
  };
}
