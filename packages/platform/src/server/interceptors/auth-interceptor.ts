import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { identityKey } from "../context-keys.js";
import type { Logger } from "../logger.js";

export interface AuthCall {
  /** "/acme.greeter.v1.GreeterService/SayHello" */
  procedure: string;
  header: Headers;
}

export interface AuthOptions {
  /**
   * Checks the bearer token and returns the caller's identity, which handlers
   * read with `ctx.values.get(identityKey)`. Throwing or returning
   * undefined/null rejects the call with UNAUTHENTICATED.
   */
  verify(token: string, call: AuthCall): unknown;
  /**
   * Services ("grpc.health.v1.Health") or procedures ("/pkg.Svc/Method")
   * callable without a token. Health checking is always public: load
   * balancers and kubelets carry no tokens.
   */
  public?: string[];
}

export const ALWAYS_PUBLIC = ["grpc.health.v1.Health"];

/** Requires `authorization: Bearer <token>` on every non-public call. */
export function authInterceptor(options: AuthOptions, logger: Logger): Interceptor {
  const open = new Set([...ALWAYS_PUBLIC, ...(options.public ?? [])]);
  return (next) => async (req) => {
    const procedure = `/${req.service.typeName}/${req.method.name}`;
    if (open.has(req.service.typeName) || open.has(procedure)) return next(req);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.header.get("authorization") ?? "");
    if (!m) throw new ConnectError("missing bearer token", Code.Unauthenticated);
    let identity: unknown;
    try {
      identity = await options.verify(m[1], { procedure, header: req.header });
    } catch (err) {
      logger.warn("token rejected", { procedure, reason: err instanceof Error ? err.message : String(err) });
      identity = undefined;
    }
    if (identity === undefined || identity === null) throw new ConnectError("invalid token", Code.Unauthenticated);
    req.contextValues.set(identityKey, identity);
    return next(req);
  };
}
