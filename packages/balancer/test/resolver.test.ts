import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTarget, resolveTarget, TargetError } from "../src/resolver.js";

test("address forms as upstream", () => {
  assert.deepEqual(parseTarget("dns:///querier.ns.svc:9095"), { kind: "dns", host: "querier.ns.svc", port: 9095 });
  assert.deepEqual(parseTarget("dns://8.8.8.8/querier:9095"), { kind: "dns", host: "querier", port: 9095 });
  assert.deepEqual(parseTarget("dns:///querier"), { kind: "dns", host: "querier", port: 443 });
  assert.deepEqual(parseTarget("direct://10.0.0.7:9095"), { kind: "static", addresses: ["10.0.0.7:9095"] });
  assert.deepEqual(parseTarget("kubernetes://querier.ns:9095"), {
    kind: "kubernetes",
    service: "querier",
    namespace: "ns",
    port: 9095,
  });
  assert.deepEqual(parseTarget("querier:9095"), { kind: "dns", host: "querier", port: 9095 });
  assert.deepEqual(parseTarget("127.0.0.1:80"), { kind: "static", addresses: ["127.0.0.1:80"] });
  assert.deepEqual(parseTarget("[::1]:80"), { kind: "static", addresses: ["[::1]:80"] });
  assert.deepEqual(parseTarget(["a:1", "b:2"]), { kind: "static", addresses: ["a:1", "b:2"] });
});

test("bad targets get an error naming what is wrong", () => {
  const cases: [string | string[], RegExp][] = [
    ["unix:///tmp/sock", /unsupported scheme "unix" in target "unix:\/\/\/tmp\/sock": use dns:\/\/\/host:port/],
    ["querier", /missing port in "querier"/],
    ["querier:99999", /invalid port "99999"/],
    ["::1:80", /IPv6 literals in brackets/],
    [[], /empty target list/],
    [["a:1", "b"], /missing port in "b" \(target\[1\]\)/],
    ["", /empty target/],
  ];
  for (const [t, re] of cases)
    assert.throws(
      () => parseTarget(t),
      (e: unknown) => e instanceof TargetError && re.test((e as Error).message),
    );
});

test("dns targets take every A/AAAA record, sorted and de-duplicated", async () => {
  const got = await resolveTarget(parseTarget("dns:///svc:9095"), async (h) => {
    assert.equal(h, "svc");
    return ["10.0.0.2", "10.0.0.1", "fd00::1", "10.0.0.2"];
  });
  assert.deepEqual(got, ["10.0.0.1:9095", "10.0.0.2:9095", "[fd00::1]:9095"]);
  await assert.rejects(
    resolveTarget(parseTarget("svc:1"), async () => []),
    /no A\/AAAA records for "svc"/,
  );
});

test("the system resolver answers for localhost", async () => {
  const got = await resolveTarget(parseTarget("dns:///localhost:8080"));
  assert.ok(got.length >= 1);
  for (const a of got) assert.match(a, /^(127\.\d+\.\d+\.\d+|\[::1\]):8080$/);
});
