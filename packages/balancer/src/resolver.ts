import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { KubernetesTarget } from "./kubernetes.js";

/**
 * Where endpoints come from. The address forms follow grpc-go / dskit:
 * - `["a:1", "b:2"]`        a static list;
 * - `dns:///host:port`      every A/AAAA record of host, re-resolved periodically
 *                           (`dns://server/host:port`: the authority is ignored, the system resolver is used);
 * - `direct://host:port`    exactly that one address, never re-resolved;
 * - `kubernetes://svc.ns:port` the ready endpoints of a Kubernetes service, watched through the API
 *                           (EndpointSlices; see kubernetes.ts). Also kuberesolver's `kubernetes:///svc.ns:port`
 *                           and `kubernetes://ns/svc:port`; no namespace means the client's own; the port is a
 *                           number or a port name;
 * - a bare `host:port`:     like dns:/// (a headless service's records); a bare IP literal is static.
 */
export type Target =
  | { kind: "static"; addresses: string[] }
  | { kind: "dns"; host: string; port: number }
  | KubernetesTarget;

export class TargetError extends Error {
  override name = "TargetError";
}

const DEFAULT_PORT = 443; // grpc-go's default when a dns target has no port

function splitHostPort(s: string, where: string, defaultPort?: number): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) throw new TargetError(`invalid address "${s}" in ${where}: unterminated "[" of an IPv6 literal`);
    host = s.slice(1, end);
    const rest = s.slice(end + 1);
    if (rest !== "" && !rest.startsWith(":"))
      throw new TargetError(`invalid address "${s}" in ${where}: expected ":port" after "]"`);
    portText = rest === "" ? undefined : rest.slice(1);
  } else {
    const i = s.lastIndexOf(":");
    if (i >= 0 && s.indexOf(":") !== i) {
      throw new TargetError(`invalid address "${s}" in ${where}: write IPv6 literals in brackets, e.g. [::1]:8080`);
    }
    host = i < 0 ? s : s.slice(0, i);
    portText = i < 0 ? undefined : s.slice(i + 1);
  }
  if (host === "" || /[\s/?#@]/.test(host)) throw new TargetError(`invalid host "${host}" in ${where}`);
  if (portText === undefined) {
    if (defaultPort === undefined) throw new TargetError(`missing port in "${s}" (${where}); expected host:port`);
    return { host, port: defaultPort };
  }
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
    throw new TargetError(`invalid port "${portText}" in "${s}" (${where}); expected 1-65535`);
  }
  return { host, port };
}

/** Formats host and port as an address, bracketing IPv6 literals. */
export function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses a target string or list; throws a TargetError naming the bad part. */
export function parseTarget(target: string | readonly string[]): Target {
  if (Array.isArray(target)) {
    if (target.length === 0) throw new TargetError("empty target list: give at least one host:port");
    return {
      kind: "static",
      addresses: target.map((a, i) => {
        const { host, port } = splitHostPort(a, `target[${i}]`);
        return joinHostPort(host, port);
      }),
    };
  }
  const t = target as string;
  if (t.trim() === "")
    throw new TargetError("empty target: expected dns:///host:port, direct://host:port or host:port");
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(t);
  if (!scheme) {
    const { host, port } = splitHostPort(t, `target "${t}"`);
    return isIP(host) ? { kind: "static", addresses: [joinHostPort(host, port)] } : { kind: "dns", host, port };
  }
  const rest = t.slice(scheme[0].length);
  switch (scheme[1].toLowerCase()) {
    case "dns": {
      // dns://[authority]/host:port
      const slash = rest.indexOf("/");
      if (slash < 0) throw new TargetError(`invalid dns target "${t}": expected dns:///host:port`);
      const { host, port } = splitHostPort(rest.slice(slash + 1), `target "${t}"`, DEFAULT_PORT);
      return isIP(host) ? { kind: "static", addresses: [joinHostPort(host, port)] } : { kind: "dns", host, port };
    }
    case "direct": {
      const { host, port } = splitHostPort(rest, `target "${t}"`);
      return { kind: "static", addresses: [joinHostPort(host, port)] };
    }
    case "kubernetes":
      return parseKubernetesTarget(t, rest);
    default:
      throw new TargetError(
        `unsupported scheme "${scheme[1]}" in target "${t}": use dns:///host:port, direct://host:port, kubernetes://svc.ns:port or host:port`,
      );
  }
}

// A DNS-1035 label: what a service name (and a namespace) may be.
const K8S_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
// An IANA_SVC_NAME: what a named port may be.
const K8S_PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

function parseKubernetesTarget(t: string, rest: string): KubernetesTarget {
  // kubernetes://svc.ns:port, kubernetes:///svc.ns:port, kubernetes://ns/svc:port
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? "" : rest.slice(0, slash);
  const path = slash < 0 ? rest : rest.slice(slash + 1);
  const colon = path.lastIndexOf(":");
  if (colon < 0)
    throw new TargetError(`invalid kubernetes target "${t}": expected kubernetes://service.namespace:port`);
  const hostPart = path.slice(0, colon);
  const portText = path.slice(colon + 1);
  const [service, namespaceInHost, ...more] = hostPart.split(".");
  let namespace: string | undefined = authority || namespaceInHost;
  if (authority && namespaceInHost) {
    throw new TargetError(
      `invalid kubernetes target "${t}": the namespace is given twice ("${authority}/" and ".${namespaceInHost}")`,
    );
  }
  // svc.ns.svc.cluster.local names the same service; anything else after the namespace is not a service.
  if (more.length && more.join(".") !== "svc" && !more.join(".").startsWith("svc.")) {
    throw new TargetError(`invalid kubernetes target "${t}": expected service.namespace, got "${hostPart}"`);
  }
  if (!K8S_NAME.test(service ?? ""))
    throw new TargetError(`invalid service name "${service}" in kubernetes target "${t}"`);
  if (namespace !== undefined && namespace !== "" && !K8S_NAME.test(namespace)) {
    throw new TargetError(`invalid namespace "${namespace}" in kubernetes target "${t}"`);
  }
  if (namespace === "") namespace = undefined;
  let port: number | string;
  if (/^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535) port = Number(portText);
  else if (K8S_PORT_NAME.test(portText)) port = portText;
  else throw new TargetError(`invalid port "${portText}" in kubernetes target "${t}"; expected 1-65535 or a port name`);
  return { kind: "kubernetes", service, ...(namespace ? { namespace } : {}), port };
}

/** Returns every address of a host name (A and AAAA). */
export type LookupFn = (host: string) => Promise<string[]>;

export const systemLookup: LookupFn = async (host) => {
  const all = await dnsLookup(host, { all: true, verbatim: true });
  return all.map((a) => a.address);
};

/** Resolves a parsed target to its current list of addresses (sorted, de-duplicated). */
export async function resolveTarget(target: Target, lookup: LookupFn = systemLookup): Promise<string[]> {
  if (target.kind === "static") return [...new Set(target.addresses)];
  if (target.kind === "kubernetes") throw new Error("kubernetes targets are watched, not resolved: use createBalancer");
  const ips = await lookup(target.host);
  if (ips.length === 0) throw new Error(`dns: no A/AAAA records for "${target.host}"`);
  return [...new Set(ips.map((ip) => joinHostPort(ip, target.port)))].sort();
}
