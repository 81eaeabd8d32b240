// Hostile peers against createServer, each attack also run against a plain
// node:http2 server with connect-node's defaults (the reference row). Both run
// in child processes (test/fixtures/attack-target.ts) so that their memory can
// be measured: the peak resident set (maxRSS) during the attack, less the peak
// before it. For each row the platform must refuse the attack, stay under a
// stated memory bound, keep answering a legitimate client meanwhile, and do at
// least as well as the reference. Loops are bounded by bytes or counts, and
// every wait is for an event, never for a time.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as http2 from "node:http2";
import * as net from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, test, type TestContext } from "node:test";
import { createClient } from "@acme/platform/client/node";
import { GreeterService } from "@acme/greeter/v1";
import { HTTP2_PREFACE } from "@acme/platform/server";
import { rawFrame } from "@acme/test-support/h2-frames";

const MiB = 1024 * 1024;
const SAY_HELLO = "/acme.greeter.v1.GreeterService/SayHello";
const TOKEN = { authorization: "Bearer good-token" };

interface Stats {
  rss: number;
  maxRss: number;
  arrayBuffers: number;
  handlerRuns: number;
}

interface Target {
  kind: "platform" | "platform-short-timeouts" | "reference";
  port: number;
  url: string;
  stats(): Promise<Stats>;
  close(): Promise<void>;
}

async function startTarget(kind: Target["kind"]): Promise<Target> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "fixtures", "attack-target.ts"), kind],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const [first] = (await once(child, "message")) as [{ port: number }];
  let pending: ((s: Stats) => void)[] = [];
  child.on("message", (m) => {
    const w = pending.shift();
    w?.(m as Stats);
  });
  return {
    kind,
    port: first.port,
    url: `http://127.0.0.1:${first.port}`,
    stats: () =>
      new Promise<Stats>((resolve, reject) => {
        // A target that died answers nothing: the wait ends with its exit.
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`${kind} target exited`));
        const onExit = () => reject(new Error(`${kind} target exited`));
        child.once("exit", onExit);
        pending.push((s) => {
          child.off("exit", onExit);
          resolve(s);
        });
        child.send("stats");
      }),
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGKILL");
      await once(child, "exit");
      pending = [];
    },
  };
}

/** Runs `attack` while a legitimate client calls; returns what it returned, the calls that failed and the memory growth. */
async function underAttack<T>(target: Target, attack: () => Promise<T>, calls = 20) {
  const client = createClient(GreeterService, { baseUrl: target.url, protocol: "grpc", headers: TOKEN });
  await client.sayHello({ name: "warm-up" });
  const before = await target.stats();
  let done = false;
  const failures: string[] = [];
  let succeeded = 0;
  const legit = (async () => {
    // At least `calls` calls, and on until the attack is over: the client is served during all of it.
    for (let i = 0; i < calls || !done; i++) {
      try {
        // Bounded, so that a server that stops answering fails the row instead of hanging it.
        const r = await client.sayHello({ name: `legit-${i}` }, { timeoutMs: 120_000 });
        if (r.message !== `Hello, legit-${i}!`) failures.push(`call ${i}: ${r.message}`);
        else succeeded++;
      } catch (e) {
        failures.push(`call ${i}: ${String(e)}`);
      }
    }
  })();
  const result = await attack().finally(() => (done = true));
  await legit;
  const afterStats = await target.stats();
  return {
    result,
    failures,
    succeeded,
    growth: afterStats.maxRss - before.maxRss,
    handlerRuns: afterStats.handlerRuns - before.handlerRuns,
  };
}

/**
 * An HTTP/2 client session whose every wait ends with its connection: once the server's FIN or
 * a reset reaches the socket, the session is destroyed (so each stream closes), even where
 * node:http2 would leave it half-closed (CLOSE-WAIT) with streams that never settle.
 */
function connectH2(port: number): Promise<http2.ClientHttp2Session> {
  const socket = net.connect(port, "127.0.0.1");
  const session = http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => socket });
  session.on("error", () => {});
  const gone = () => session.destroy();
  socket.once("end", gone);
  socket.once("close", gone);
  // node:http2 reads the socket itself, so a server that closes the connection may never show up as
  // the socket's 'end' here; its GOAWAY always comes first, and the attacker gives up with it.
  session.once("goaway", gone);
  return new Promise((resolve, reject) => {
    session.once("remoteSettings", () => resolve(session));
    session.once("error", reject);
    session.once("close", () => reject(new Error("the session closed before the server's SETTINGS")));
  });
}

/** Resolves when the session is gone (at once if it already is). */
function sessionGone(session: http2.ClientHttp2Session): Promise<void> {
  if (session.destroyed || session.closed) return Promise.resolve();
  return new Promise((r) => session.once("close", () => r()));
}

/** A gRPC message prefix: flags, then the length, big-endian. */
function prefix(length: number, compressed = false): Buffer {
  const b = Buffer.alloc(5);
  b[0] = compressed ? 1 : 0;
  b.writeUInt32BE(length >>> 0, 1);
  return b;
}

const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PING = 0x6;
const GOAWAY = 0x7;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const ACK = 0x1;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;

interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

/**
 * A header block of literal fields without indexing and without Huffman coding (RFC 7541
 * §6.2.2), enough for a hand-written request: every name and value is shorter than 127 bytes.
 */
function headerBlock(fields: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    assert.ok(name.length < 127 && value.length < 127, "one-byte lengths only");
    parts.push(Buffer.from([0, name.length]), Buffer.from(name, "latin1"));
    parts.push(Buffer.from([value.length]), Buffer.from(value, "latin1"));
  }
  return Buffer.concat(parts);
}

/**
 * A hostile HTTP/2 client on a raw socket: what it writes is exactly what it was given (it never
 * ACKs a SETTINGS on its own), and every frame the server sends is parsed and kept. Each wait
 * ends when the socket closes.
 */
async function rawPeer(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  const frames: Frame[] = [];
  let closed = false;
  let wake = () => {};
  let buf = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 9 && buf.length >= 9 + buf.readUIntBE(0, 3)) {
      const length = buf.readUIntBE(0, 3);
      frames.push({
        type: buf[3],
        flags: buf[4],
        stream: buf.readUInt32BE(5) & 0x7fffffff,
        payload: buf.subarray(9, 9 + length),
      });
      buf = buf.subarray(9 + length);
    }
    wake();
  });
  const whenClosed = new Promise<void>((resolve) =>
    socket.once("close", () => {
      closed = true;
      wake();
      resolve();
    }),
  );
  await once(socket, "connect");
  return {
    frames,
    whenClosed,
    get closed() {
      return closed;
    },
    /** Writes, waiting while the socket is backed up; false once the connection is gone. */
    async send(bytes: Buffer): Promise<boolean> {
      if (closed) return false;
      if (!socket.write(bytes)) await Promise.race([once(socket, "drain"), whenClosed]);
      return !closed;
    },
    /** Resolves true once `seen()` holds for the frames received, false if the connection closes first. */
    async until(seen: (frames: Frame[]) => boolean): Promise<boolean> {
      while (!seen(frames)) {
        if (closed) return false;
        await new Promise<void>((r) => (wake = r));
      }
      return true;
    },
    /** Sends a PING and waits for its ACK: every frame the server sent before it has then arrived. */
    async roundTrip(tag: string): Promise<boolean> {
      const data = Buffer.from(tag.padEnd(8).slice(0, 8), "latin1");
      if (!(await this.send(rawFrame(PING, 0, 0, data)))) return false;
      return this.until((fs) => fs.some((f) => f.type === PING && f.flags & ACK && f.payload.equals(data)));
    },
    destroy() {
      socket.destroy();
      return whenClosed;
    },
  };
}

/** A SETTINGS value the server advertised (its first non-ACK SETTINGS), or undefined. */
function advertised(frames: Frame[], id: number): number | undefined {
  const s = frames.find((f) => f.type === SETTINGS && !(f.flags & ACK));
  for (let off = 0; s && off + 6 <= s.payload.length; off += 6)
    if (s.payload.readUInt16BE(off) === id) return s.payload.readUInt32BE(off + 2);
  return undefined;
}

interface Answer {
  /** grpc-status (from trailers or a trailers-only response), or the HTTP status for Connect unary. */
  status?: string;
  message?: string;
  /** Bytes of request body written before the answer came (or before giving up). */
  sent: number;
  /** The answer came before the request body was finished (a request given up on counts as unanswered). */
  beforeEnd: boolean;
  resetCode?: number;
}

/**
 * One HTTP/2 request whose body is `head` and then `filler` bytes written in
 * 64 KiB chunks, respecting flow control, until the server answers or
 * `fillerBytes` are written; only then is the body ended.
 */
async function h2Request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  head: Buffer,
  fillerBytes = 0,
  /** After the filler, end the body and wait for the answer (else give up: the declared message was never complete). */
  thenEnd = true,
): Promise<Answer> {
  const stream = session.request({ ":method": "POST", ":path": SAY_HELLO, te: "trailers", ...headers });
  stream.on("error", () => {});
  const answer: Answer = { sent: 0, beforeEnd: false };
  let ended = false;
  let answered = false;
  let onAnswer!: () => void;
  const answeredNow = new Promise<void>((r) => (onAnswer = r));
  const markAnswered = () => {
    if (answered) return;
    answer.beforeEnd = !ended;
    answered = true;
    onAnswer();
  };
  const gone = sessionGone(session);
  const finished = new Promise<void>((resolve) => {
    const settle = (h: http2.IncomingHttpHeaders) => {
      const s = h["grpc-status"] ?? (String(h[":status"]) !== "200" ? h[":status"] : undefined);
      if (s === undefined) return;
      answer.status = String(s);
      answer.message = h["grpc-message"] === undefined ? undefined : decodeURIComponent(String(h["grpc-message"]));
      markAnswered();
    };
    stream.on("response", settle);
    stream.on("trailers", settle);
    const closed = () => {
      answer.resetCode = stream.rstCode;
      // Closed without a status: no answer, so not "before the end" either.
      answered = true;
      onAnswer();
      resolve();
    };
    stream.on("close", closed);
    // The stream's own close, or its session's: whichever comes first ends the wait.
    void gone.then(closed);
    stream.resume();
  });
  stream.write(head);
  answer.sent = head.length;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  while (!answered && answer.sent < head.length + fillerBytes && !stream.destroyed) {
    const n = Math.min(chunk.length, head.length + fillerBytes - answer.sent);
    answer.sent += n;
    if (!stream.write(chunk.subarray(0, n))) await Promise.race([once(stream, "drain"), answeredNow, gone]);
  }
  if ((answered || !thenEnd) && !stream.closed) {
    // Answered mid-body: stop sending, as a gRPC client does once it has the status. destroy(), not
    // close(CANCEL): node:http2 holds a CANCEL back until the stream's queued data is written, which
    // a server that stopped reading never lets happen; destroy() resets the stream at once.
    stream.destroy();
  } else if (!stream.destroyed && !stream.writableEnded) {
    ended = true;
    stream.end();
  }
  await finished;
  return answer;
}

function table(t: TestContext, rows: Record<string, unknown>[]) {
  for (const r of rows) t.diagnostic(JSON.stringify(r));
}

const targets: Record<Target["kind"], Target> = {} as never;
before(async () => {
  [targets.platform, targets.reference] = await Promise.all([startTarget("platform"), startTarget("reference")]);
});
after(async () => {
  await Promise.all(Object.values(targets).map((t) => t?.close()));
});

describe("attacks on the platform server (reference: plain node:http2 + connect-node)", () => {
  test("decompression bomb: gzip messages that inflate to 32 MiB", async (t) => {
    const bomb = gzipSync(Buffer.alloc(32 * MiB));
    assert.ok(bomb.length < 64 * 1024, `the bomb is small on the wire (${bomb.length} bytes)`);
    const rows = [];
    for (const target of [targets.platform, targets.reference]) {
      const run = await underAttack(target, async () => {
        const session = await connectH2(target.port);
        const grpc = Promise.all(
          Array.from({ length: 3 }, () =>
            h2Request(
              session,
              { "content-type": "application/grpc", "grpc-encoding": "gzip", ...TOKEN },
              Buffer.concat([prefix(bomb.length, true), bomb]),
            ),
          ),
        );
        const connect = h2Request(
          session,
          { "content-type": "application/proto", "content-encoding": "gzip", ...TOKEN },
          bomb,
        );
        const answers = [...(await grpc), await connect];
        session.destroy();
        return answers;
      });
      rows.push({
        target: target.kind,
        statuses: run.result.map((a) => a.status),
        growthMiB: +(run.growth / MiB).toFixed(1),
        handlerRuns: run.handlerRuns - run.succeeded,
        failures: run.failures.length,
      });
      if (target.kind === "platform") {
        // RESOURCE_EXHAUSTED: grpc-status 8, or HTTP 429 for Connect unary.
        assert.deepEqual(
          run.result.map((a) => a.status),
          ["8", "8", "8", "429"],
        );
        assert.match(run.result[0].message ?? "", /larger than 4194304 bytes \(decompressedMaxBytes\)/);
        assert.equal(run.handlerRuns, run.succeeded, "no handler ran for a bomb");
        assert.ok(
          run.growth < 48 * MiB,
          `peak memory grew by ${(run.growth / MiB).toFixed(1)} MiB (bound 48 MiB; 4 bombs × 32 MiB inflated would be 128)`,
        );
        assert.deepEqual(run.failures, []);
      }
    }
    table(t, rows);
    const [ours, ref] = rows;
    assert.ok(ours.growthMiB <= Math.max(ref.growthMiB, 48), "at least as well as the reference");
  });

  test("a gRPC prefix declaring 4 GiB is refused before the data is read", async (t) => {
    const rows = [];
    const limit = 32 * MiB;
    for (const target of [targets.platform, targets.reference]) {
      const run = await underAttack(target, async () => {
        const session = await connectH2(target.port);
        const answer = await h2Request(
          session,
          { "content-type": "application/grpc", ...TOKEN },
          prefix(0xffffffff),
          limit,
          false,
        );
        session.destroy();
        return answer;
      });
      rows.push({
        target: target.kind,
        status: run.result.status,
        answeredBeforeEnd: run.result.beforeEnd,
        sentMiB: +(run.result.sent / MiB).toFixed(2),
        growthMiB: +(run.growth / MiB).toFixed(1),
        failures: run.failures.length,
      });
      if (target.kind === "platform") {
        assert.equal(run.result.status, "8");
        assert.ok(run.result.beforeEnd, "answered while the peer was still sending");
        assert.ok(run.result.sent < limit, `answered after ${run.result.sent} bytes, before ${limit}`);
        assert.ok(run.growth < 16 * MiB, `peak memory grew by ${(run.growth / MiB).toFixed(1)} MiB (bound 16 MiB)`);
        assert.deepEqual(run.failures, []);
      }
    }
    table(t, rows);
    const [ours, ref] = rows;
    assert.ok(!ref.answeredBeforeEnd || ours.answeredBeforeEnd, "answered no later than the reference");
    assert.ok(ours.growthMiB <= Math.max(ref.growthMiB, 16), "grows no more than the reference (or the bound)");
  });

  // Skipped loudly: with the server now resetting such streams it passed 5 of 6 runs, but one run at load ~14
  // still hung (the test's node:http2 client in CLOSE-WAIT, the platform's end FIN-WAIT-2). Issue 14 stays open.
  test("an unauthenticated request is refused before its body is read", async (t) => {
    const rows = [];
    const declared = 3 * MiB;
    for (const target of [targets.platform, targets.reference]) {
      const run = await underAttack(target, async () => {
        const session = await connectH2(target.port);
        const noToken = await h2Request(session, { "content-type": "application/grpc" }, prefix(declared), declared);
        const badToken = await h2Request(
          session,
          { "content-type": "application/proto", authorization: "Bearer stolen" },
          Buffer.alloc(0),
          declared,
        );
        session.destroy();
        return [noToken, badToken];
      });
      rows.push({
        target: target.kind,
        statuses: run.result.map((a) => a.status),
        answeredBeforeEnd: run.result.map((a) => a.beforeEnd),
        sentKiB: run.result.map((a) => Math.round(a.sent / 1024)),
        growthMiB: +(run.growth / MiB).toFixed(1),
        failures: run.failures.length,
      });
      if (target.kind === "platform") {
        assert.deepEqual(
          run.result.map((a) => a.status),
          ["16", "401"],
        );
        assert.deepEqual(
          run.result.map((a) => a.beforeEnd),
          [true, true],
          "answered before the body was finished",
        );
        // The server never reads the body, so the peer can send at most what flow control lets it buffer.
        for (const a of run.result) assert.ok(a.sent <= 1 * MiB, `the peer got ${a.sent} bytes in before the answer`);
        assert.equal(run.handlerRuns, run.succeeded, "no handler ran");
        assert.ok(run.growth < 16 * MiB, `peak memory grew by ${(run.growth / MiB).toFixed(1)} MiB (bound 16 MiB)`);
        assert.deepEqual(run.failures, []);
      }
    }
    table(t, rows);
    // The reference reads each body whole before its interceptor refuses the call.
    const [ours, ref] = rows;
    for (const i of [0, 1]) {
      assert.ok(ours.answeredBeforeEnd[i] || !ref.answeredBeforeEnd[i], "answered no later than the reference");
      assert.ok(ours.sentKiB[i] <= ref.sentKiB[i], "let the peer send no more than the reference did");
    }
    assert.ok(ours.growthMiB <= Math.max(ref.growthMiB, 16), "grows no more than the reference (or the bound)");
  });

  test("a stream answered before its body was read is ended by the server: RST_STREAM NO_ERROR after the answer", async () => {
    // A peer that neither finishes nor resets its refused request (a node:http2 client's own
    // CANCEL can stay queued unsent) would otherwise hold the stream, and its unread body, for good.
    const peer = await rawPeer(targets.platform.port);
    const request = (contentType: string, auth: [string, string][]) =>
      headerBlock([
        [":method", "POST"],
        [":scheme", "http"],
        [":path", SAY_HELLO],
        [":authority", "127.0.0.1"],
        ["content-type", contentType],
        ["te", "trailers"],
        ...auth,
      ]);
    // Part of each declared message, in one frame of the default maximum size (16 KiB).
    const partial = Buffer.concat([prefix(MiB), Buffer.alloc(16 * 1024 - 5)]);
    await peer.send(
      Buffer.concat([
        HTTP2_PREFACE,
        rawFrame(SETTINGS, 0, 0),
        rawFrame(HEADERS, END_HEADERS, 1, request("application/grpc", [])),
        rawFrame(DATA, 0, 1, partial),
        rawFrame(HEADERS, END_HEADERS, 3, request("application/proto", [["authorization", "Bearer stolen"]])),
        rawFrame(DATA, 0, 3, partial.subarray(5)),
      ]),
    );
    const answerEnd = (id: number) => (f: Frame) =>
      f.stream === id && (f.type === HEADERS || f.type === DATA) && f.flags & END_STREAM;
    const over = (id: number) => (fs: Frame[]) =>
      fs.some((f) => answerEnd(id)(f) || (f.stream === id && f.type === RST_STREAM) || f.type === GOAWAY);
    await peer.until((fs) => over(1)(fs) && over(3)(fs));
    // Each reset is queued right after its answer; a PING sent now is answered after them.
    assert.ok(await peer.roundTrip("after"), "the connection is kept");
    for (const id of [1, 3]) {
      const answered = peer.frames.findIndex(answerEnd(id));
      const reset = peer.frames.findIndex((f) => f.type === RST_STREAM && f.stream === id);
      assert.ok(answered >= 0, `stream ${id} was answered`);
      assert.ok(reset > answered, `stream ${id}: RST_STREAM after the answer`);
      assert.equal(peer.frames[reset].payload.readUInt32BE(0), http2.constants.NGHTTP2_NO_ERROR);
    }
    assert.equal(peer.frames.filter((f) => f.type === GOAWAY).length, 0);
    await peer.destroy();
  });

  test("the same over HTTP/1.1: a 401 before the body, then the connection is closed", async (t) => {
    const declared = 64 * MiB;
    const rows = [];
    for (const target of [targets.platform, targets.reference]) {
      const run = await underAttack(target, () => http1Upload(target.port, declared));
      rows.push({
        target: target.kind,
        status: /^HTTP\/1\.1 (\d+) /.exec(run.result.got)?.[1],
        reset: run.result.reset,
        sentMiB: +(run.result.sent / MiB).toFixed(2),
        growthMiB: +(run.growth / MiB).toFixed(1),
        failures: run.failures.length,
      });
      if (target.kind === "platform") {
        assert.match(run.result.got, /^HTTP\/1\.1 401 /);
        assert.match(run.result.got, /\r\nconnection: close\r\n/i);
        assert.match(
          run.result.got,
          /\{"code":"unauthenticated","message":"missing bearer token"\}$/,
          "the whole response arrived before the close",
        );
        assert.ok(run.result.sent < declared, `answered after ${run.result.sent} of ${declared} bytes`);
        assert.equal(run.handlerRuns, run.succeeded, "no handler ran");
        assert.ok(run.growth < 16 * MiB, `peak memory grew by ${(run.growth / MiB).toFixed(1)} MiB (bound 16 MiB)`);
        assert.deepEqual(run.failures, []);
      }
    }
    table(t, rows);
    // The reference speaks no HTTP/1.1 and drops the connection unanswered; ours answers, then closes it
    // too (the wait above ends only with the close).
    const [ours, ref] = rows;
    assert.ok(ours.growthMiB <= Math.max(ref.growthMiB, 16), "grows no more than the reference (or the bound)");
  });

  test("silent connections and a slow preface are closed; clients go on being served", async (t) => {
    const rows = [];
    // Its own platform process, with timeouts short enough to wait for.
    const platform = await startTarget("platform-short-timeouts");
    t.after(() => platform.close());
    for (const target of [platform, targets.reference]) {
      const run = await underAttack(
        target,
        async () => {
          const silent = await Promise.all(Array.from({ length: 100 }, () => openSocket(target.port)));
          // The preface one byte at a time, each after the previous one reached the server (bounded: 24 bytes).
          const slow = await Promise.all(Array.from({ length: 10 }, () => openSocket(target.port)));
          const dribble = Promise.all(
            slow.map(async (s) => {
              for (let i = 0; i < HTTP2_PREFACE.length && !s.closed; i++)
                await new Promise((r) => s.socket.write(HTTP2_PREFACE.subarray(i, i + 1), r));
            }),
          );
          // An HTTP/2 connection that finishes its handshake and then opens no stream.
          const idle = await connectH2(target.port);
          // Its GOAWAY's code, or undefined if the session closes without one.
          const goaway = new Promise<number | undefined>((r) => {
            idle.once("goaway", (code) => r(code));
            idle.once("close", () => r(undefined));
          });
          if (target.kind !== "reference") {
            await Promise.all([...silent, ...slow].map((s) => s.closedPromise));
            await dribble;
            const code = await goaway;
            return { silentClosed: silent.length, slowClosed: slow.length, idleGoaway: code };
          }
          // The reference has no such timeouts: count what is still open once the legitimate calls are done.
          await dribble;
          return {
            silentClosed: silent.filter((s) => s.closed).length,
            slowClosed: slow.filter((s) => s.closed).length,
            idleGoaway: undefined,
            cleanup: () => {
              for (const s of [...silent, ...slow]) s.socket.destroy();
              idle.destroy();
            },
          };
        },
        20,
      );
      const { cleanup, ...result } = run.result as typeof run.result & { cleanup?: () => void };
      cleanup?.();
      rows.push({
        target: target.kind,
        ...result,
        failures: run.failures.length,
        growthMiB: +(run.growth / MiB).toFixed(1),
      });
      if (target.kind !== "reference") {
        assert.deepEqual(result, { silentClosed: 100, slowClosed: 10, idleGoaway: http2.constants.NGHTTP2_NO_ERROR });
        assert.deepEqual(run.failures, []);
        assert.ok(run.growth < 32 * MiB, `peak memory grew by ${(run.growth / MiB).toFixed(1)} MiB`);
      }
    }
    table(t, rows);
    const [ours, ref] = rows as unknown as { silentClosed: number; slowClosed: number }[];
    assert.ok(ours.silentClosed >= ref.silentClosed && ours.slowClosed >= ref.slowClosed);
  });

  test("more streams than SETTINGS_MAX_CONCURRENT_STREAMS: the extra ones refused, the connection and other clients served", async (t) => {
    const opened = 1000;
    const { NGHTTP2_REFUSED_STREAM } = http2.constants;
    const rows = [];
    for (const target of [targets.platform, targets.reference]) {
      const run = await underAttack(target, async () => {
        const peer = await rawPeer(target.port);
        // Authenticated requests whose message never comes: each holds its stream open.
        const block = headerBlock([
          [":method", "POST"],
          [":scheme", "http"],
          [":path", SAY_HELLO],
          [":authority", "127.0.0.1"],
          ["content-type", "application/grpc"],
          ["te", "trailers"],
          ["authorization", TOKEN.authorization],
        ]);
        const streams = Array.from({ length: opened }, (_, k) => rawFrame(HEADERS, END_HEADERS, 2 * k + 1, block));
        // All in one go, before the server's SETTINGS could be acknowledged: a hostile peer does not wait.
        await peer.send(Buffer.concat([HTTP2_PREFACE, rawFrame(SETTINGS, 0, 0), ...streams]));
        // The second PING is read after every answer to the streams was written.
        const roundTrips = (await peer.roundTrip("first")) && (await peer.roundTrip("second"));
        const resets = peer.frames.filter((f) => f.type === RST_STREAM);
        const refused = resets.filter((f) => f.payload.readUInt32BE(0) === NGHTTP2_REFUSED_STREAM).length;
        const answered = peer.frames.filter((f) => f.type === HEADERS).length;
        const goaway = peer.frames.find((f) => f.type === GOAWAY);
        const result = {
          advertised: advertised(peer.frames, SETTINGS_MAX_CONCURRENT_STREAMS),
          refused,
          otherResets: resets.length - refused,
          held: opened - resets.length - answered,
          goaway: goaway?.payload.readUInt32BE(4),
          connectionKept: roundTrips && !peer.closed,
        };
        await peer.destroy();
        return result;
      });
      rows.push({
        target: target.kind,
        ...run.result,
        handlerRuns: run.handlerRuns - run.succeeded,
        growthMiB: +(run.growth / MiB).toFixed(1),
        failures: run.failures.length,
      });
      if (target.kind === "platform") {
        // The fixture keeps createServer's default limit, 100.
        assert.deepEqual(run.result, {
          advertised: 100,
          refused: opened - 100,
          otherResets: 0,
          held: 100,
          goaway: undefined,
          connectionKept: true,
        });
        assert.equal(run.handlerRuns, run.succeeded, "no handler ran for a stream without its message");
        assert.ok(run.growth < 16 * MiB, `peak memory grew by ${(run.growth / MiB).toFixed(1)} MiB (bound 16 MiB)`);
        assert.deepEqual(run.failures, []);
      }
    }
    table(t, rows);
    const [ours, ref] = rows;
    assert.ok(ours.held <= ref.held, "holds no more streams open than the reference");
    assert.ok(ours.growthMiB <= Math.max(ref.growthMiB, 16), "grows no more than the reference (or the bound)");
  });
});

/**
 * An HTTP/1.1 POST without a token declaring a `declared`-byte body, written in 64 KiB chunks until
 * an answer shows up or the connection closes; resolves with what came back once it is closed (and
 * whether it was closed by a reset).
 */
async function http1Upload(port: number, declared: number) {
  const socket = net.connect(port, "127.0.0.1");
  let reset = false;
  socket.on("error", (e: NodeJS.ErrnoException) => (reset ||= e.code === "ECONNRESET"));
  let got = "";
  socket.setEncoding("latin1");
  socket.on("data", (c: string) => (got += c));
  let closed = false;
  const whenClosed = new Promise<void>((r) =>
    socket.once("close", () => {
      closed = true;
      r();
    }),
  );
  await once(socket, "connect");
  socket.write(
    `POST ${SAY_HELLO} HTTP/1.1\r\nhost: x\r\ncontent-type: application/proto\r\ncontent-length: ${declared}\r\n\r\n`,
  );
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024);
  // Each wait ends when the chunk is taken, or when the socket closes (a server that stops
  // reading never takes it).
  while (!got.includes("\r\n\r\n") && sent < declared && !closed) {
    sent += chunk.length;
    await Promise.race([new Promise((r) => socket.write(chunk, r)), whenClosed]);
  }
  // Waits for the server to close: the platform after its answer, the reference at once.
  await whenClosed;
  return { got, sent, reset };
}

async function openSocket(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.resume(); // read (and drop) what the server sends, so that its FIN is seen
  const state = { socket, closed: false, closedPromise: undefined as unknown as Promise<void> };
  state.closedPromise = new Promise<void>((r) =>
    socket.once("close", () => {
      state.closed = true;
      r();
    }),
  );
  await once(socket, "connect");
  return state;
}
