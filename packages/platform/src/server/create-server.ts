import type * as http from "node:http";
import * as http2 from "node:http2";
import type * as net from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter, Interceptor, ServiceImpl } from "@connectrpc/connect";
import { createHealthService, Health, HealthStatusRegistry, ServingStatus } from "@acme/grpc-health";
import {
  createMonitoringService,
  DependencyMonitor,
  MonitoringService,
  type DependencyMonitorOptions,
} from "@acme/monitoring";
import { authDecider, authInterceptor, type AuthOptions } from "./interceptors/auth-interceptor.js";
import { deadlineInterceptor } from "./interceptors/deadline-interceptor.js";
import { drainInterceptor } from "./interceptors/drain-interceptor.js";
import { errorInterceptor } from "./interceptors/error-interceptor.js";
import { loggingInterceptor } from "./interceptors/logging-interceptor.js";
import { traceInterceptor } from "./interceptors/trace-interceptor.js";
import { registerReflection } from "./reflection/reflection-service.js";
import { validationInterceptor, type ValidatorOptions } from "../validation/validate.js";
import { applyCors, type CorsOptions } from "./cors.js";
import { jsonLogger, type Logger } from "./logger.js";
import {
  boundedCompressions,
  closeWhenIdle,
  tagRawSocket,
  DEFAULT_DECOMPRESSED_MAX_BYTES,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_READ_MAX_BYTES,
} from "./limits.js";
import { createOnePortServers } from "./one-port.js";
import { rpcAdapter } from "./rpc-adapter.js";
import {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type Http1Handler,
  type ListenAddress,
  listenOn,
  type NodeRequest,
  type NodeResponse,
} from "@acme/h2/node-server";

/** One service and its implementation; `defineService` keeps the two in step for the type checker. */
export interface ServiceRegistration {
  service: DescService;
  impl: Partial<ServiceImpl<DescService>>;
}

export function defineService<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): ServiceRegistration {
  return { service, impl: impl as Partial<ServiceImpl<DescService>> };
}

export interface CreateServerOptions {
  /** The application's services: registrations, or a Connect routes function. */
  services?: ServiceRegistration[] | ((router: ConnectRouter) => void);
  /** The application's own interceptors; they run inside the default ones (after auth). */
  interceptors?: Interceptor[];
  /** The health registry to serve (default: a new one). Registered services start SERVING on listen. */
  health?: HealthStatusRegistry;
  /**
   * The dependency monitor to serve, or options for a new one (default: a new
   * one). Its aggregate drives the health status of "" unless the options say
   * otherwise (`tieToHealth: false`).
   */
  monitoring?: DependencyMonitor | (DependencyMonitorOptions & { tieToHealth?: boolean });
  /** Bearer-token authentication; without it every call is anonymous. */
  auth?: AuthOptions;
  /** Default: JSON lines on stderr. */
  logger?: Logger;
  /**
   * Deadline of unary calls that come without one (default 30 000 ms); 0 for none, as a client's
   * `timeoutMs`. (`false`, the old spelling of none, is still accepted but deprecated.)
   */
  defaultTimeoutMs?: number | false;
  /** Default time shutdown() lets in-flight calls finish (10 000 ms). */
  shutdownTimeoutMs?: number;
  /**
   * Requests no RPC route matches: an existing REST app on the same port,
   * e.g. `expressFallback(app)` or `fastifyFallback(fastify)`. Default 404.
   */
  fallback?: Http1Handler;
  /**
   * Run each handler inside its trace (AsyncLocalStorage), so that Node
   * clients from @acme/platform/client/node pass traceparent and the request
   * id on without being told (default true). Without it, pass them yourself
   * from `ctx.values.get(traceKey)`; see the README for what the scope costs.
   */
  traceScope?: boolean;
  /** Let browsers on other origins call (Connect and gRPC-web). Default: same origin only. */
  cors?: CorsOptions;
  /**
   * gRPC server reflection (grpc.reflection.v1 and v1alpha), so that grpcurl,
   * `buf curl`, Postman and the like find every served service and its
   * messages without being handed the protos (default true). It answers
   * behind `auth` like any other service; list it in `auth.public` to open it.
   */
  reflection?: boolean;
  /**
   * Check every request message against its buf.validate rules
   * (protovalidate) before the handler sees it; a violation is
   * INVALID_ARGUMENT with a google.rpc.BadRequest detail listing each field
   * (default true; `false` to turn off, or @bufbuild/protovalidate's options).
   */
  validate?: boolean | ValidatorOptions;
  /** Serve TLS (HTTP/2 and HTTP/1.1 negotiated by ALPN) instead of cleartext. */
  tls?: http2.SecureServerOptions;
  /**
   * Largest request message accepted, in bytes as received (compressed or
   * not); a bigger one, or a gRPC prefix declaring one, is refused with
   * RESOURCE_EXHAUSTED before it is read (default 4 MiB, as gRPC's).
   */
  readMaxBytes?: number;
  /**
   * Largest request message after gzip/brotli decompression; inflating stops
   * there with RESOURCE_EXHAUSTED (default 4 MiB, as gRPC's).
   */
  decompressedMaxBytes?: number;
  /**
   * A new connection must show its protocol (the HTTP/2 preface, or an
   * HTTP/1.1 request head) and an HTTP/2 peer send its SETTINGS within this,
   * or it is closed (default 10 000 ms).
   */
  handshakeTimeoutMs?: number;
  /** An HTTP/2 connection with no stream open for this long gets GOAWAY (NO_ERROR) and is closed (default 120 000 ms). */
  idleTimeoutMs?: number;
  /** Streams one HTTP/2 connection may have open, advertised as SETTINGS_MAX_CONCURRENT_STREAMS and enforced by nghttp2 (default 100; Node's is unlimited). */
  maxConcurrentStreams?: number;
}

export interface PlatformServer {
  readonly health: HealthStatusRegistry;
  readonly monitoring: DependencyMonitor;
  /** The request handler, for mounting in a server of your own. */
  readonly handler: (req: NodeRequest, res: NodeResponse) => void;
  /** HTTP requests being served right now. */
  readonly inFlight: number;
  /** Listens (default 127.0.0.1, a random port) and resolves with the bound address, as @acme/httpgrpc's listen() does. */
  listen(port?: number, host?: string): Promise<ListenAddress>;
  /**
   * Graceful shutdown: every health status goes NOT_SERVING, the port stops
   * accepting, Watch streams end cleanly, new calls are refused with
   * UNAVAILABLE, and in-flight calls get up to `timeoutMs` to finish before
   * their connections are cut.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** shutdown() with the defaults, as @acme/httpgrpc's close(). */
  close(): Promise<void>;
}

export interface ShutdownOptions {
  /** How long in-flight calls get to finish (default: the server's shutdownTimeoutMs). */
  timeoutMs?: number;
  /**
   * Keep serving this long after health turns NOT_SERVING, so load balancers
   * and kubelets probing health see it before connections close (default 0).
   */
  notServingDelayMs?: number;
}

export function createServer(options: CreateServerOptions = {}): PlatformServer {
  const logger = options.logger ?? jsonLogger;
  const health = options.health ?? new HealthStatusRegistry();
  const monitoring =
    options.monitoring instanceof DependencyMonitor
      ? options.monitoring
      : new DependencyMonitor({
          ...options.monitoring,
          health: options.monitoring?.tieToHealth === false ? undefined : health,
        });
  const registrations = typeof options.services === "function" ? [] : (options.services ?? []);
  let draining = false;

  const interceptors: Interceptor[] = [
    drainInterceptor(() => draining),
    traceInterceptor(options.traceScope ?? true),
    loggingInterceptor(logger),
    errorInterceptor(logger),
    deadlineInterceptor(
      options.defaultTimeoutMs === false ? undefined : (options.defaultTimeoutMs ?? 30_000) || undefined,
    ),
    ...(options.auth ? [authInterceptor(options.auth, logger)] : []),
    ...(options.validate === false
      ? []
      : [validationInterceptor(options.validate === true ? undefined : options.validate, true)]),
    ...(options.interceptors ?? []),
  ];

  const readMaxBytes = options.readMaxBytes ?? DEFAULT_READ_MAX_BYTES;
  const decompressedMaxBytes = options.decompressedMaxBytes ?? DEFAULT_DECOMPRESSED_MAX_BYTES;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const http2Settings = {
    settings: { maxConcurrentStreams: options.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS },
  };

  const rpcHandler = rpcAdapter({
    interceptors,
    logger,
    readMaxBytes,
    acceptCompression: boundedCompressions(decompressedMaxBytes),
    authorize: options.auth ? authDecider(options.auth, logger) : undefined,
    fallback: options.fallback as Parameters<typeof rpcAdapter>[0]["fallback"],
    routes(router) {
      router.service(Health, createHealthService(health));
      router.service(MonitoringService, createMonitoringService(monitoring));
      if (typeof options.services === "function") options.services(router);
      for (const r of registrations) router.service(r.service, r.impl);
      if (options.reflection ?? true) registerReflection(router);
    },
  });

  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  const handler = (req: NodeRequest, res: NodeResponse) => {
    inFlight++;
    res.once("close", () => {
      if (--inFlight === 0) {
        for (const w of idleWaiters) w();
        idleWaiters = [];
      }
    });
    // An HTTP/1.1 keep-alive connection would otherwise outlive the drain.
    if (draining && req.httpVersionMajor === 1) (res as http.ServerResponse).setHeader("connection", "close");
    if (options.cors && applyCors(options.cors, req, res)) return;
    rpcHandler(req, res);
  };

  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.Http2Session>();
  let listener: net.Server;
  let http1: http.Server | undefined;
  if (options.tls) {
    const secure = http2.createSecureServer(
      { allowHTTP1: true, handshakeTimeout: handshakeTimeoutMs, ...http2Settings, ...options.tls },
      handler,
    );
    secure.on("secureConnection", tagRawSocket);
    secure.on("session", (s: http2.Http2Session) => {
      track(sessions, s);
      closeWhenIdle(s, handshakeTimeoutMs, idleTimeoutMs);
    });
    listener = secure;
  } else {
    const servers = createOnePortServers(handler, http2Settings, handshakeTimeoutMs);
    servers.http2.on("session", (s: http2.Http2Session) => {
      track(sessions, s);
      closeWhenIdle(s, handshakeTimeoutMs, idleTimeoutMs);
    });
    listener = servers.listener;
    http1 = servers.http1;
  }
  listener.on("connection", (s: net.Socket) => {
    track(sockets, s);
    tagRawSocket(s);
  });

  let closing: Promise<void> | undefined;
  let listening = false;

  return {
    health,
    monitoring,
    handler,
    get inFlight() {
      return inFlight;
    },

    async listen(port = 0, host = "127.0.0.1") {
      const at = await listenOn(listener, port, host, options.tls ? "https" : "http");
      listening = true;
      for (const r of registrations) health.setStatus(r.service.typeName, ServingStatus.SERVING);
      monitoring.start();
      logger.info("listening", { port: at.port, host: at.host, tls: !!options.tls });
      return at;
    },

    shutdown,
    close: () => shutdown(),
  };
  function shutdown({
    timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    notServingDelayMs = 0,
  }: ShutdownOptions = {}): Promise<void> {
    closing ??= (async () => {
      health.shutdown();
      if (notServingDelayMs > 0) await new Promise((r) => setTimeout(r, notServingDelayMs));
      draining = true;
      const closed = listening ? new Promise<void>((r) => listener.close(() => r())) : Promise.resolve();
      for (const s of sessions) if (!s.closed) s.close();
      http1?.closeIdleConnections();
      health.endWatches();
      monitoring.stop();
      const drained = inFlight === 0 || (await waitFor((w) => idleWaiters.push(w), timeoutMs));
      if (!drained) logger.warn("shutdown timed out; cutting in-flight calls", { inFlight, timeoutMs });
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      await closed;
      logger.info("shut down", { drained });
    })();
    return closing;
  }
}

function track<T extends { once(event: "close", cb: () => void): unknown }>(set: Set<T>, item: T): void {
  set.add(item);
  item.once("close", () => set.delete(item));
}

/** true if `register`'s callback ran within `ms`, false on timeout. */
function waitFor(register: (wake: () => void) => void, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    register(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
