import type { DescService } from "@bufbuild/protobuf";
import { createClient as createConnectClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { headersInterceptor } from "./header-interceptors.js";
import type { BalanceFn, ClientOptions, TransportFactory } from "./options.js";
import { retryInterceptor } from "./retry-interceptor.js";

const DEFAULT_TIMEOUT_MS = 10_000;

/** Validates the options and builds the client over the runtime's transport factory. */
export function buildClient<S extends DescService>(
  service: S,
  options: ClientOptions,
  runtime: { makeTransport: TransportFactory; balance?: BalanceFn; interceptors?: Interceptor[] },
): Client<S> {
  return createConnectClient(service, buildTransport(options, runtime));
}

export function buildTransport(options: ClientOptions, runtime: { makeTransport: TransportFactory; balance?: BalanceFn; interceptors?: Interceptor[] }): Transport {
  const protocol = options.protocol ?? "connect";
  if (!["grpc", "grpc-web", "connect"].includes(protocol)) {
    throw new Error(`createClient: protocol must be "grpc", "grpc-web" or "connect", got ${JSON.stringify(protocol)}`);
  }
  const urls = options.endpoints ?? (options.baseUrl !== undefined ? [options.baseUrl] : []);
  if (urls.length === 0) throw new Error("createClient: give baseUrl or a non-empty endpoints list");
  if (options.baseUrl !== undefined && options.endpoints !== undefined) throw new Error("createClient: give baseUrl or endpoints, not both");
  for (const u of urls) {
    if (!/^https?:\/\/[^/]/.test(u)) throw new Error(`createClient: ${JSON.stringify(u)} is not an http(s) URL`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw new Error(`createClient: timeoutMs must be >= 0, got ${timeoutMs}`);
  const retry = options.retries === false ? { retries: 0 } : typeof options.retries === "number" ? { retries: options.retries } : options.retries;
  // First = outermost: a retry re-runs everything inside it.
  const interceptors: Interceptor[] = [
    retryInterceptor(retry),
    headersInterceptor(options.meshService, options.headers),
    ...(runtime.interceptors ?? []),
    ...(options.interceptors ?? []),
  ];
  const make = (baseUrl: string) =>
    runtime.makeTransport(baseUrl, { protocol, binary: options.binary ?? protocol !== "connect", timeoutMs: timeoutMs || undefined, interceptors });
  if (urls.length === 1) return make(urls[0]);
  if (!runtime.balance) {
    throw new Error(`createClient: ${urls.length} endpoints need a balancer, which this build does not include; give one baseUrl`);
  }
  return runtime.balance(urls, make, options.policy);
}
