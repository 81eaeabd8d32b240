import type { DescService } from "@bufbuild/protobuf";
import type { ClosableTransport } from "@acme/balancer";
import { createClient as createConnectClient, type Client, type Interceptor } from "@connectrpc/connect";
import { context as otelContext, type Context } from "@opentelemetry/api";
import { headersInterceptor } from "./header-interceptors.js";
import type { BalanceFn, ClientOptions, TransportFactory } from "./options.js";
import { retryInterceptor } from "./retry-interceptor.js";
import { clientTraceInterceptor } from "./trace-interceptor.js";
import { validationInterceptor } from "../validation/validate.js";

const DEFAULT_TIMEOUT_MS = 10_000;

/** Validates the options and builds the client over the runtime's transport factory. */
export function buildClient<S extends DescService>(service: S, options: ClientOptions, runtime: Runtime): Client<S> {
  return createConnectClient(service, buildTransport(options, runtime));
}

export interface Runtime {
  makeTransport: TransportFactory;
  balance?: BalanceFn;
  interceptors?: Interceptor[];
  /** The OpenTelemetry context a call starts from (default: the active one). */
  parentContext?: () => Context;
}

const activeContext = () => otelContext.active();

export function buildTransport(options: ClientOptions, runtime: Runtime): ClosableTransport {
  const protocol = options.protocol ?? "connect";
  if (!["grpc", "grpc-web", "connect"].includes(protocol)) {
    throw new Error(`createClient: protocol must be "grpc", "grpc-web" or "connect", got ${JSON.stringify(protocol)}`);
  }
  const urls = options.endpoints ?? (options.baseUrl !== undefined ? [options.baseUrl] : []);
  if (urls.length === 0) throw new Error("createClient: give baseUrl or a non-empty endpoints list");
  if (options.baseUrl !== undefined && options.endpoints !== undefined)
    throw new Error("createClient: give baseUrl or endpoints, not both");
  for (const u of urls) {
    if (!/^https?:\/\/[^/]/.test(u)) throw new Error(`createClient: ${JSON.stringify(u)} is not an http(s) URL`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0))
    throw new Error(`createClient: timeoutMs must be >= 0, got ${timeoutMs}`);
  const retry =
    options.retries === false
      ? { retries: 0 }
      : typeof options.retries === "number"
        ? { retries: options.retries }
        : (options.retries ?? {});
  const balanced = urls.length > 1;
  // First = outermost: a retry re-runs everything inside it. With several endpoints the balancer retries instead.
  // The trace interceptor sits outside the runtime's, so it records the codes they settle on.
  // One validator for all endpoints; an invalid request is neither retried nor traced as a call.
  const validation = options.validate
    ? [validationInterceptor(options.validate === true ? undefined : options.validate)]
    : [];
  const interceptorsFor = (baseUrl: string): Interceptor[] => [
    ...validation,
    ...(balanced ? [] : [retryInterceptor(retry)]),
    headersInterceptor(options.meshService, options.headers),
    clientTraceInterceptor(protocol, baseUrl, runtime.parentContext ?? activeContext),
    ...(runtime.interceptors ?? []),
    ...(options.interceptors ?? []),
  ];
  const streamTimeoutMs = options.streamTimeoutMs ?? 0;
  if (!(Number.isFinite(streamTimeoutMs) && streamTimeoutMs >= 0))
    throw new Error(`createClient: streamTimeoutMs must be >= 0, got ${streamTimeoutMs}`);
  const make = (baseUrl: string) =>
    runtime.makeTransport(baseUrl, {
      protocol,
      binary: options.binary ?? protocol !== "connect",
      interceptors: interceptorsFor(baseUrl),
    });
  if (!balanced) return withDefaultDeadlines(make(urls[0]), timeoutMs, streamTimeoutMs);
  if (!runtime.balance) {
    throw new Error(
      `createClient: ${urls.length} endpoints need the load balancer, which only @acme/platform/client/node has; give one baseUrl`,
    );
  }
  const maxAttempts = 1 + Math.max(0, retry.retries ?? 2);
  return withDefaultDeadlines(
    runtime.balance(urls, make, { policy: options.policy, maxAttempts }),
    timeoutMs,
    streamTimeoutMs,
  );
}

/**
 * Gives calls that set no timeout of their own the default deadline: one for
 * unary calls, another (none by default) for streams, which may rightly live
 * for hours (health Watch). A call's own timeoutMs, 0 included, wins.
 */
export function withDefaultDeadlines(
  transport: ClosableTransport,
  unaryMs: number,
  streamMs: number,
): ClosableTransport {
  return {
    ...(transport.close && { close: () => transport.close!() }),
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.unary(method, signal, timeoutMs ?? (unaryMs || undefined), header, input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.stream(method, signal, timeoutMs ?? (streamMs || undefined), header, input, contextValues),
  };
}
