// A minimal Kubernetes API server for EndpointSlices: list and watch of
// /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices with a label
// selector, resourceVersions, bearer-token auth, and 410 Gone for a
// resourceVersion older than it keeps. A real API server cannot run here;
// this is the one stand-in the tests allow. It speaks the wire format
// @kubernetes/client-node reads: a JSON list, then newline-delimited
// {"type","object"} events on a chunked response.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** A self-signed certificate for 127.0.0.1 (the API server is HTTPS, as a real one is), made with openssl into `dir`. */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
}

export interface SliceEndpoint {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

interface Slice {
  namespace: string;
  name: string;
  service: string;
  ports: { name?: string; port: number }[];
  endpoints: SliceEndpoint[];
}

interface Event {
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  slice: Slice;
}

export interface FakeKubeApi {
  url: string;
  token: string;
  /** Creates or replaces a slice: one ADDED or MODIFIED event. */
  put(slice: {
    namespace?: string;
    name: string;
    service: string;
    ports: { name?: string; port: number }[];
    endpoints: SliceEndpoint[];
  }): void;
  /** Deletes a slice, if there is one: one DELETED event. */
  remove(name: string, namespace?: string): void;
  /** Watch events written so far, over all streams. */
  eventsSent(): number;
  /** Open watch streams. */
  watchers(): number;
  /** Ends every open watch stream, as an API server does at its timeout. */
  endWatches(): void;
  /** Forgets every event so far: a watch from before the latest resourceVersion gets 410 Gone. */
  compact(): void;
  /** Requests seen: path with query, and the Authorization header. */
  requests: { url: string; authorization?: string }[];
  close(): Promise<void>;
}

const PATH = /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([a-z0-9-]+)\/endpointslices$/;

function toObject(s: Slice, rv: number) {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: s.name,
      namespace: s.namespace,
      resourceVersion: String(rv),
      labels: { "kubernetes.io/service-name": s.service },
    },
    addressType: "IPv4",
    ports: s.ports.map((p) => ({ name: p.name ?? "", port: p.port, protocol: "TCP" })),
    endpoints: s.endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: {
        ready: e.ready ?? true,
        serving: e.serving ?? e.ready ?? true,
        terminating: e.terminating ?? false,
      },
    })),
  };
}

export async function startFakeKubeApi(opts: { tls?: { key: string; cert: string } } = {}): Promise<FakeKubeApi> {
  const token = `token-${Math.random().toString(36).slice(2)}`;
  let rv = 100;
  let oldestRv = rv; // events after this one are kept
  const slices = new Map<string, { slice: Slice; rv: number }>();
  const events: Event[] = [];
  const streams = new Set<{ res: http.ServerResponse; namespace: string; service?: string }>();
  let sent = 0;
  const requests: FakeKubeApi["requests"] = [];

  const status = (res: http.ServerResponse, code: number, reason: string, message: string) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code }));
  };
  const matches = (s: Slice, namespace: string, service?: string) =>
    s.namespace === namespace && (service === undefined || s.service === service);
  const write = (st: { res: http.ServerResponse }, e: Event) => {
    if (st.res.writableEnded) return;
    st.res.write(`${JSON.stringify({ type: e.type, object: toObject(e.slice, e.rv) })}\n`);
    sent++;
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push({ url: req.url ?? "", authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, "Unauthorized", "Unauthorized");
    const m = PATH.exec(url.pathname);
    if (!m || req.method !== "GET")
      return status(
        res,
        404,
        "NotFound",
        `the server could not find the requested resource (${req.method} ${url.pathname})`,
      );
    const namespace = m[1];
    const selector = url.searchParams.get("labelSelector") ?? "";
    let service: string | undefined;
    if (selector) {
      const sel = /^kubernetes\.io\/service-name=([a-z0-9-]+)$/.exec(selector);
      if (!sel) return status(res, 400, "BadRequest", `unsupported labelSelector ${selector}`);
      service = sel[1];
    }
    if (url.searchParams.get("watch") !== "true") {
      const items = [...slices.values()]
        .filter((x) => matches(x.slice, namespace, service))
        .map((x) => toObject(x.slice, x.rv));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSliceList",
          metadata: { resourceVersion: String(rv) },
          items,
        }),
      );
      return;
    }
    const from = Number(url.searchParams.get("resourceVersion") || rv);
    if (from < oldestRv) return status(res, 410, "Expired", `too old resource version: ${from} (${oldestRv})`);
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const st = { res, namespace, service };
    streams.add(st);
    res.on("close", () => streams.delete(st));
    for (const e of events) if (e.rv > from && matches(e.slice, namespace, service)) write(st, e);
  };

  const server = opts.tls
    ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
    : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;

  const publish = (type: Event["type"], slice: Slice) => {
    const e: Event = { rv: ++rv, type, slice };
    events.push(e);
    for (const st of streams) if (matches(slice, st.namespace, st.service)) write(st, e);
    return e.rv;
  };

  return {
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    token,
    requests,
    put(s) {
      const slice: Slice = {
        namespace: s.namespace ?? "default",
        name: s.name,
        service: s.service,
        ports: s.ports,
        endpoints: s.endpoints,
      };
      const key = `${slice.namespace}/${slice.name}`;
      const type = slices.has(key) ? "MODIFIED" : "ADDED";
      const at = publish(type, slice);
      slices.set(key, { slice, rv: at });
    },
    remove(name, namespace = "default") {
      const key = `${namespace}/${name}`;
      const cur = slices.get(key);
      if (!cur) return;
      slices.delete(key);
      publish("DELETED", cur.slice);
    },
    eventsSent: () => sent,
    watchers: () => streams.size,
    endWatches() {
      for (const st of streams) st.res.end();
      streams.clear();
    },
    compact() {
      oldestRv = rv;
      events.length = 0;
    },
    async close() {
      for (const st of streams) st.res.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A kubeconfig (YAML is a superset of JSON) pointing at the fake API with its token, trusting `caPem`. */
export function kubeconfigFor(api: Pick<FakeKubeApi, "url" | "token">, caPem: string, namespace = "default"): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "fake",
        cluster: { server: api.url, "certificate-authority-data": Buffer.from(caPem).toString("base64") },
      },
    ],
    users: [{ name: "tester", user: { token: api.token } }],
    contexts: [{ name: "fake", context: { cluster: "fake", user: "tester", namespace } }],
    "current-context": "fake",
  });
}
