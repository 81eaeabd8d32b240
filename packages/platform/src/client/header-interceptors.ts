import type { Interceptor } from "@connectrpc/connect";

/** Sets `service: <name>` for mesh header-based routing, and any fixed headers. */
export function headersInterceptor(meshService: string | undefined, headers: Record<string, string> = {}): Interceptor {
  return (next) => (req) => {
    for (const [k, v] of Object.entries(headers)) if (!req.header.has(k)) req.header.set(k, v);
    if (meshService) req.header.set("service", meshService);
    return next(req);
  };
}
