// A real @acme/platform createServer on 127.0.0.1:0 with a logger that records
// what it is told, and grpc-js health clients: for the platform tests and the
// examples' tests.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { join } from "node:path";
import {
  createServer,
  defineService,
  type CreateServerOptions,
  type Logger,
  type PlatformServer,
} from "@acme/platform/server";
import { GreeterService, greeterImpl } from "./greeter.js";
import { repoRoot } from "./repo.js";

export interface LogLine {
  level: "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown>;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const rec =
    (level: LogLine["level"]) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, msg, fields });
  return { lines, info: rec("info"), warn: rec("warn"), error: rec("error") };
}

export interface Started {
  server: PlatformServer;
  url: string;
  port: number;
  logger: ReturnType<typeof recordingLogger>;
  close(): Promise<void>;
}

/** createServer with the demo greeter (plus whatever `options` add), listening on a random port. */
export async function startServer(options: CreateServerOptions = {}): Promise<Started> {
  const logger = recordingLogger();
  const server = createServer({
    logger,
    ...options,
    services: options.services ?? [defineService(GreeterService, greeterImpl)],
  });
  const { url, port } = await server.listen(0, "127.0.0.1");
  return { server, url, port, logger, close: () => server.shutdown({ timeoutMs: 2000 }) };
}

/** grpc.health.v1 messages as these clients decode them (field names as in the proto, enums by name). */
export interface HealthStatus {
  status: string;
}
export interface HealthStatuses {
  statuses: Record<string, HealthStatus>;
}

/** A grpc.health.v1.Health client, built by grpc-js at run time; unary methods are called through `unary`. */
export type HealthClient = grpc.Client & {
  watch(req: { service: string }): grpc.ClientReadableStream<HealthStatus>;
};

/** A plain grpc-js client for grpc.health.v1, from the repo's own proto file. */
export function grpcJsHealthClient(port: number): HealthClient {
  const def = protoLoader.loadSync(join(repoRoot, "proto/grpc/health/v1/health.proto"), {
    keepCase: true,
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  return new pkg.grpc.health.v1.Health(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as HealthClient;
}

/** grpc-node's official health client (grpc-health-check's service definition). */
export async function officialHealthClient(
  port: number,
  credentials = grpc.credentials.createInsecure(),
  options?: grpc.ClientOptions,
): Promise<HealthClient> {
  const { service } = await import("grpc-health-check");
  const Ctor = grpc.makeGenericClientConstructor(service, "Health");
  return new Ctor(`127.0.0.1:${port}`, credentials, options) as unknown as HealthClient;
}

type UnaryMethod<T> = (req: unknown, cb: (err: grpc.ServiceError | null, res: T) => void) => void;

/** Calls the unary method `method` of a client grpc-js built at run time. */
export function unary<T>(client: grpc.Client, method: string, req: unknown): Promise<T> {
  const fn = (client as unknown as Record<string, UnaryMethod<T>>)[method];
  // No deadline: one a slow machine could hit would fail the test for the wrong reason.
  return new Promise((resolve, reject) => fn.call(client, req, (err, res) => (err ? reject(err) : resolve(res))));
}

/**
 * Collects the messages of a grpc-js server stream; `next()` waits for the next one, and fails
 * when the stream ends without it (an event, not a timer, so a slow machine cannot trip it).
 */
export function streamReader<T>(call: grpc.ClientReadableStream<T>) {
  const queue: T[] = [];
  const waiters: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  let status: grpc.StatusObject | undefined;
  let error: grpc.ServiceError | undefined;
  const endedWithout = () =>
    new Error(`the stream ended without another message (status ${status?.code}: ${status?.details})`);
  const ended = new Promise<void>((resolve) => {
    call.on("status", (s) => {
      status = s;
      for (const w of waiters.splice(0)) w.reject(endedWithout());
      resolve();
    });
    call.on("error", (e: grpc.ServiceError) => (error = e));
  });
  call.on("data", (m: T) => {
    const w = waiters.shift();
    if (w) w.resolve(m);
    else queue.push(m);
  });
  return {
    next(): Promise<T> {
      if (queue.length) return Promise.resolve(queue.shift()!);
      if (status) return Promise.reject(endedWithout());
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    pending: () => queue.length,
    ended,
    get status() {
      return status;
    },
    get error() {
      return error;
    },
  };
}
