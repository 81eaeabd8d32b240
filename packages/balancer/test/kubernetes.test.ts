// kubernetes:// targets: the ready endpoints of a service's EndpointSlices,
// watched through @kubernetes/client-node against a minimal API server
// speaking list + watch (support/fake-kube-api.ts), and real Connect
// backends for the rolling replacement.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { GreeterService } from "@acme/greeter/v1";
import { waitFor } from "@acme/test-support/wait";
import { createBalancedTransport, createBalancer, parseTarget, readyAddresses, TargetError } from "../src/index.js";
import {
  kubeconfigFor,
  selfSignedCert,
  startFakeKubeApi,
  type FakeKubeApi,
  type SliceEndpoint,
} from "./support/fake-kube-api.js";

describe("kubernetes:// targets", () => {
  test("parse the forms upstream uses", () => {
    assert.deepEqual(parseTarget("kubernetes://querier.ns:9095"), {
      kind: "kubernetes",
      service: "querier",
      namespace: "ns",
      port: 9095,
    });
    assert.deepEqual(parseTarget("kubernetes:///querier.ns:9095"), {
      kind: "kubernetes",
      service: "querier",
      namespace: "ns",
      port: 9095,
    });
    assert.deepEqual(parseTarget("kubernetes://ns/querier:grpc"), {
      kind: "kubernetes",
      service: "querier",
      namespace: "ns",
      port: "grpc",
    });
    assert.deepEqual(parseTarget("kubernetes:///querier:9095"), { kind: "kubernetes", service: "querier", port: 9095 });
    assert.deepEqual(parseTarget("kubernetes://querier.ns.svc.cluster.local:9095"), {
      kind: "kubernetes",
      service: "querier",
      namespace: "ns",
      port: 9095,
    });
    assert.throws(() => parseTarget("kubernetes://querier.ns"), /expected kubernetes:\/\/service\.namespace:port/);
    assert.throws(
      () => parseTarget("kubernetes://Querier.ns:1"),
      (e: Error) => e instanceof TargetError && /invalid service name "Querier"/.test(e.message),
    );
    assert.throws(() => parseTarget("kubernetes://q.ns:99999"), /invalid port "99999"/);
    assert.throws(() => parseTarget("kubernetes://a/q.b:1"), /namespace is given twice/);
    assert.throws(() => parseTarget("kubernetes://q.ns.other:1"), /expected service\.namespace/);
  });

  test("use ready endpoints only: a nil ready is ready, a terminating one is not; named ports per slice", () => {
    const slice = (
      endpoints: { ip: string; ready?: boolean | null; terminating?: boolean }[],
      ports = [{ name: "grpc", port: 9095 }],
    ) => ({
      addressType: "IPv4",
      ports,
      endpoints: endpoints.map((e) => ({
        addresses: [e.ip],
        conditions: { ready: e.ready, terminating: e.terminating },
      })),
    });
    const slices = [
      slice([
        { ip: "10.0.0.1", ready: true },
        { ip: "10.0.0.2", ready: null },
        { ip: "10.0.0.3", ready: false },
        { ip: "10.0.0.4", terminating: true },
      ]),
      slice([{ ip: "10.0.1.1" }], [{ name: "grpc", port: 9096 }]),
      { addressType: "FQDN", ports: [{ name: "grpc", port: 1 }], endpoints: [{ addresses: ["x.example"] }] },
    ];
    assert.deepEqual(readyAddresses(slices, "grpc"), ["10.0.0.1:9095", "10.0.0.2:9095", "10.0.1.1:9096"]);
    assert.deepEqual(readyAddresses(slices, 8080), ["10.0.0.1:8080", "10.0.0.2:8080", "10.0.1.1:8080"]);
    assert.deepEqual(readyAddresses(slices, "http"), [], "a port name no slice has");
  });

  describe("against the list + watch API", () => {
    let api: FakeKubeApi;
    let dir: string;
    let kubeconfigPath: string;
    let tls: { key: string; cert: string };
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "kube-"));
      tls = selfSignedCert(dir);
      api = await startFakeKubeApi({ tls });
      kubeconfigPath = join(dir, "config");
      writeFileSync(kubeconfigPath, kubeconfigFor(api, tls.cert, "apps"));
    });
    after(async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const put = (service: string, endpoints: SliceEndpoint[], name = `${service}-abc`) =>
      api.put({ namespace: "apps", name, service, ports: [{ name: "grpc", port: 9095 }], endpoints });
    const addresses = (b: { endpoints(): { address: string }[] }) =>
      b
        .endpoints()
        .map((e) => e.address)
        .sort();

    test("endpoints added, made not ready and removed through the watch change the rotation within one event", async () => {
      put("querier", [{ ip: "10.0.0.1" }]);
      put("other", [{ ip: "10.9.9.9" }]); // another service in the namespace: never seen
      const b = createBalancer<string>({
        target: "kubernetes://querier:grpc",
        connect: (a) => a,
        close: () => {},
        kubernetes: { credentials: { kubeconfigPath } },
      });
      try {
        await b.ready();
        assert.deepEqual(
          addresses(b),
          ["10.0.0.1:9095"],
          "the first list; the namespace comes from the kubeconfig context",
        );
        await waitFor("the watch to open", () => api.watchers() > 0);
        const step = async (what: string, change: () => void, expected: string[]) => {
          const before = api.eventsSent();
          change();
          await waitFor(what, () => JSON.stringify(addresses(b)) === JSON.stringify(expected));
          assert.equal(api.eventsSent() - before, 1, `${what}: one watch event, and the rotation changed with it`);
        };
        await step("an endpoint added", () => put("querier", [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }]), [
          "10.0.0.1:9095",
          "10.0.0.2:9095",
        ]);
        await step(
          "an endpoint made not ready",
          () => put("querier", [{ ip: "10.0.0.1" }, { ip: "10.0.0.2", ready: false }]),
          ["10.0.0.1:9095"],
        );
        await step("it is ready again", () => put("querier", [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }]), [
          "10.0.0.1:9095",
          "10.0.0.2:9095",
        ]);
        await step(
          "an endpoint terminating (still serving)",
          () =>
            put("querier", [{ ip: "10.0.0.1", ready: false, serving: true, terminating: true }, { ip: "10.0.0.2" }]),
          ["10.0.0.2:9095"],
        );
        await step("an endpoint removed", () => put("querier", [{ ip: "10.0.0.2" }, { ip: "10.0.0.3" }]), [
          "10.0.0.2:9095",
          "10.0.0.3:9095",
        ]);
        await step("a second slice", () => put("querier", [{ ip: "10.0.1.1" }], "querier-def"), [
          "10.0.0.2:9095",
          "10.0.0.3:9095",
          "10.0.1.1:9095",
        ]);
        await step("a slice deleted", () => api.remove("querier-abc", "apps"), ["10.0.1.1:9095"]);
        // Every request carried the kubeconfig's token and asked for this service only.
        assert.ok(api.requests.every((r) => r.authorization === `Bearer ${api.token}`));
        assert.ok(
          api.requests.every(
            (r) =>
              decodeURIComponent(r.url).includes("labelSelector=kubernetes.io/service-name=querier") &&
              r.url.startsWith("/apis/discovery.k8s.io/v1/namespaces/apps/endpointslices"),
          ),
        );
      } finally {
        await b.close();
        api.remove("querier-def", "apps");
      }
    });

    test("a watch the server ends is resumed from its resourceVersion; a compacted one is listed again", async () => {
      put("resume", [{ ip: "10.1.0.1" }]);
      const b = createBalancer<string>({
        target: "kubernetes://resume.apps:9095",
        connect: (a) => a,
        close: () => {},
        kubernetes: { credentials: { kubeconfigPath } },
      });
      try {
        await b.ready();
        await waitFor("the watch to open", () => api.watchers() > 0);
        const lists = () =>
          api.requests.filter((r) => r.url.includes("service-name%3Dresume") && !r.url.includes("watch=true")).length;
        const listsBefore = lists();
        api.endWatches();
        put("resume", [{ ip: "10.1.0.2" }]); // while no watch is open
        await waitFor("the change made while the watch was down", () => addresses(b).join() === "10.1.0.2:9095");
        assert.equal(lists(), listsBefore, "resumed by watching from the last resourceVersion, not by listing again");
        api.endWatches();
        put("resume", [{ ip: "10.1.0.3" }]);
        api.compact(); // the client's resourceVersion is now too old: its next watch gets 410 Gone
        await waitFor("the relist after 410 Gone", () => addresses(b).join() === "10.1.0.3:9095");
        assert.ok(lists() > listsBefore, "listed again after 410 Gone");
      } finally {
        await b.close();
        api.remove("resume-abc", "apps");
      }
    });

    test("wrong credentials: ready() rejects with the API's answer, and no call is attempted", async () => {
      const bad = join(dir, "bad");
      writeFileSync(bad, kubeconfigFor({ url: api.url, token: "wrong" }, tls.cert, "apps"));
      const errors: unknown[] = [];
      const b = createBalancer<string>({
        target: "kubernetes://querier:grpc",
        connect: (a) => a,
        close: () => {},
        kubernetes: { credentials: { kubeconfigPath: bad }, retryBackoff: { initialMs: 60_000, maxMs: 60_000 } },
        onResolveError: (e) => errors.push(e),
      });
      try {
        await assert.rejects(b.ready(), /401|Unauthorized/);
        await assert.rejects(
          b.pick(),
          (e: Error) =>
            e.name === "NoEndpointsError" && /no endpoints resolved for "kubernetes:\/\/querier:grpc"/.test(e.message),
        );
        assert.equal(errors.length, 1, "reported once");
      } finally {
        await b.close();
      }
    });

    test("in-cluster credentials: the service account's token, CA and namespace", async () => {
      const prefix = join(dir, "pod");
      const sa = join(prefix, "var/run/secrets/kubernetes.io/serviceaccount");
      mkdirSync(sa, { recursive: true });
      writeFileSync(join(sa, "token"), api.token);
      writeFileSync(join(sa, "ca.crt"), tls.cert);
      writeFileSync(join(sa, "namespace"), "apps");
      const { port } = new URL(api.url);
      process.env.KUBERNETES_SERVICE_HOST = "127.0.0.1";
      process.env.KUBERNETES_SERVICE_PORT = port;
      put("incluster", [{ ip: "10.2.0.1" }]);
      // No credentials option: KUBERNETES_SERVICE_HOST means in-cluster, as in a pod.
      const b = createBalancer<string>({
        target: "kubernetes:///incluster:8080",
        connect: (a) => a,
        close: () => {},
        kubernetes: { serviceAccountPathPrefix: prefix },
      });
      try {
        await b.ready();
        assert.deepEqual(addresses(b), ["10.2.0.1:8080"], "namespace apps from the service account, port as given");
      } finally {
        await b.close();
        delete process.env.KUBERNETES_SERVICE_HOST;
        delete process.env.KUBERNETES_SERVICE_PORT;
        api.remove("incluster-abc", "apps");
      }
    });

    test("no call fails during a rolling replacement of 3 endpoints", async () => {
      // Pods have their own IPs: each backend listens on its own loopback address, all on one port.
      const port = await freePort("127.0.0.11");
      const backends = new Map<string, Backend>();
      for (const ip of ["127.0.0.11", "127.0.0.12", "127.0.0.13"]) backends.set(ip, await backend(ip, port));
      const service = "greeter";
      const slice = (eps: SliceEndpoint[]) =>
        api.put({ namespace: "apps", name: "greeter-abc", service, ports: [{ name: "grpc", port }], endpoints: eps });
      let state: SliceEndpoint[] = [...backends.keys()].map((ip) => ({ ip }));
      slice(state);
      const transport = createBalancedTransport({
        target: `kubernetes://${service}.apps:grpc`,
        kubernetes: { credentials: { kubeconfigPath } },
        createTransport(baseUrl) {
          const sessionManager = new Http2SessionManager(baseUrl);
          return { ...createGrpcTransport({ baseUrl, sessionManager }), close: () => sessionManager.abort() };
        },
      });
      const client = createClient(GreeterService, transport);
      const served = new Map<string, number>();
      let failures = 0;
      let calls = 0;
      let running = true;
      const worker = async () => {
        while (running) {
          try {
            const r = await client.sayHello({ name: "x" });
            const who = r.message.split(":")[0];
            served.set(who, (served.get(who) ?? 0) + 1);
          } catch (err) {
            failures++;
            console.error("call failed:", err);
          }
          calls++;
        }
      };
      const inRotation = () =>
        transport.balancer
          .endpoints()
          .map((e) => e.address.split(":")[0])
          .sort();
      try {
        await transport.balancer.ready();
        const workers = [worker(), worker(), worker()];
        const old = [...backends.keys()];
        for (const [i, ip] of old.entries()) {
          const fresh = `127.0.0.2${i + 1}`;
          backends.set(fresh, await backend(fresh, port));
          // The new pod appears not ready, then becomes ready (its readiness probe passed).
          state = [...state, { ip: fresh, ready: false }];
          slice(state);
          state = state.map((e) => (e.ip === fresh ? { ip: fresh } : e));
          slice(state);
          await waitFor(`${fresh} in rotation`, () => inRotation().includes(fresh));
          const servedBefore = served.get(fresh) ?? 0;
          await waitFor(`${fresh} serving calls`, () => (served.get(fresh) ?? 0) > servedBefore);
          // The old pod is terminating: not ready, still serving while it drains.
          state = state.map((e) => (e.ip === ip ? { ip, ready: false, serving: true, terminating: true } : e));
          slice(state);
          await waitFor(`${ip} out of rotation`, () => !inRotation().includes(ip));
          // Only now does the pod stop (its preStop hook waited for this); then it is gone from the slice.
          await backends.get(ip)!.stop();
          state = state.filter((e) => e.ip !== ip);
          slice(state);
        }
        const after = calls;
        await waitFor("more calls on the new endpoints", () => calls > after + 30);
        running = false;
        await Promise.all(workers);
        assert.equal(failures, 0, `${failures} of ${calls} calls failed`);
        assert.deepEqual(inRotation(), ["127.0.0.21", "127.0.0.22", "127.0.0.23"]);
        for (const ip of ["127.0.0.21", "127.0.0.22", "127.0.0.23"])
          assert.ok((served.get(ip) ?? 0) > 0, `${ip} served`);
      } finally {
        running = false;
        await transport.close();
        for (const b of backends.values()) await b.stop();
        api.remove("greeter-abc", "apps");
      }
    });
  });
});

interface Backend {
  stop(): Promise<void>;
}

/** A Connect greeter on ip:port that answers with its ip, and stops gracefully: in-flight calls finish. */
async function backend(ip: string, port: number): Promise<Backend> {
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer(
    connectNodeAdapter({
      routes: (r) =>
        r.service(GreeterService, { sayHello: () => ({ message: `${ip}: hello` }), async *sayHelloStream() {} }),
    }),
  );
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((r, j) => server.once("error", j).listen(port, ip, () => r()));
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sessions) s.close(); // GOAWAY: streams in flight finish
      })),
  };
}

async function freePort(ip: string): Promise<number> {
  const s = http2.createServer();
  await new Promise<void>((r) => s.listen(0, ip, r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
