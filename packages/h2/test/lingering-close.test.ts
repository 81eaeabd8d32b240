// closeAfterUnreadBody: an HTTP/1.1 response sent before its request body was read is the last on
// its connection, and the close lingers: FIN after the response, then what the peer still sends is
// read and dropped until the peer closes too. "Read" is the point: Node's HTTP parser pauses the
// socket once the unread body fills the request's buffer, and a socket the parser lets go of does
// not start reading again by itself (its stream state still counts a read in flight). A server
// that stops reading never sees the peer's FIN, and its eventual close resets the connection.
import assert from "node:assert/strict";
import { once } from "node:events";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import { test } from "node:test";
import { closeAfterUnreadBody } from "@acme/h2/node-server";
import { waitFor } from "@acme/test-support/wait";

const KiB = 1024;
const MiB = 1024 * KiB;

test("after an early response to a paused request, the server reads what the peer still sends up to its FIN", async (t) => {
  const head = "POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 67108864\r\n\r\n";
  const before = 256 * KiB; // more than the request's buffer: the parser pauses the socket
  const afterAnswer = 1 * MiB;
  let serverSocket: net.Socket | undefined;
  const server = http.createServer(async (req, res) => {
    serverSocket = req.socket;
    // Answer only once the parser has paused the socket for the unread body.
    await waitFor("the request's buffer to fill", () => req.readableLength >= req.readableHighWaterMark);
    // Long enough that only a server that stopped reading ever reaches it.
    closeAfterUnreadBody(req, res, 64 * MiB, 60_000);
    res.writeHead(401, { "content-type": "text/plain", "content-length": "8" });
    res.end("no token");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as AddressInfo;

  // Half-open allowed: the client goes on sending after the server's FIN, as one that has not read
  // the answer yet would.
  const client = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  let reset = false;
  client.on("error", (e: NodeJS.ErrnoException) => (reset ||= e.code === "ECONNRESET"));
  let got = "";
  client.setEncoding("latin1");
  client.on("data", (c: string) => (got += c));
  const clientClosed = once(client, "close");
  await once(client, "connect");
  client.write(head);
  client.write(Buffer.alloc(before, 0x61));
  await waitFor("the 401", () => got.endsWith("no token") || client.destroyed);
  assert.match(got, /^HTTP\/1\.1 401 /);
  assert.match(got, /\r\nconnection: close\r\n/i);

  // Still sending (a client that has not read the answer yet would), then done: FIN.
  const server0 = serverSocket;
  assert.ok(server0, "the server saw the request");
  let sawFin = false;
  server0.once("end", () => (sawFin = true));
  // Not once(): Node's HTTP server destroys the socket with a parse error at the FIN (the declared
  // body never came), which would reject it; what counts here is that the FIN was read.
  const serverClosed = new Promise<void>((r) => (server0.destroyed ? r() : server0.once("close", () => r())));
  client.end(Buffer.alloc(afterAnswer, 0x62));
  await Promise.all([serverClosed, clientClosed]);

  assert.ok(sawFin, "the server read on to the peer's FIN (else only the linger timer closed it)");
  assert.equal(server0.bytesRead, head.length + before + afterAnswer, "every byte the peer sent was read");
  assert.equal(reset, false, "the connection was closed, not reset");
});
