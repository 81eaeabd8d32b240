import { getExtension, hasExtension, type DescMethod, type FileRegistry, type Message } from "@bufbuild/protobuf";

/** protoc-gen-doc's shape of the google.api.http option. */
export interface HttpExtension {
  rules: HttpRule[];
}

export interface HttpRule {
  method: string;
  pattern: string;
  body?: string;
}

const VERBS = ["get", "put", "post", "delete", "patch"] as const;

interface HttpRuleMessage extends Message {
  pattern: { case: string | undefined; value?: unknown };
  body: string;
  additionalBindings: HttpRuleMessage[];
}

/**
 * The method's google.api.http annotation, read through the registry: it is
 * only known when google/api/annotations.proto is among the request's files,
 * which it is whenever a file uses the option.
 */
export function httpRuleOf(method: DescMethod, registry: FileRegistry): HttpExtension | undefined {
  const ext = registry.getExtension("google.api.http");
  const opts = method.proto.options;
  if (!ext || !opts || !hasExtension(opts, ext)) return undefined;
  const root = getExtension(opts, ext) as unknown as HttpRuleMessage;
  const rules: HttpRule[] = [];
  const add = (r: HttpRuleMessage) => {
    const { case: kind, value } = r.pattern;
    let rule: HttpRule | undefined;
    if (kind && (VERBS as readonly string[]).includes(kind)) rule = { method: kind.toUpperCase(), pattern: String(value) };
    else if (kind === "custom") {
      const c = value as { kind: string; path: string };
      rule = { method: c.kind, pattern: c.path };
    }
    if (rule) {
      if (r.body) rule.body = r.body;
      rules.push(rule);
    }
    for (const b of r.additionalBindings ?? []) add(b);
  };
  add(root);
  return rules.length ? { rules } : undefined;
}
