import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";

/**
 * Where endpoints come from. The address forms follow grpc-go / dskit:
 * - `["a:1", "b:2"]`        a static list;
 * - `dns:///host:port`      every A/AAAA record of host, re-resolved periodically
 *                           (`dns://server/host:port`: the authority is ignored, the system resolver is used);
 * - `direct://host:port`    exactly that one address, never re-resolved;
 * - `kubernetes://svc.ns:port` and a bare `host:port`: like dns:/// (a headless service's records);
 *                           a bare IP literal is static.
 */
export type Target =
  | { kind: "static"; addresses: string[] }
  | { kind: "dns"; host: string; port: number };

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
    if (rest !== "" && !rest.startsWith(":")) throw new TargetError(`invalid address "${s}" in ${where}: expected ":port" after "]"`);
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
  if (t.trim() === "") throw new TargetError("empty target: expected dns:///host:port, direct://host:port or host:port");
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
    case "kubernetes": {
      const { host, port } = splitHostPort(rest.replace(/^\//, ""), `target "${t}"`);
      return { kind: "dns", host, port };
    }
    default:
      throw new TargetError(
        `unsupported scheme "${scheme[1]}" in target "${t}": use dns:///host:port, direct://host:port, kubernetes://svc.ns:port or host:port`,
      );
  }
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
  const ips = await lookup(target.host);
  if (ips.length === 0) throw new Error(`dns: no A/AAAA records for "${target.host}"`);
  return [...new Set(ips.map((ip) => joinHostPort(ip, target.port)))].sort();
}
