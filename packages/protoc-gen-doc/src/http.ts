import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** protoc-gen-doc's shape of the google.api.http option. */
export interface HttpExtension {
  rules: HttpRule[];
}

export interface HttpRule {
  method: string;
  pattern: string;
  body?: string;
}

// google/api/http.proto: HttpRule's field numbers.
const VERBS: Record<number, string> = { 2: "GET", 3: "PUT", 4: "POST", 5: "DELETE", 6: "PATCH" };
const RULE_BODY = 7;
const RULE_CUSTOM = 8;
const RULE_ADDITIONAL_BINDINGS = 11;

/**
 * Decodes a google.api.HttpRule (the option's bytes) into protoc-gen-doc's
 * rules: the rule itself, then its additional bindings, depth first. Read on
 * the wire rather than through a registry of every file, which cost more than
 * the rest of the model on large trees.
 */
export function decodeHttpRule(bytes: Uint8Array): HttpExtension | undefined {
  const rules: HttpRule[] = [];
  const add = (data: Uint8Array) => {
    const r = new BinaryReader(data);
    let rule: HttpRule | undefined;
    let body = "";
    const nested: Uint8Array[] = [];
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      if (wt !== WireType.LengthDelimited) {
        r.skip(wt, no);
        continue;
      }
      if (VERBS[no]) rule = { method: VERBS[no], pattern: r.string() };
      else if (no === RULE_CUSTOM) rule = customPattern(r.bytes());
      else if (no === RULE_BODY) body = r.string();
      else if (no === RULE_ADDITIONAL_BINDINGS) nested.push(r.bytes());
      else r.skip(wt, no);
    }
    if (rule) {
      if (body) rule.body = body;
      rules.push(rule);
    }
    nested.forEach(add);
  };
  add(bytes);
  return rules.length ? { rules } : undefined;
}

function customPattern(bytes: Uint8Array): HttpRule {
  const r = new BinaryReader(bytes);
  const rule = { method: "", pattern: "" };
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.LengthDelimited) rule.method = r.string();
    else if (no === 2 && wt === WireType.LengthDelimited) rule.pattern = r.string();
    else r.skip(wt, no);
  }
  return rule;
}
