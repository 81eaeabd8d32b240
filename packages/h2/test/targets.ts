// Servers that attack and conformance tests aim at: ours (attachUnaryHandler) and a plain
// node:http2 server as the reference, each with a legitimate client, and a memory sampler.
import { once } from "node:events";
import * as http2 from "node:http2";
import * as net from "node:net";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { attachUnaryHandler } from "../src/grpc/unary-server.js";
import { GrpcEndpoint } from "../src/grpc/unary-client.js";
import type { H2Limits } from "../src/http2/limits.js";
import { grpcMessage } from "./peer.js";

export const ECHO_PATH = "/test.Echo/Call";

export interface Target {
  kind: "ours" | "node:http2";
  port: number;
  /** Handler runs so far. */
  runs: number;
  /** One legitimate call; throws when it fails. */
  legit(): Promise<void>;
  /** Ours: DATA bytes held unconsumed now, summed over the server's connections. */
  buffered?(): number;
  close(): Promise<void>;
}

/**
 * Our unary server. The method answers a 4-byte request with that many bytes (so a peer can ask
 * for large responses) and echoes anything else.
 */
export async function ourServer(limits?: Partial<H2Limits>, maxMessageBytes = 4 * 1024 * 1024): Promise<Target> {
  const server = net.createServer();
  const t: Target = { kind: "ours", port: 0, runs: 0, legit: async () => {}, close: async () => {} };
  const connections = attachUnaryHandler(server, {
    path: ECHO_PATH,
    maxMessageBytes,
    maxHeaderListBytes: 256 * 1024,
    limits,
    async impl(req) {
      t.runs++;
      const body = req.length === 4 ? Buffer.alloc(Buffer.from(req).readUInt32BE(0), 7) : req;
      return grpcMessage(body);
    },
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.port = (server.address() as net.AddressInfo).port;
  t.buffered = () => {
    let n = 0;
    for (const c of connections) n += c.bufferedRecvBytes;
    return n;
  };
  const client = new GrpcEndpoint(`127.0.0.1:${t.port}`, {
    maxResponseBytes: 4 * 1024 * 1024,
    maxHeaderListBytes: 256 * 1024,
    keepAliveMs: 15_000,
  });
  t.legit = async () => {
    const out = await client.unary(ECHO_PATH, grpcMessage(Buffer.from("legit")));
    if (Buffer.from(out).toString() !== "legit") throw new Error(`legit call answered ${Buffer.from(out).toString()}`);
  };
  t.close = async () => {
    client.close();
    for (const c of connections) c.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return t;
}

/** A plain node:http2 server answering every request with 200 and a short body. */
export async function nodeServer(configure?: (s: http2.Http2Server) => void): Promise<Target> {
  const server = http2.createServer();
  const t: Target = { kind: "node:http2", port: 0, runs: 0, legit: async () => {}, close: async () => {} };
  server.on("stream", (stream) => {
    t.runs++;
    stream.on("error", () => {});
    stream.respond({ ":status": 200 });
    stream.end("legit");
  });
  server.on("sessionError", () => {});
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("error", () => {});
    s.once("close", () => sessions.delete(s));
  });
  configure?.(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.port = (server.address() as net.AddressInfo).port;
  let client: http2.ClientHttp2Session | undefined;
  const session = () => {
    // A new session when the server's own timeout closed the last one.
    if (!client || client.destroyed || client.closed) {
      client = http2.connect(`http://127.0.0.1:${t.port}`);
      client.on("error", () => {});
    }
    return client;
  };
  t.legit = () =>
    new Promise((resolve, reject) => {
      const req = session().request({ ":path": "/" });
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => (Buffer.concat(chunks).toString() === "legit" ? resolve() : reject(new Error("bad answer"))));
      req.on("error", reject);
      req.end();
    });
  t.close = async () => {
    client?.destroy();
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return t;
}

/** Calls `legit` one after another until stopped; every failure is kept. */
export function legitLoop(legit: () => Promise<void>): { stop(): Promise<{ ok: number; failed: unknown[] }> } {
  let running = true;
  let ok = 0;
  const failed: unknown[] = [];
  const loop = (async () => {
    while (running) {
      try {
        await legit();
        ok++;
      } catch (err) {
        failed.push(err);
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  let stopped: Promise<{ ok: number; failed: unknown[] }> | undefined;
  return {
    stop: () => (stopped ??= finish()),
  };
  async function finish() {
    running = false;
    await loop;
    // At least one call made after the attack, however slow the machine.
    try {
      await legit();
      ok++;
    } catch (err) {
      failed.push(err);
    }
    return { ok, failed };
  }
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/**
 * Samples heap + ArrayBuffer memory while an attack runs; stop() returns the peak growth in bytes
 * (garbage not yet collected included), retained() the growth that survives a full GC now.
 */
export function memorySampler(): { stop(): number; retained(): Promise<number> } {
  gc();
  const base = used();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, used())), 2).unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, used());
      return peak - base;
    },
    async retained() {
      // V8 frees the ArrayBuffers a GC found dead on a background thread, which a busy machine
      // starves: right after gc() they can still count. The least of a few samples, a turn apart.
      let least = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 20; i++) {
        gc();
        least = Math.min(least, used() - base);
        await new Promise((r) => setTimeout(r, 10));
      }
      return least;
    },
  };
}

export const MiB = 1024 * 1024;
