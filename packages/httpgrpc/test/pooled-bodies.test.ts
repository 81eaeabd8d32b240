// The forwarder writes response bodies from pooled blocks and gives them back once written. A
// block given back too early would be reused for another response while the first still waits
// in the socket's queue, and one client would read another's bytes. Here every block given back
// is poisoned at once (as if reused that instant), and clients that stop reading keep their
// responses queued while other responses take blocks: every body must still arrive intact.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { receiveBlocks } from "@acme/h2";
import { createForwarder, createHTTPClient } from "../src/client.js";
import { startBackend, startFront } from "./support.js";

/** The body for request `id`: `size` bytes that no other id produces. */
function bodyFor(id: string, size: number): Buffer {
  const seed = createHash("sha256").update(id).digest();
  const b = Buffer.allocUnsafe(size);
  for (let off = 0; off < size; off += seed.length) seed.copy(b, off, 0, Math.min(seed.length, size - off));
  return b;
}

/**
 * Bodies larger than the kernel takes for a client that stops reading (up to 4 MiB of send
 * buffer and more of receive buffer on loopback), so that most of each stays queued in the
 * forwarder, in its blocks.
 */
const big = 24 * 1024 * 1024;
const LIMIT = 32 * 1024 * 1024;

const give = receiveBlocks.give.bind(receiveBlocks);
receiveBlocks.give = (blocks) => {
  for (const b of blocks) b.fill(0xee);
  give(blocks);
};
after(() => {
  receiveBlocks.give = give;
});

/** GET on a raw socket: resolves with the socket once the first bytes of the answer came, then reads nothing more. */
function stalledGet(port: number, path: string): Promise<{ socket: net.Socket; first: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    socket.once("error", reject);
    socket.once("data", (first: Buffer) => {
      socket.pause();
      resolve({ socket, first });
    });
  });
}

/** Reads the rest of a stalled answer: its body, after the header block. */
function finishStalled(socket: net.Socket, first: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks = [first];
    let total = first.length;
    let headEnd = -1;
    let want = -1;
    const check = () => {
      const all = Buffer.concat(chunks, total);
      if (headEnd < 0) {
        headEnd = all.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        const head = all.subarray(0, headEnd).toString("latin1");
        want = headEnd + 4 + Number(/content-length: (\d+)/i.exec(head)?.[1] ?? -1);
      }
      if (total >= want) {
        socket.destroy();
        const status = Number(all.subarray(9, 12).toString("latin1"));
        resolve({ status, body: all.subarray(headEnd + 4, want) });
      }
    };
    socket.on("data", (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      check();
    });
    socket.once("close", () => reject(new Error("the connection closed before the whole body came")));
    check();
    socket.resume();
  });
}

test("bodies written from pooled blocks arrive intact while other responses reuse the blocks", async () => {
  const backend = await startBackend(
    (req: http.IncomingMessage, res: http.ServerResponse) => {
      const m = /^\/body\/([\w-]+)\/(\d+)$/.exec(req.url ?? "");
      if (!m) return void res.writeHead(404).end();
      res.end(bodyFor(m[1], Number(m[2])));
    },
    { maxBodyBytes: LIMIT },
  );
  const front = await startFront({ target: [backend.address], maxBodyBytes: LIMIT });
  try {
    const port = Number(new URL(front.url).port);
    // Clients that read the first bytes, then stop: their answers wait in the forwarder.
    const stalled = await Promise.all(
      Array.from({ length: 3 }, (_, i) => stalledGet(port, `/body/stalled-${i}/${big}`)),
    );
    // Meanwhile other answers take (and give back) blocks.
    const agent = new http.Agent({ keepAlive: true });
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const id = `busy-${round}-${i}`;
          const size = 200_000 + i * 70_001;
          const body = await new Promise<Buffer>((resolve, reject) => {
            http
              .get(`${front.url}/body/${id}/${size}`, { agent }, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve(Buffer.concat(chunks)));
                res.on("error", reject);
              })
              .on("error", reject);
          });
          assert.ok(body.equals(bodyFor(id, size)), `the body of ${id} came back changed`);
        }),
      );
    }
    agent.destroy();
    for (const [i, s] of stalled.entries()) {
      const { status, body } = await finishStalled(s.socket, s.first);
      assert.equal(status, 200);
      assert.equal(body.length, big);
      assert.ok(body.equals(bodyFor(`stalled-${i}`, big)), `the body of stalled-${i} came back changed`);
    }
  } finally {
    await front.close();
    await backend.close();
  }
});

test("a client that goes away mid-body gets its blocks given back, and the forwarder keeps serving", async () => {
  const backend = await startBackend(
    (req: http.IncomingMessage, res: http.ServerResponse) => {
      res.end(bodyFor(req.url ?? "", big));
    },
    { maxBodyBytes: LIMIT },
  );
  const client = createHTTPClient({ target: [backend.address], maxBodyBytes: LIMIT });
  const server = http.createServer(createForwarder(client));
  const serverSockets: net.Socket[] = [];
  server.on("connection", (s: net.Socket) => serverSockets.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  try {
    const { socket } = await stalledGet(port, "/gone");
    // The answer is being written: its blocks are out of the pool.
    assert.ok(receiveBlocks.outstanding > 0, "the answer's blocks are out of the pool while it is written");
    const serverSide = serverSockets[0];
    const closed = new Promise((r) => serverSide.once("close", r));
    socket.destroy();
    await closed;
    await new Promise((r) => setImmediate(r));
    assert.equal(receiveBlocks.outstanding, 0, "the blocks of the abandoned answer were given back");
    // The forwarder keeps serving. The client can have the whole answer before the server's
    // write callback runs: with Connection: close, the server's socket closing says it is done.
    const res = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/after`, { agent: false, headers: { connection: "close" } }, (r) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("end", () => resolve(Buffer.concat(chunks)));
        })
        .on("error", reject);
    });
    assert.ok(res.equals(bodyFor("/after", big)));
    const second = serverSockets[1];
    if (!second.destroyed) await new Promise((r) => second.once("close", r));
    await new Promise((r) => setImmediate(r));
    assert.equal(receiveBlocks.outstanding, 0, "the blocks of a written answer were given back");
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await client.close();
    await backend.close();
  }
});
