// Custom options the Go protoc-gen-doc extracts into `options`, read from the
// option messages' unknown fields (protobuf-es keeps extension bytes there).
// An extension is read only when the request declares it under its usual
// name and number, so an unrelated option on the same number is left alone.
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { FileProto as FileDescriptorProto } from "./descriptor.js";
import { decodeHttpRule, type HttpExtension } from "./http.js";

interface UnknownField {
  no: number;
  wireType: WireType;
  data: Uint8Array;
}
type WithUnknown = { $unknown?: UnknownField[] } | undefined;

export const HTTP_EXTENSION = { name: "google.api.http", extendee: "google.protobuf.MethodOptions", number: 72295728 };
export const VALIDATOR_EXTENSION = { name: "validator.field", extendee: "google.protobuf.FieldOptions", number: 65020 };

/** The known extensions that some file of the request declares. */
export function declaredExtensions(files: FileDescriptorProto[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    for (const x of f.extension) {
      const name = f.package ? `${f.package}.${x.name}` : x.name;
      for (const known of [HTTP_EXTENSION, VALIDATOR_EXTENSION]) {
        if (name === known.name && x.number === known.number && x.extendee === `.${known.extendee}`) out.add(name);
      }
    }
  }
  return out;
}

/** The bytes of one length-delimited extension, merged as protobuf merges repeated occurrences of a message. */
function extensionBytes(options: WithUnknown, number: number): Uint8Array | undefined {
  const parts = (options?.$unknown ?? []).filter((u) => u.no === number && u.wireType === WireType.LengthDelimited);
  if (!parts.length) return undefined;
  const payloads = parts.map((p) => {
    const r = new BinaryReader(p.data);
    return r.bytes();
  });
  if (payloads.length === 1) return payloads[0];
  const all = new Uint8Array(payloads.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of payloads) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

export function httpOption(options: WithUnknown): HttpExtension | undefined {
  const bytes = extensionBytes(options, HTTP_EXTENSION.number);
  return bytes ? decodeHttpRule(bytes) : undefined;
}

export interface ValidatorRule {
  name: string;
  value: string | number | boolean;
}

// github.com/mwitkow/go-proto-validators FieldValidator: number -> [name, kind].
const VALIDATOR_FIELDS: Record<number, [string, "string" | "int64" | "bool" | "double" | "int32"]> = {
  1: ["regex", "string"],
  2: ["int_gt", "int64"],
  3: ["int_lt", "int64"],
  4: ["msg_exists", "bool"],
  5: ["human_error", "string"],
  6: ["float_gt", "double"],
  7: ["float_lt", "double"],
  8: ["float_epsilon", "double"],
  9: ["float_gte", "double"],
  10: ["float_lte", "double"],
  11: ["string_not_empty", "bool"],
  12: ["repeated_count_min", "int64"],
  13: ["repeated_count_max", "int64"],
  14: ["length_gt", "int64"],
  15: ["length_lt", "int64"],
  16: ["length_eq", "int64"],
  17: ["is_in_enum", "bool"],
  18: ["uuid_ver", "int32"],
};

/** validator.field as the Go plugin prints it: the rules that are set, by field number, as {name, value}. */
export function validatorOption(options: WithUnknown): ValidatorRule[] | undefined {
  const bytes = extensionBytes(options, VALIDATOR_EXTENSION.number);
  if (!bytes) return undefined;
  const seen = new Map<number, ValidatorRule>();
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    const known = VALIDATOR_FIELDS[no];
    if (!known) {
      r.skip(wt, no);
      continue;
    }
    const [name, kind] = known;
    let value: string | number | boolean;
    if (kind === "string") value = r.string();
    else if (kind === "bool") value = r.bool();
    else if (kind === "double") value = r.double();
    else if (kind === "int32") value = r.int32();
    else value = Number(r.int64());
    seen.set(no, { name, value }); // the last occurrence wins, as in protobuf
  }
  const rules = [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  return rules.length ? rules : undefined;
}
