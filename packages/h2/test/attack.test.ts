// Attacks on HTTP/2, run as a hostile peer would on loopback with raw sockets: against our
// server, against our client facing a hostile backend, and against plain node:http2 (nghttp2)
// as the reference row. Each row asserts the GOAWAY code our end sends, a bound on memory growth
// during the attack, and that a legitimate client's calls keep succeeding meanwhile. Loops are
// bounded in frames, never in time; nothing here measures time.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { describe, test, type TestContext } from "node:test";
import { GrpcEndpoint, TransportError } from "../src/grpc/unary-client.js";
import type { H2Limits } from "../src/http2/limits.js";
import {
  CANCEL,
  CONTINUATION,
  DATA,
  END_STREAM,
  ENHANCE_YOUR_CALM,
  grpcMessage,
  grpcRequest,
  HEADERS,
  hostileServer,
  NO_ERROR,
  PING,
  RawPeer,
  REFUSED_STREAM,
  RST_STREAM,
  SETTINGS,
  SETTINGS_TIMEOUT,
  settingsPayload,
  u32,
  WINDOW_UPDATE,
  type Frame,
} from "./peer.js";
import { HTTP2_PREFACE, rawFrame } from "@acme/test-support/h2-frames";
import { ECHO_PATH, legitLoop, memorySampler, MiB, nodeServer, ourServer, type Target } from "./targets.js";

const onlyGoaway = (f: Frame) => f.type === RST_STREAM || f.type === SETTINGS;

/** Sends `batch()` until the connection closes or `rounds` batches went out; returns the count sent. */
async function flood(peer: RawPeer, rounds: number, batch: (round: number) => Buffer): Promise<number> {
  let i = 0;
  for (; i < rounds && !peer.closed && !peer.goaway; i++) if (!(await peer.send(batch(i)))) break;
  return i;
}

const repeat = (frame: Buffer, n: number) => Buffer.concat(Array.from({ length: n }, () => frame));

interface Row {
  name: string;
  /** What our server sends: a GOAWAY code, or "refused" streams with the connection kept. */
  ours: number;
  /** Whether node:http2 closes the connection (measured; recorded here as the reference). */
  nodeCloses: boolean;
  limits?: Partial<H2Limits>;
  read?: boolean;
  /** Largest memory growth allowed during the attack on our server. */
  boundMiB: number;
  attack(peer: RawPeer): Promise<void>;
}

const EMPTY_CONTINUATIONS = repeat(rawFrame(CONTINUATION, 0, 1), 1000);
const PINGS = repeat(rawFrame(PING, 0, 0, Buffer.alloc(8)), 1000);
const EMPTY_SETTINGS = repeat(rawFrame(SETTINGS, 0, 0), 1000);
const EMPTY_DATA = repeat(rawFrame(DATA, 0, 1), 1000);

const rows: Row[] = [
  {
    name: "CONTINUATION flood (CVE-2024-27316): one HEADERS, then empty CONTINUATION frames without end",
    ours: ENHANCE_YOUR_CALM,
    nodeCloses: true,
    boundMiB: 32,
    async attack(peer) {
      await peer.send(peer.headers(1, grpcRequest(ECHO_PATH), 0));
      await flood(peer, 200, () => EMPTY_CONTINUATIONS);
    },
  },
  {
    name: "rapid reset (CVE-2023-44487): HEADERS, the message and RST_STREAM, stream after stream",
    ours: ENHANCE_YOUR_CALM,
    nodeCloses: true,
    boundMiB: 48,
    async attack(peer) {
      const msg = grpcMessage(Buffer.from("x"));
      await flood(peer, 200, (round) => {
        const frames: Buffer[] = [];
        for (let k = 0; k < 100; k++) {
          const id = 2 * (round * 100 + k) + 1;
          frames.push(
            peer.headers(id, grpcRequest(ECHO_PATH)),
            rawFrame(DATA, END_STREAM, id, msg),
            rawFrame(RST_STREAM, 0, id, u32(CANCEL)),
          );
        }
        return Buffer.concat(frames);
      });
    },
  },
  {
    name: "PING flood from a peer that reads",
    ours: ENHANCE_YOUR_CALM,
    nodeCloses: false,
    boundMiB: 32,
    attack: (peer) => flood(peer, 200, () => PINGS).then(() => {}),
  },
  {
    name: "PING flood from a peer that never reads (queued PING ACKs bounded, rate limit off)",
    ours: ENHANCE_YOUR_CALM,
    nodeCloses: true,
    read: false,
    limits: { pings: { burst: 1e9, perSecond: 1e9 } },
    boundMiB: 48,
    attack: (peer) => flood(peer, 10_000, () => PINGS).then(() => {}),
  },
  {
    name: "SETTINGS flood from a peer that reads",
    ours: ENHANCE_YOUR_CALM,
    nodeCloses: false,
    boundMiB: 32,
    attack: (peer) => flood(peer, 200, () => EMPTY_SETTINGS).then(() => {}),
  },
  {
    name: "SETTINGS flood from a peer that never reads (queued SETTINGS ACKs bounded, rate limit off)",
    ours: ENHANCE_YOUR_CALM,
    nodeCloses: true,
    read: false,
    limits: { settings: { burst: 1e9, perSecond: 1e9 } },
    boundMiB: 48,
    attack: (peer) => flood(peer, 10_000, () => EMPTY_SETTINGS).then(() => {}),
  },
  {
    name: "empty DATA flood on an open stream",
    ours: ENHANCE_YOUR_CALM,
    nodeCloses: false,
    boundMiB: 32,
    async attack(peer) {
      await peer.send(peer.headers(1, grpcRequest(ECHO_PATH)));
      await flood(peer, 200, () => EMPTY_DATA);
    },
  },
];

async function attackRow(t: TestContext, target: Target, row: Row): Promise<{ peer: RawPeer; grownMiB: number }> {
  const mem = memorySampler();
  const legit = legitLoop(() => target.legit());
  t.after(() => legit.stop());
  const peer = await RawPeer.connect(target.port, { read: row.read, keep: onlyGoaway });
  await row.attack(peer);
  // The attack is over: a peer that never read starts reading now, or it would never see the
  // server's FIN (a paused socket does not read it) and the row would wait for ever.
  if (row.read === false) peer.socket.resume();
  if (target.kind === "ours") await peer.whenClosed;
  // nghttp2 may send its GOAWAY and leave closing the socket to the peer.
  else if (row.nodeCloses) await peer.until(() => peer.closed || peer.goaway !== undefined);
  const grownMiB = mem.stop() / MiB;
  peer.close();
  const calls = await legit.stop();
  t.diagnostic(
    `${target.kind}: goaway ${peer.goaway?.code ?? "none"} (${peer.goaway?.debug ?? ""}), memory +${grownMiB.toFixed(1)} MiB, legit calls ${calls.ok} ok, handler runs ${target.runs}`,
  );
  assert.deepEqual(calls.failed, [], "every legitimate call succeeded during the attack");
  assert.ok(calls.ok >= 1);
  return { peer, grownMiB };
}

describe("attacks on the server", () => {
  for (const row of rows) {
    test(`${row.name}: ours answers GOAWAY ${row.ours}, memory bounded, legit calls succeed`, async (t) => {
      const target = await ourServer(row.limits);
      try {
        const { peer, grownMiB } = await attackRow(t, target, row);
        if (row.read !== false)
          assert.equal(peer.goaway?.code, row.ours, `GOAWAY ${peer.goaway?.code}: ${peer.goaway?.debug}`);
        assert.ok(peer.closed, "the connection was closed");
        assert.ok(grownMiB < row.boundMiB, `memory grew ${grownMiB.toFixed(1)} MiB (bound ${row.boundMiB})`);
      } finally {
        await target.close();
      }
    });
    test(`${row.name}: node:http2 reference ${row.nodeCloses ? "closes" : "keeps serving"}`, async (t) => {
      const target = await nodeServer();
      try {
        const { peer } = await attackRow(t, target, row);
        if (row.nodeCloses) assert.ok(peer.closed || peer.goaway, "node:http2 sent GOAWAY or closed the connection");
      } finally {
        await target.close();
      }
    });
  }

  test("rapid reset: no request reset in the same read reaches our method", async () => {
    const target = await ourServer();
    try {
      const peer = await RawPeer.connect(target.port, { keep: onlyGoaway });
      const msg = grpcMessage(Buffer.from("x"));
      const frames: Buffer[] = [];
      for (let k = 0; k < 500; k++) {
        const id = 2 * k + 1;
        frames.push(
          peer.headers(id, grpcRequest(ECHO_PATH)),
          rawFrame(DATA, END_STREAM, id, msg),
          rawFrame(RST_STREAM, 0, id, u32(CANCEL)),
        );
      }
      // All in one write (35 KB): read in one or two pieces; a stream cut between two reads is
      // the only one that can run.
      await peer.send(Buffer.concat(frames));
      await target.legit();
      assert.ok(target.runs - 1 <= 2, `${target.runs - 1} of 500 reset requests ran the method`);
      peer.close();
    } finally {
      await target.close();
    }
  });

  test("SETTINGS_MAX_CONCURRENT_STREAMS: 256 advertised; streams over it refused before any handler, the connection kept", async (t) => {
    for (const make of [() => ourServer(), () => nodeServer()]) {
      const target = await make();
      try {
        const peer = await RawPeer.connect(target.port, {
          keep: (f) => f.type === RST_STREAM || f.type === SETTINGS || f.type === PING,
        });
        const legit = legitLoop(() => target.legit());
        t.after(() => legit.stop());
        const frames: Buffer[] = [];
        for (let k = 0; k < 1000; k++) frames.push(peer.headers(2 * k + 1, grpcRequest(ECHO_PATH)));
        await peer.send(Buffer.concat(frames));
        // A PING after the streams: its ACK comes after the answer to every stream before it.
        await peer.send(rawFrame(PING, 0, 0, Buffer.from("12345678")));
        assert.ok(await peer.until(() => peer.frames.some((f) => f.type === PING)), "PING answered");
        const refused = peer.frames.filter(
          (f) => f.type === RST_STREAM && f.payload.readUInt32BE(0) === REFUSED_STREAM,
        ).length;
        const settings = peer.frames.find((f) => f.type === SETTINGS && f.payload.length > 0);
        let advertised: number | undefined;
        for (let off = 0; settings && off < settings.payload.length; off += 6)
          if (settings.payload.readUInt16BE(off) === 3) advertised = settings.payload.readUInt32BE(off + 2);
        const calls = await legit.stop();
        t.diagnostic(`${target.kind}: advertised ${advertised ?? "no limit"}, refused ${refused} of 1000 streams`);
        assert.deepEqual(calls.failed, []);
        if (target.kind === "ours") {
          assert.equal(advertised, 256);
          assert.equal(refused, 1000 - 256);
          assert.equal(target.runs, calls.ok, "no handler ran for an open stream without its message");
          assert.ok(!peer.closed);
        }
        peer.close();
      } finally {
        await target.close();
      }
    }
  });

  test("a peer that keeps a zero window while asking for 1 MiB responses: pending bytes bounded, new streams refused", async (t) => {
    const target = await ourServer({ maxPendingSendBytes: 8 * MiB });
    try {
      const mem = memorySampler();
      const legit = legitLoop(() => target.legit());
      t.after(() => legit.stop());
      const peer = await RawPeer.connect(target.port, {
        keep: (f) => f.type === RST_STREAM || f.type === HEADERS,
        preface: false,
      });
      await peer.send(Buffer.concat([HTTP2_PREFACE, rawFrame(SETTINGS, 0, 0, settingsPayload([[4, 0]]))]));
      const ask = grpcMessage(u32(MiB));
      for (let k = 0; k < 100; k++) {
        const id = 2 * k + 1;
        await peer.send(peer.headers(id, grpcRequest(ECHO_PATH)), rawFrame(DATA, END_STREAM, id, ask));
        // Answered (its response now waits, whole, for a window that never opens) or refused.
        assert.ok(await peer.until(() => peer.frames.some((f) => f.stream === id)), `stream ${id} answered or refused`);
      }
      const grown = mem.stop() / MiB;
      const calls = await legit.stop();
      const refused = peer.frames.filter(
        (f) => f.type === RST_STREAM && f.payload.readUInt32BE(0) === REFUSED_STREAM,
      ).length;
      const held = peer.frames.filter((f) => f.type === HEADERS).length;
      t.diagnostic(`ours: ${held} responses held, ${refused} streams refused, memory +${grown.toFixed(1)} MiB`);
      assert.deepEqual(calls.failed, []);
      assert.ok(held <= 9, `${held} responses held`);
      assert.equal(refused, 100 - held);
      assert.ok(grown < 48, `memory grew ${grown.toFixed(1)} MiB`);
      peer.close();
    } finally {
      await target.close();
    }
  });

  test("200 streams that each declare a 4 MiB message and send one byte: nothing is allocated for the declared size", async (t) => {
    const target = await ourServer();
    try {
      const mem = memorySampler();
      const peer = await RawPeer.connect(target.port, { keep: (f) => f.type === PING });
      const prefix = Buffer.from([0, 0, 0x40, 0, 0, 7]); // uncompressed, 4 MiB declared, 1 byte of it
      const frames: Buffer[] = [];
      for (let k = 0; k < 200; k++)
        frames.push(peer.headers(2 * k + 1, grpcRequest(ECHO_PATH)), rawFrame(DATA, 0, 2 * k + 1, prefix));
      await peer.send(Buffer.concat(frames), rawFrame(PING, 0, 0, Buffer.from("declared")));
      assert.ok(await peer.until(() => peer.frames.length > 0), "every stream was read (PING answered after them)");
      const grown = mem.stop() / MiB;
      t.diagnostic(`ours: memory +${grown.toFixed(1)} MiB for 200 x 4 MiB declared`);
      assert.ok(grown < 64, `memory grew ${grown.toFixed(1)} MiB (up-front allocation would be 800 MiB)`);
      await target.legit();
      peer.close();
    } finally {
      await target.close();
    }
  });

  test("a peer that sends messages it never completes, as far as flow control lets it: held bytes bounded, the peer never stalled, legit calls succeed; node:http2 reference", async (t) => {
    // Each stream declares a 4 MiB message and sends all of it but its last byte, so the method
    // never gets it to consume. maxBufferedRecvBytes is 8 MiB here (64 MiB by default), so that
    // the row moves little data: 20 streams, 80 MiB offered, more than the 64 MiB connection
    // window, which must therefore reopen as refused streams' bytes are dropped.
    const cap = 8 * MiB;
    for (const make of [() => ourServer({ maxBufferedRecvBytes: cap }), () => nodeServer()]) {
      const target = await make();
      try {
        const mem = memorySampler();
        const legit = legitLoop(() => target.legit());
        t.after(() => legit.stop());
        const peer = await RawPeer.connect(target.port, {
          keep: (f) => f.type === WINDOW_UPDATE || f.type === SETTINGS || f.type === RST_STREAM || f.type === PING,
        });
        let held = 0;
        const r = await incompleteMessages(peer, 20, 4 * MiB, () => (held = Math.max(held, target.buffered?.() ?? 0)));
        const grown = mem.stop() / MiB;
        // The connection is still open, stream 1's message still held: what stays after a GC.
        const retained = (await mem.retained()) / MiB;
        const calls = await legit.stop();
        t.diagnostic(
          `${target.kind}: ${(r.sent / MiB).toFixed(1)} MiB sent, ${r.refused} streams refused (${r.resets} reset in all), ${r.stalled} stalled by a shut window, goaway ${peer.goaway?.code ?? "none"}, most held ${(held / MiB).toFixed(1)} MiB, memory peak +${grown.toFixed(1)} MiB, retained +${retained.toFixed(1)} MiB`,
        );
        assert.deepEqual(calls.failed, [], "every legitimate call succeeded during the attack");
        if (target.kind === "ours") {
          assert.equal(peer.goaway, undefined, `no GOAWAY (${peer.goaway?.debug})`);
          // Refusing the stream that goes over the bound gives its bytes back: the windows never
          // shut on a peer that keeps to them (no deadlock), and what is held stays under the bound.
          assert.equal(r.stalled, 0, "the peer was never stalled by a window that did not reopen");
          assert.equal(r.refused, 19, "every stream after the first was refused as it went over the bound");
          assert.ok(r.sent > 64 * MiB, `${r.sent} bytes sent: more than the connection window`);
          assert.ok(held >= 4 * MiB && held <= cap, `at most ${held} bytes held (bound ${cap})`);
          assert.ok(retained < 24, `retained ${retained.toFixed(1)} MiB (bound: 8 MiB held + buffers)`);
          assert.ok(grown < 96, `memory peak +${grown.toFixed(1)} MiB, garbage of the 80 MiB offered included`);
        }
        peer.close();
      } finally {
        await target.close();
      }
    }
  });

  test("SETTINGS-ACK timeout: a peer that never acknowledges our SETTINGS gets GOAWAY SETTINGS_TIMEOUT and is closed", async () => {
    const target = await ourServer({ settingsAckTimeoutMs: 100 });
    try {
      const peer = await RawPeer.connect(target.port, { ackSettings: false, keep: onlyGoaway });
      await peer.whenClosed;
      assert.equal(peer.goaway?.code, SETTINGS_TIMEOUT);
      assert.match(peer.goaway!.debug, /SETTINGS were not acknowledged/);
      await target.legit();
    } finally {
      await target.close();
    }
  });

  test("SETTINGS-ACK timeout: a peer that acknowledges is not cut (it ends idle, GOAWAY NO_ERROR, well after the ACK timeout)", async () => {
    // The idle timer starts after the ACK timer and runs longer: were the ACK timer left
    // running, SETTINGS_TIMEOUT would come first.
    const target = await ourServer({ settingsAckTimeoutMs: 100, idleTimeoutMs: 400 });
    try {
      const peer = await RawPeer.connect(target.port, { keep: onlyGoaway });
      await peer.whenClosed;
      assert.equal(peer.goaway?.code, NO_ERROR, `GOAWAY ${peer.goaway?.code}: ${peer.goaway?.debug}`);
      assert.match(peer.goaway!.debug, /idle/);
    } finally {
      await target.close();
    }
  });

  test("handshake timeout: 50 silent connections get GOAWAY SETTINGS_TIMEOUT and are closed; so does node:http2 with its timeout", async () => {
    for (const make of [() => ourServer({ handshakeTimeoutMs: 100 }), () => nodeServer((s) => s.setTimeout(100))]) {
      const target = await make();
      try {
        const peers = await Promise.all(
          Array.from({ length: 50 }, () => RawPeer.connect(target.port, { preface: false, keep: onlyGoaway })),
        );
        await Promise.all(peers.map((p) => p.whenClosed));
        if (target.kind === "ours") for (const p of peers) assert.equal(p.goaway?.code, SETTINGS_TIMEOUT);
        await target.legit();
      } finally {
        await target.close();
      }
    }
  });

  test("idle timeout: a connection without streams gets GOAWAY NO_ERROR and is closed", async () => {
    const target = await ourServer({ idleTimeoutMs: 100 });
    try {
      const peer = await RawPeer.connect(target.port, { keep: onlyGoaway });
      await peer.whenClosed;
      assert.equal(peer.goaway?.code, NO_ERROR);
      assert.match(peer.goaway!.debug, /idle/);
    } finally {
      await target.close();
    }
  });
});

// ---- our client facing a hostile backend ----

interface ClientRow {
  name: string;
  read?: boolean;
  limits?: Partial<H2Limits>;
  /** Whether a node:http2 client closes its session (the reference). */
  nodeCloses: boolean;
  /** The attack, once the client's request arrived on stream 1. */
  attack(peer: RawPeer): Promise<void>;
}

const clientRows: ClientRow[] = [
  {
    name: "CONTINUATION flood in the response",
    nodeCloses: true,
    async attack(peer) {
      await peer.send(
        peer.headers(
          1,
          [
            [":status", "200"],
            ["content-type", "application/grpc"],
          ],
          0,
        ),
      );
      await flood(peer, 200, () => EMPTY_CONTINUATIONS);
    },
  },
  {
    name: "PING flood, backend reads",
    nodeCloses: false,
    attack: (peer) => flood(peer, 200, () => PINGS).then(() => {}),
  },
  {
    name: "PING flood, backend never reads (queued ACKs bounded, rate limit off)",
    read: false,
    nodeCloses: true,
    limits: { pings: { burst: 1e9, perSecond: 1e9 } },
    attack: (peer) => flood(peer, 10_000, () => PINGS).then(() => {}),
  },
  {
    name: "SETTINGS flood, backend reads",
    nodeCloses: false,
    attack: (peer) => flood(peer, 200, () => EMPTY_SETTINGS).then(() => {}),
  },
  {
    name: "empty DATA flood in the response",
    nodeCloses: false,
    async attack(peer) {
      await peer.send(
        peer.headers(1, [
          [":status", "200"],
          ["content-type", "application/grpc"],
        ]),
      );
      await flood(peer, 200, () => EMPTY_DATA);
    },
  },
];

describe("attacks on the client, from a hostile backend", () => {
  for (const row of clientRows) {
    const attack = async (peer: RawPeer) => {
      if (row.read !== false) await peer.until(() => peer.frames.some((f) => f.type === HEADERS));
      await row.attack(peer);
    };
    test(`${row.name}: ours answers GOAWAY ENHANCE_YOUR_CALM, the call fails, memory bounded, other backends still answer`, async (t) => {
      const healthy = await ourServer();
      const hostile = await hostileServer(attack, { read: row.read });
      const client = new GrpcEndpoint(`127.0.0.1:${hostile.port}`, {
        maxResponseBytes: 4 * MiB,
        maxHeaderListBytes: 256 * 1024,
        keepAliveMs: 15_000,
        limits: row.limits,
      });
      try {
        const mem = memorySampler();
        const legit = legitLoop(() => healthy.legit());
        t.after(() => legit.stop());
        const err = await client.unary(ECHO_PATH, grpcMessage(Buffer.from("x"))).then(
          () => undefined,
          (e: unknown) => e,
        );
        const peer = await hostile.firstPeer;
        if (row.read === false) {
          // As on the server side: once the flood is over, read, so that the FIN is seen.
          await hostile.attacks[0];
          peer.socket.resume();
        }
        await peer.whenClosed;
        const grown = mem.stop() / MiB;
        const calls = await legit.stop();
        t.diagnostic(
          `ours: ${String(err)}; goaway ${peer.goaway?.code} ${peer.goaway?.debug ?? ""}; memory +${grown.toFixed(1)} MiB`,
        );
        assert.ok(err instanceof TransportError, `the call failed with a TransportError: ${String(err)}`);
        if (row.read !== false) assert.equal(peer.goaway?.code, ENHANCE_YOUR_CALM);
        assert.ok(grown < 48, `memory grew ${grown.toFixed(1)} MiB`);
        assert.deepEqual(calls.failed, []);
      } finally {
        client.close();
        await hostile.close();
        await healthy.close();
      }
    });
    test(`${row.name}: node:http2 client reference ${row.nodeCloses ? "closes" : "keeps the session"}`, async (t) => {
      const hostile = await hostileServer(attack, { read: row.read });
      const session = http2.connect(`http://127.0.0.1:${hostile.port}`);
      session.on("error", () => {});
      const closed = new Promise((r) => session.once("close", r));
      try {
        const req = session.request({ ":method": "POST", ":path": ECHO_PATH, "content-type": "application/grpc" });
        req.on("error", () => {});
        req.end(grpcMessage(Buffer.from("x")));
        const peer = await hostile.firstPeer;
        if (row.nodeCloses) await closed;
        else await Promise.race([hostile.attacks[0], peer.whenClosed]);
        t.diagnostic(
          `node:http2 client: session ${session.destroyed || session.closed ? "closed" : "open"}; goaway from it: ${peer.goaway?.code ?? "none"}`,
        );
      } finally {
        session.destroy();
        await hostile.close();
      }
    });
  }
});

describe("the client's SETTINGS-ACK timeout", () => {
  test("a backend that never acknowledges our SETTINGS gets GOAWAY SETTINGS_TIMEOUT; the call fails", async () => {
    const hostile = await hostileServer(() => {}, { ackSettings: false });
    const client = new GrpcEndpoint(`127.0.0.1:${hostile.port}`, {
      maxResponseBytes: MiB,
      maxHeaderListBytes: 1 << 16,
      keepAliveMs: 15_000,
      limits: { settingsAckTimeoutMs: 100 },
    });
    try {
      const err = await client.unary(ECHO_PATH, grpcMessage(Buffer.from("x"))).then(
        () => undefined,
        (e: unknown) => e,
      );
      const peer = await hostile.firstPeer;
      await peer.whenClosed;
      assert.ok(err instanceof TransportError, `the call failed with a TransportError: ${String(err)}`);
      assert.match(String(err), /SETTINGS_TIMEOUT|not acknowledged/);
      assert.equal(peer.goaway?.code, SETTINGS_TIMEOUT);
    } finally {
      client.close();
      await hostile.close();
    }
  });
});

describe("the client's bound on buffered response bytes", () => {
  test("a backend whose responses never complete: the call that goes over maxBufferedRecvBytes is reset REFUSED_STREAM and fails as sent (never retried as unsent)", async () => {
    const backend = await hostileServer(async (p) => {
      await p.until(() => p.frames.filter((f) => f.type === HEADERS).length >= 2);
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(MiB, 1);
      for (const id of [1, 3]) {
        await p.send(
          p.headers(id, [
            [":status", "200"],
            ["content-type", "application/grpc"],
          ]),
          rawFrame(DATA, 0, id, Buffer.concat([prefix, Buffer.alloc(16_000)])),
        );
        for (let k = 0; k < 40; k++) await p.send(rawFrame(DATA, 0, id, Buffer.alloc(16_000)));
      }
    });
    const client = new GrpcEndpoint(`127.0.0.1:${backend.port}`, {
      maxResponseBytes: MiB,
      maxHeaderListBytes: 1 << 16,
      keepAliveMs: 15_000,
      limits: { maxBufferedRecvBytes: MiB },
    });
    try {
      // 656 kB of each response, never ended: the second (stream 3) goes over 1 MiB held.
      const settle = (p: Promise<Uint8Array>) =>
        p.then(
          () => undefined,
          (e: unknown) => e,
        );
      const first = settle(client.unary(ECHO_PATH, grpcMessage(Buffer.from("a")), { timeoutMs: 600_000 }));
      const second = await settle(client.unary(ECHO_PATH, grpcMessage(Buffer.from("b")), { timeoutMs: 600_000 }));
      const peer = await backend.firstPeer;
      assert.ok(second instanceof TransportError, `the second call failed: ${String(second)}`);
      assert.equal(second.sent, true, "the backend did process the call: it must not be retried as unsent");
      assert.match(second.message, /incomplete messages buffered/);
      assert.ok(
        await peer.until(() => peer.frames.some((f) => f.type === RST_STREAM && f.stream === 3)),
        "stream 3 reset",
      );
      assert.equal(peer.find((f) => f.type === RST_STREAM && f.stream === 3)!.payload.readUInt32BE(0), REFUSED_STREAM);
      assert.equal(
        peer.find((f) => f.type === RST_STREAM && f.stream === 1),
        undefined,
        "stream 1 kept",
      );
      // The first call ends with the connection.
      peer.close();
      assert.ok((await first) instanceof TransportError);
      peer.close();
    } finally {
      client.close();
      await backend.close();
    }
  });
});

/**
 * A peer that keeps to the flow-control windows exactly (SETTINGS_INITIAL_WINDOW_SIZE,
 * WINDOW_UPDATE, as the server grants them) and fills `streams` streams, one after another, with
 * messages of `size` bytes that it never completes. A stream ends when it was sent all but its
 * last byte, reset, or stalled: no window to send on even once the server has answered a PING
 * sent after everything before it (so the server has granted all it ever will until something is
 * consumed). The peer must keep the frames of type WINDOW_UPDATE, SETTINGS, RST_STREAM and PING.
 */
async function incompleteMessages(
  peer: RawPeer,
  streams: number,
  size: number,
  afterFrame: () => void = () => {},
): Promise<{ sent: number; refused: number; resets: number; stalled: number }> {
  let seen = 0;
  let conn = 65_535;
  let initial = 65_535;
  let settings = false;
  const granted = new Map<number, number>();
  const used = new Map<number, number>();
  const reset = new Map<number, number>();
  const acks = new Set<string>();
  const update = () => {
    for (; seen < peer.frames.length; seen++) {
      const f = peer.frames[seen];
      if (f.type === WINDOW_UPDATE) {
        const inc = f.payload.readUInt32BE(0) & 0x7fffffff;
        if (f.stream === 0) conn += inc;
        else granted.set(f.stream, (granted.get(f.stream) ?? 0) + inc);
      } else if (f.type === SETTINGS && f.flags === 0) {
        settings = true;
        for (let off = 0; off + 6 <= f.payload.length; off += 6)
          if (f.payload.readUInt16BE(off) === 4) initial = f.payload.readUInt32BE(off + 2);
      } else if (f.type === RST_STREAM) reset.set(f.stream, f.payload.readUInt32BE(0));
      else if (f.type === PING && f.flags === 1) acks.add(f.payload.toString("latin1"));
    }
  };
  const streamWindow = (id: number) => initial + (granted.get(id) ?? 0) - (used.get(id) ?? 0);
  await peer.until(() => {
    update();
    return settings;
  });
  const FRAME = 16 * 1024; // SETTINGS_MAX_FRAME_SIZE's least value: fits every server
  const chunk = Buffer.alloc(FRAME, 7);
  let sent = 0;
  let stalled = 0;
  let probes = 0;
  const gone = () => peer.closed || peer.goaway !== undefined;
  for (let k = 0; k < streams && !gone(); k++) {
    const id = 2 * k + 1;
    await peer.send(peer.headers(id, grpcRequest(ECHO_PATH)));
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(size, 1);
    for (let off = 0, left = 5 + size - 1; left > 0 && !gone(); ) {
      const n = Math.min(left, FRAME);
      const room = () => {
        update();
        return reset.has(id) || gone() || (conn >= n && streamWindow(id) >= n);
      };
      if (!room()) {
        const probe = `probe${String(probes++).padStart(3, "0")}`;
        await peer.send(rawFrame(PING, 0, 0, Buffer.from(probe, "latin1")));
        await peer.until(() => room() || acks.has(probe));
        if (!room()) {
          stalled++;
          break;
        }
      }
      if (reset.has(id) || gone()) break;
      const payload = off === 0 ? Buffer.concat([prefix, chunk.subarray(0, n - 5)]) : chunk.subarray(0, n);
      conn -= n;
      used.set(id, (used.get(id) ?? 0) + n);
      sent += n;
      off += n;
      left -= n;
      await peer.send(rawFrame(DATA, 0, id, payload));
      afterFrame();
    }
  }
  // Answered after every frame before it: the last stream's RST_STREAM, if any, has arrived.
  await peer.send(rawFrame(PING, 0, 0, Buffer.from("lastone!", "latin1")));
  await peer.until(() => {
    update();
    return acks.has("lastone!");
  });
  const refused = [...reset.values()].filter((code) => code === REFUSED_STREAM).length;
  return { sent, refused, resets: reset.size, stalled };
}
