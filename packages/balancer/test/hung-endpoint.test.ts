// The balanced Connect transport against an endpoint that hangs: a real child process stopped
// with SIGSTOP (the kernel still accepts and ACKs, nothing answers), and a listener that accepts
// connections and never reads them. Either is ejected once a call on it reaches its deadline,
// while the other endpoint answers every other call. Bounded loops, waits on events; the
// deadlines are configuration, never assertions. The last test sets no deadline on the call: the
// transport's default (timeoutMs) is what ends it.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as net from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { GreeterService } from "@acme/greeter/v1";
import { createBalancedTransport } from "../src/index.js";

const children: ChildProcess[] = [];

async function greeterProcess(name: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "fixtures", "greeter-process.ts"), name],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  children.push(child);
  const [{ address }] = (await Promise.race([
    once(child, "message"),
    once(child, "exit").then(([code]) => {
      throw new Error(`greeter ${name} exited (${code}) before listening`);
    }),
  ])) as [{ address: string }];
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

/** A listener that accepts connections and never reads or answers them. */
async function blackHole(): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    s.pause();
    s.on("error", () => {});
    sockets.add(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function balanced(addresses: string[]) {
  return createBalancedTransport({
    target: addresses,
    createTransport(baseUrl) {
      const sessionManager = new Http2SessionManager(baseUrl);
      return { ...createGrpcTransport({ baseUrl, sessionManager }), close: () => sessionManager.abort() };
    },
    // Ejection lasts longer than the test, so that no probe of the hung endpoint happens
    // meanwhile and the bound below is exact.
    ejectBackoff: { initialMs: 600_000, maxMs: 600_000, jitter: 0 },
  });
}

/**
 * `workers` callers make `calls` calls each, with a deadline (generous: a loaded machine must
 * not miss it on the healthy endpoint). Returns each call's answer, or its error code.
 */
async function callMany(
  client: ReturnType<typeof createClient<typeof GreeterService>>,
  workers: number,
  calls: number,
): Promise<string[]> {
  const outcomes: string[] = [];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = 0; i < calls; i++) {
        try {
          outcomes.push((await client.sayHello({ name: "x" }, { timeoutMs: 5_000 })).message);
        } catch (e) {
          outcomes.push(Code[ConnectError.from(e).code]);
        }
      }
    }),
  );
  return outcomes;
}

function assertEjected(
  transport: ReturnType<typeof balanced>,
  hung: string,
  outcomes: string[],
  workers: number,
  calls: number,
): void {
  const timedOut = outcomes.filter((o) => o === "DeadlineExceeded").length;
  // Each worker can be caught by the hung endpoint at most once: the first deadline ejects it,
  // and calls already in flight on it do not let it back (one probe at a time).
  assert.ok(timedOut >= 1 && timedOut <= workers, `${timedOut} calls timed out (bound ${workers}): ${outcomes}`);
  assert.equal(outcomes.length, workers * calls);
  assert.deepEqual(
    outcomes.filter((o) => o !== "DeadlineExceeded" && o !== "a"),
    [],
    "every other call was answered by the healthy endpoint",
  );
  assert.equal(transport.balancer.endpoints().find((e) => e.address === hung)?.ejected, true);
}

test("a SIGSTOPped endpoint is ejected after a call reaches its deadline; the other answers every other call", async () => {
  const [a, b] = await Promise.all(["a", "b"].map(greeterProcess));
  const transport = balanced([a.address, b.address]);
  const client = createClient(GreeterService, transport);
  try {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await client.sayHello({ name: "x" }, { timeoutMs: 5_000 })).message);
    assert.deepEqual([...seen].sort(), ["a", "b"], "both endpoints answer before the hang");

    b.child.kill("SIGSTOP");
    const outcomes = await callMany(client, 3, 8);
    assertEjected(transport, b.address, outcomes, 3, 8);
    // After the ejection, the rotation is the healthy one.
    for (let i = 0; i < 4; i++) assert.equal((await client.sayHello({ name: "x" }, { timeoutMs: 5_000 })).message, "a");
    b.child.kill("SIGCONT");
  } finally {
    await transport.close();
  }
});

test("an endpoint that accepts connections and never answers is ejected the same way", async () => {
  const a = await greeterProcess("a");
  const hole = await blackHole();
  const transport = balanced([a.address, hole.address]);
  const client = createClient(GreeterService, transport);
  try {
    const outcomes = await callMany(client, 3, 8);
    assertEjected(transport, hole.address, outcomes, 3, 8);
  } finally {
    await transport.close();
    await hole.close();
  }
});

test("a call that sets no deadline gets the transport's timeoutMs: on a hung endpoint it ends DEADLINE_EXCEEDED and ejects it", async () => {
  const hole = await blackHole();
  const given: (number | undefined)[] = [];
  let reached!: () => void;
  const endpointCalled = new Promise<void>((r) => (reached = r));
  const transport = createBalancedTransport({
    target: [hole.address],
    // The transport's default deadline, short so the test is quick; the caller sets none.
    timeoutMs: 200,
    createTransport(baseUrl) {
      const sessionManager = new Http2SessionManager(baseUrl);
      // A long default of the endpoint's own would hold the call for 10 minutes: it must not be the one used.
      const t = createGrpcTransport({ baseUrl, sessionManager, defaultTimeoutMs: 600_000 });
      return {
        ...t,
        unary(method, signal, timeoutMs, header, input, contextValues) {
          given.push(timeoutMs);
          reached();
          return t.unary(method, signal, timeoutMs, header, input, contextValues);
        },
        close: () => sessionManager.abort(),
      };
    },
    ejectBackoff: { initialMs: 600_000, maxMs: 600_000, jitter: 0 },
  });
  const client = createClient(GreeterService, transport);
  try {
    const outcome = client.sayHello({ name: "x" }).then(
      () => assert.fail("the hung endpoint answered"),
      (e: unknown) => ConnectError.from(e),
    );
    await Promise.race([endpointCalled, outcome]);
    // Without a default, the call would go out with none and wait as long as the endpoint hangs.
    assert.deepEqual(given, [200], "the endpoint's transport was given the default deadline");
    const err = await outcome;
    assert.equal(err.code, Code.DeadlineExceeded, String(err));
    const state = transport.balancer.endpoints().find((e) => e.address === hole.address);
    assert.equal(state?.ejected, true, "the deadline counted against the hung endpoint");
    assert.equal(state?.failures, 1);
  } finally {
    await transport.close();
    await hole.close();
  }
});
