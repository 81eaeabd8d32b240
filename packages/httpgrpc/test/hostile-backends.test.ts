// The client and the forwarder against backends that misbehave: a backend
// that hangs (a real child process stopped with SIGSTOP) is ejected after a
// bounded number of calls while the others keep answering, and a request body
// over the limit gets its 413 before the connection closes. Bounded loops,
// waits on events; the deadlines are configuration, never assertions.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as http from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { after, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { createHTTPClient, DEFAULT_CALL_TIMEOUT_MS } from "../src/client.js";
import { httpgrpcContext } from "../src/server.js";
import { startBackend, startFront } from "./support.js";

const MiB = 1024 * 1024;
const run = promisify(execFile);
const children: ChildProcess[] = [];

async function backendProcess(name: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "fixtures", "backend.ts"), name],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  children.push(child);
  const [{ address }] = (await once(child, "message")) as [{ address: string }];
  return { child, address };
}

after(async () => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill("SIGCONT");
    c.kill("SIGKILL");
    await once(c, "exit");
  }
});

describe("a hung backend", () => {
  test("is ejected within a bounded number of calls; the others keep answering", async () => {
    const backends = await Promise.all(["a", "b", "c"].map(backendProcess));
    const client = createHTTPClient({
      target: backends.map((b) => b.address),
      // The deadline that turns a hang into a failure (generous: a loaded machine must not miss it
      // on a healthy backend). Ejection lasts longer than the test, so that no probe of the
      // stopped backend happens meanwhile and the bound below is exact.
      timeoutMs: 5_000,
      ejectBackoff: { initialMs: 600_000, maxMs: 600_000, jitter: 0 },
    });
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++)
        seen.add(Buffer.from((await client.handle({ method: "GET", url: "/who" })).body).toString());
      assert.deepEqual([...seen].sort(), ["a", "b", "c"]);

      const hung = backends[1];
      hung.child.kill("SIGSTOP");
      const workers = 4;
      const callsPerWorker = 12;
      const outcomes: string[] = [];
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (let i = 0; i < callsPerWorker; i++) {
            try {
              outcomes.push(Buffer.from((await client.handle({ method: "GET", url: "/who" })).body).toString());
            } catch (e) {
              outcomes.push(Code[ConnectError.from(e).code]);
            }
          }
        }),
      );
      const timedOut = outcomes.filter((o) => o === "DeadlineExceeded").length;
      // Each worker can be caught by the hung backend at most once: the first deadline ejects it,
      // and calls already in flight on it do not let it back (one probe at a time).
      assert.ok(
        timedOut >= 1 && timedOut <= workers,
        `${timedOut} calls timed out (bound ${workers}): ${outcomes.join(",")}`,
      );
      assert.equal(outcomes.length, workers * callsPerWorker);
      assert.deepEqual(
        outcomes.filter((o) => o !== "DeadlineExceeded" && o !== "a" && o !== "c"),
        [],
        "every other call was answered by a healthy backend",
      );
      const state = client.balancer.endpoints().find((e) => e.address === hung.address);
      assert.equal(state?.ejected, true);
      // After the ejection, the rotation is the healthy two.
      for (let i = 0; i < 6; i++)
        assert.match(Buffer.from((await client.handle({ method: "GET", url: "/who" })).body).toString(), /^[ac]$/);
      hung.child.kill("SIGCONT");
    } finally {
      await client.close();
    }
  });

  test("createHTTPClient gives every call a deadline by default (30 s), sent as grpc-timeout", async () => {
    const deadlines: (number | undefined)[] = [];
    const backend = await startBackend((req, res) => {
      deadlines.push(httpgrpcContext(req)?.deadline);
      res.end("ok");
    });
    const client = createHTTPClient({ target: [backend.address] });
    const none = createHTTPClient({ target: [backend.address], timeoutMs: 0 });
    try {
      const before = Date.now();
      await client.handle({ method: "GET", url: "/" });
      await none.handle({ method: "GET", url: "/" });
      assert.equal(typeof deadlines[0], "number");
      assert.ok(
        deadlines[0]! > before && deadlines[0]! <= Date.now() + DEFAULT_CALL_TIMEOUT_MS,
        `deadline ${deadlines[0]! - before} ms after the call`,
      );
      assert.equal(deadlines[1], undefined, "timeoutMs: 0 sends none");
    } finally {
      await client.close();
      await none.close();
      await backend.close();
    }
  });
});

describe("the forwarder's 413", () => {
  test("a body over the limit sent with Content-Length gets the 413 before the connection closes", async () => {
    const backend = await startBackend((_req, res) => res.end("never"));
    const front = await startFront({ target: [backend.address] });
    try {
      for (let round = 0; round < 3; round++) {
        const declared = 64 * MiB;
        const got = await new Promise<{ status?: number; body: string; error?: string; sent: number }>((resolve) => {
          const out: { status?: number; body: string; error?: string; sent: number } = { body: "", sent: 0 };
          const req = http.request(`${front.url}/upload`, {
            method: "POST",
            agent: false,
            headers: { "content-length": declared },
          });
          let answered = false;
          req.on("response", (res) => {
            answered = true;
            out.status = res.statusCode;
            res.setEncoding("utf8");
            res.on("data", (c: string) => (out.body += c));
            res.on("end", () => resolve(out));
            res.on("error", (e) => {
              out.error = String(e);
              resolve(out);
            });
          });
          req.on("error", (e) => {
            out.error = String(e);
            if (!answered) resolve(out);
          });
          const chunk = Buffer.alloc(64 * 1024, 0x62);
          const pump = () => {
            // Write until the answer comes or the declared body is all sent, respecting backpressure.
            while (!answered && !req.destroyed && out.sent < declared) {
              out.sent += chunk.length;
              if (!req.write(chunk)) return void req.once("drain", pump);
            }
          };
          pump();
        });
        assert.equal(got.error, undefined, `round ${round}: the client saw ${got.error} (sent ${got.sent} bytes)`);
        assert.equal(got.status, 413);
        assert.equal(got.body, "request body exceeds 4194304 bytes\n");
        assert.ok(got.sent < 64 * MiB, `answered after ${got.sent} bytes`);
      }
      // curl sends its whole body before it looks for an answer: the one that lost the 413 to a
      // reset (Send failure: Broken pipe) when the forwarder closed on unread data.
      const file = join(mkdtempSync(join(tmpdir(), "httpgrpc-413-")), "body.bin");
      writeFileSync(file, Buffer.alloc(32 * MiB));
      try {
        for (let round = 0; round < 8; round++) {
          const r = await run("curl", [
            "-sS",
            "-H",
            "Expect:",
            "-X",
            "POST",
            "--data-binary",
            `@${file}`,
            "-w",
            "%{http_code}",
            `${front.url}/upload`,
          ]).catch((e: { stderr: string }) => ({ stdout: `curl failed: ${e.stderr.trim()}` }));
          assert.equal(r.stdout, "request body exceeds 4194304 bytes\n413", `curl round ${round}`);
        }
      } finally {
        rmSync(dirname(file), { recursive: true, force: true });
      }
      // And the forwarder keeps serving.
      const r = await fetch(`${front.url}/x`);
      assert.equal(await r.text(), "never");
    } finally {
      await front.close();
      await backend.close();
    }
  });
});
