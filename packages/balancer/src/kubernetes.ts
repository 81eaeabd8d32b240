// The kubernetes:// resolver, after the seed's kuberesolver: instead of
// polling DNS, it watches the service's EndpointSlices through the API server
// (list, then watch from that resourceVersion), so every change reaches the
// rotation with the event that announces it. Only ready endpoints are used:
// a terminating pod is marked not ready first, so it leaves the rotation
// before it stops. @kubernetes/client-node is an optional peer dependency,
// loaded only when a kubernetes target is used.
import { readFileSync } from "node:fs";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { joinHostPort } from "./resolver.js";

/** Where a kubernetes:// target points: a service, its namespace (undefined: the default one) and a port number or name. */
export interface KubernetesTarget {
  kind: "kubernetes";
  service: string;
  namespace?: string;
  port: number | string;
}

/** How the resolver reaches the API server. */
export interface KubernetesOptions {
  /**
   * "in-cluster": the pod's service account (KUBERNETES_SERVICE_HOST/PORT and its token and CA);
   * "kubeconfig": $KUBECONFIG or ~/.kube/config; `{ kubeconfigPath }`: that file;
   * `{ kubeConfig }`: a KubeConfig of @kubernetes/client-node, loaded by the caller.
   * Default: in-cluster when KUBERNETES_SERVICE_HOST is set, else kubeconfig.
   */
  credentials?: "in-cluster" | "kubeconfig" | { kubeconfigPath: string } | { kubeConfig: unknown };
  /** In-cluster: a prefix for the service account files (/var/run/secrets/kubernetes.io/serviceaccount/...). */
  serviceAccountPathPrefix?: string;
  /** Delay before the watch is started again after an error. */
  retryBackoff?: BackoffOptions;
}

export interface EndpointWatch {
  /** Resolves after the first list was applied; rejects if it failed. */
  ready: Promise<void>;
  close(): Promise<void>;
}

// The EndpointSlice fields we read (discovery.k8s.io/v1).
interface EndpointSlice {
  metadata?: { name?: string; namespace?: string };
  addressType?: string;
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  }[];
  ports?: { name?: string | null; port?: number | null; protocol?: string | null }[] | null;
}

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/**
 * The addresses ("ip:port") of every ready endpoint in the slices, sorted.
 * A nil `ready` counts as ready (the API's rule); a terminating endpoint is
 * not ready. A named port is looked up in each slice; a number is used as is,
 * as kuberesolver does.
 */
export function readyAddresses(slices: Iterable<EndpointSlice>, port: number | string): string[] {
  const out = new Set<string>();
  for (const s of slices) {
    if (s.addressType && s.addressType !== "IPv4" && s.addressType !== "IPv6") continue; // FQDN slices name no IP
    let p: number | undefined = typeof port === "number" ? port : undefined;
    if (typeof port === "string") p = s.ports?.find((x) => x.name === port)?.port ?? undefined;
    if (p === undefined) continue;
    for (const e of s.endpoints ?? []) {
      const c = e.conditions ?? {};
      if (c.ready === false || (c.ready == null && c.terminating === true)) continue;
      // Endpoints of one pod are fungible; the API's controller writes exactly one.
      const ip = e.addresses?.[0];
      if (ip) out.add(joinHostPort(ip, p));
    }
  }
  return [...out].sort();
}

type ClientNode = typeof import("@kubernetes/client-node");

async function loadClientNode(): Promise<ClientNode> {
  try {
    return await import("@kubernetes/client-node");
  } catch (err) {
    throw new Error(
      `kubernetes:// targets need the optional peer dependency @kubernetes/client-node (npm install @kubernetes/client-node@^1): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

function loadConfig(
  k8s: ClientNode,
  opts: KubernetesOptions,
): { kc: InstanceType<ClientNode["KubeConfig"]>; namespace: string } {
  const creds = opts.credentials ?? (process.env.KUBERNETES_SERVICE_HOST ? "in-cluster" : "kubeconfig");
  if (typeof creds === "object" && "kubeConfig" in creds) {
    const kc = creds.kubeConfig as InstanceType<ClientNode["KubeConfig"]>;
    return { kc, namespace: contextNamespace(kc) };
  }
  const kc = new k8s.KubeConfig();
  if (creds === "in-cluster") {
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw new Error(
        "kubernetes: in-cluster credentials need KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (set in every pod)",
      );
    }
    const prefix = opts.serviceAccountPathPrefix ?? "";
    kc.loadFromCluster(prefix);
    let namespace = "default";
    try {
      namespace = readFileSync(`${prefix}${SERVICE_ACCOUNT_NAMESPACE}`, "utf8").trim() || "default";
    } catch {
      // no namespace file: the API's default
    }
    return { kc, namespace };
  }
  if (creds === "kubeconfig") kc.loadFromDefault();
  else kc.loadFromFile(creds.kubeconfigPath);
  if (!kc.getCurrentCluster()) throw new Error("kubernetes: the kubeconfig has no current cluster");
  return { kc, namespace: contextNamespace(kc) };
}

function contextNamespace(kc: InstanceType<ClientNode["KubeConfig"]>): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || "default";
}

/**
 * Watches the EndpointSlices of `target` and calls `update` with the ready
 * addresses after the first list and after every watch event. A broken watch
 * is started again (list, then watch) after a backoff; `onError` hears why.
 */
export function watchEndpoints(
  target: KubernetesTarget,
  opts: KubernetesOptions,
  update: (addresses: string[]) => void,
  onError: (err: unknown) => void,
): EndpointWatch {
  let closed = false;
  let stop: (() => Promise<void>) | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const ready = (async () => {
    const k8s = await loadClientNode();
    const { kc, namespace: defaultNamespace } = loadConfig(k8s, opts);
    const namespace = target.namespace ?? defaultNamespace;
    const api = kc.makeApiClient(k8s.DiscoveryV1Api);
    const labelSelector = `kubernetes.io/service-name=${target.service}`;
    const path = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`;
    const slices = new Map<string, EndpointSlice>();
    const emit = () => {
      failures = 0; // the watch works again: the next error starts the backoff over
      if (!closed) update(readyAddresses(slices.values(), target.port));
    };
    const informer = k8s.makeInformer<EndpointSlice & { metadata: object }>(
      kc,
      path,
      () => api.listNamespacedEndpointSlice({ namespace, labelSelector }) as never,
      labelSelector,
    );
    let failures = 0;
    const key = (s: EndpointSlice) => s.metadata?.name ?? "";
    informer.on("add", (s) => {
      slices.set(key(s), s);
      emit();
    });
    informer.on("update", (s) => {
      slices.set(key(s), s);
      emit();
    });
    informer.on("delete", (s) => {
      slices.delete(key(s));
      emit();
    });
    let lastError: unknown;
    informer.on("error", (err) => {
      lastError = err;
      if (closed) return;
      onError(err);
      // The informer stops on an error; keep the last known endpoints and start over.
      retryTimer = setTimeout(() => void informer.start().catch(onError), backoffDelay(++failures, opts.retryBackoff));
      retryTimer.unref();
    });
    stop = () => informer.stop();
    await informer.start();
    // start() lists, then watches; a failed list is reported as an error, not thrown.
    if (lastError !== undefined) throw lastError;
    emit(); // an empty list too: the service has no endpoints yet
  })();

  return {
    ready,
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await stop?.();
    },
  };
}
