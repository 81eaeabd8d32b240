import { format } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { HTTPResponseSchema, type HTTPResponse } from "./gen.js";
import { decodeStatus, utf8FromBytes, wellFormed, type RpcStatus } from "@acme/h2";

export { decodeStatus, encodeStatus, type RpcAny, type RpcStatus } from "@acme/h2";

/** The type URL of the one detail an httpgrpc error carries. */
export const HTTP_RESPONSE_TYPE_URL = "type.googleapis.com/httpgrpc.HTTPResponse";
const HTTP_RESPONSE_TYPE = "httpgrpc.HTTPResponse";

/**
 * The gRPC error for an HTTP response, as upstream's ErrorFromHTTPResponse: its code is the
 * HTTP status itself (e.g. 500, outside the canonical gRPC codes), its message the body (or
 * `message`), and its status details exactly one Any holding the serialized HTTPResponse.
 * Thrown from a Connect handler, it is sent as `grpc-status: 500` plus a matching
 * `grpc-status-details-bin`.
 */
export function errorFromHTTPResponse(resp: HTTPResponse, message?: string): ConnectError {
  const msg = wellFormed(message ?? utf8FromBytes(resp.body));
  // ConnectError's type only lists canonical codes, but it carries and sends any integer.
  const err = new ConnectError(msg, resp.Code as number as ConnectError["code"]);
  // Already-serialized form: Connect writes it as Any{type.googleapis.com/<type>, value} unchanged.
  err.details.push({ type: HTTP_RESPONSE_TYPE, value: toBinary(HTTPResponseSchema, resp) });
  return err;
}

/** An httpgrpc error with `code` and a formatted body, as upstream's Errorf. */
export function errorf(code: number, fmt: string, ...args: unknown[]): ConnectError {
  return errorFromHTTPResponse(
    create(HTTPResponseSchema, { Code: code, body: new TextEncoder().encode(format(fmt, ...args)) }),
  );
}

/** Whether a type URL names httpgrpc.HTTPResponse (only its last segment counts, as upstream). */
function isHTTPResponseType(typeUrl: string): boolean {
  return typeUrl.slice(typeUrl.lastIndexOf("/") + 1) === HTTP_RESPONSE_TYPE;
}

/** The google.rpc.Status of a grpc-js style error (`metadata.get("grpc-status-details-bin")`), if any. */
function statusFromMetadata(err: unknown): RpcStatus | undefined {
  const md = (err as { metadata?: { get?(key: string): unknown[] } } | null)?.metadata;
  if (!md || typeof md.get !== "function") return undefined;
  const bin = md.get("grpc-status-details-bin")[0];
  if (!(bin instanceof Uint8Array)) return undefined;
  try {
    return decodeStatus(bin);
  } catch {
    return undefined;
  }
}

/**
 * The HTTPResponse carried by an httpgrpc error, as upstream's HTTPResponseFromError: it needs
 * exactly one detail whose type URL ends in httpgrpc.HTTPResponse. Works on a ConnectError and on
 * a @grpc/grpc-js ServiceError. Returns undefined for "not an httpgrpc error".
 */
export function httpResponseFromError(err: unknown): HTTPResponse | undefined {
  let detail: { type: string; value: Uint8Array } | undefined;
  if (err instanceof ConnectError) {
    const raw = err.details.filter((d): d is { type: string; value: Uint8Array } => !("desc" in d));
    if (err.details.length !== 1 || raw.length !== 1) return undefined;
    detail = raw[0];
  } else {
    const status = statusFromMetadata(err);
    if (status?.details.length !== 1) return undefined;
    detail = { type: status.details[0].typeUrl, value: status.details[0].value };
  }
  if (!isHTTPResponseType(detail.type)) return undefined;
  try {
    return fromBinary(HTTPResponseSchema, detail.value);
  } catch {
    return undefined;
  }
}
