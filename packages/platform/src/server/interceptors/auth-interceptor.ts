import { Code, ConnectError, createContextKey, type Interceptor } from "@connectrpc/connect";
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

/** The outcome of checking a call's token: its identity, or why it is refused; "public" needs none. */
export type AuthDecision = { identity: unknown } | { error: ConnectError } | "public";

/**
 * The decision made from the request headers before Connect reads the body
 * (see rpc-adapter.ts), so that an unauthenticated peer cannot make us read,
 * buffer or inflate its body. The interceptor then only applies it.
 */
export const authDecisionKey = createContextKey<Promise<AuthDecision> | undefined>(undefined, {
  description: "@acme/platform auth decision",
});

/** Decides from the headers alone: a public procedure, or `authorization: Bearer <token>` → `verify`. */
export function authDecider(
  options: AuthOptions,
  logger: Logger,
): (service: string, procedure: string, header: Headers) => Promise<AuthDecision> {
  const open = new Set([...ALWAYS_PUBLIC, ...(options.public ?? [])]);
  return async (service, procedure, header) => {
    if (open.has(service) || open.has(procedure)) return "public";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header.get("authorization") ?? "");
    if (!m) return { error: new ConnectError("missing bearer token", Code.Unauthenticated) };
    let identity: unknown;
    try {
      identity = await options.verify(m[1], { procedure, header });
    } catch (err) {
      logger.warn("token rejected", { procedure, reason: err instanceof Error ? err.message : String(err) });
      identity = undefined;
    }
    if (identity === undefined || identity === null)
      return { error: new ConnectError("invalid token", Code.Unauthenticated) };
    return { identity };
  };
}

/** Requires `authorization: Bearer <token>` on every non-public call. */
export function authInterceptor(options: AuthOptions, logger: Logger): Interceptor {
  const decide = authDecider(options, logger);
  return (next) => async (req) => {
    const procedure = `/${req.service.typeName}/${req.method.name}`;
    const decision = await (req.contextValues.get(authDecisionKey) ??
      decide(req.service.typeName, procedure, req.header));
    if (decision === "public") return next(req);
    if ("error" in decision) throw decision.error;
    req.contextValues.set(identityKey, decision.identity);
    return next(req);
  };
}
