// The markdown renderer: the structure of protoc-gen-doc's markdown.tmpl
// (table of contents, one section per file, field/enum/method tables, scalar
// table), with maps as map<K, V>, oneofs, presence and deprecation shown.
// Anchors are Go's, so links into a Go-generated README keep working: "/"
// becomes "_", then every other character outside [A-Za-z0-9_-] becomes "-"
// (google/api/http.proto -> google_api_http-proto), and map entries keep
// their sections.
import type { Enum, File, Message, MessageField, Service, Template } from "../model.js";

const anchor = (s: string) => s.replace(/\//g, "_").replace(/[^A-Za-z0-9_-]/g, "-");

// In a table cell: one line, pipes escaped, and HTML kept inert (outside code spans).
function cell(text: string): string {
  return block(text.replace(/\r?\n+/g, " ").replace(/\|/g, "\\|"));
}

// HTML kept inert outside code spans.
function block(text: string): string {
  return text
    .split("`")
    .map((part, i) => (i % 2 === 0 ? part.replace(/</g, "&lt;").replace(/>/g, "&gt;") : part))
    .join("`");
}

function typeLink(longType: string, fullType: string, known: Set<string>): string {
  return known.has(fullType) ? `[${longType}](#${anchor(fullType)})` : longType;
}

function fieldType(f: MessageField, known: Set<string>): string {
  if (f.ismap && f.mapKeyType && f.mapValueFullType) {
    return `map<${f.mapKeyType}, ${typeLink(f.mapValueLongType!, f.mapValueFullType, known)}>`;
  }
  return typeLink(f.longType, f.fullType, known);
}

function fieldLabel(f: MessageField): string {
  if (f.ismap) return "";
  if (f.isoneof) return `oneof ${f.oneofdecl}`;
  return f.label;
}

function deprecated(d: boolean): string {
  return d ? "**Deprecated.** " : "";
}

/** The start of a message's, enum's or service's section: its anchor, its name and its description. */
function sectionHead(x: { fullName: string; longName: string; deprecated: boolean; description: string }): string[] {
  return [
    `<a name="${anchor(x.fullName)}"></a>`,
    "",
    `### ${x.longName}`,
    deprecated(x.deprecated) + block(x.description),
    "",
  ];
}

function message(m: Message, known: Set<string>): string[] {
  const out = sectionHead(m);
  if (m.hasFields) {
    out.push("| Field | Type | Label | Description |", "| ----- | ---- | ----- | ----------- |");
    for (const f of m.fields) {
      const presence =
        f.presence === "explicit" && !f.fullType.includes(".") && !f.isoneof ? " Has explicit presence." : "";
      const dflt = f.defaultValue ? ` Default: \`${f.defaultValue}\`` : "";
      out.push(
        `| ${f.name} | ${fieldType(f, known)} | ${fieldLabel(f)} | ${deprecated(f.deprecated)}${cell(f.description)}${presence}${dflt} |`,
      );
    }
    out.push("");
  }
  if (m.hasExtensions) out.push(...extensionTable(m.extensions), "");
  return out;
}

function extensionTable(exts: File["extensions"]): string[] {
  return [
    "| Extension | Type | Base | Number | Description |",
    "| --------- | ---- | ---- | ------ | ----------- |",
    ...exts.map(
      (x) =>
        `| ${x.name} | ${x.longType} | ${x.containingLongType} | ${x.number} | ${deprecated(x.deprecated)}${cell(x.description)}${x.defaultValue ? ` Default: \`${x.defaultValue}\`` : ""} |`,
    ),
  ];
}

function enumSection(e: Enum): string[] {
  return [
    ...sectionHead(e),
    "| Name | Number | Description |",
    "| ---- | ------ | ----------- |",
    ...e.values.map((v) => `| ${v.name} | ${v.number} | ${deprecated(v.deprecated)}${cell(v.description)} |`),
    "",
  ];
}

function serviceSection(s: Service, known: Set<string>): string[] {
  const out = sectionHead(s);
  out.push(
    "| Method Name | Request Type | Response Type | Description |",
    "| ----------- | ------------ | ------------- | ------------|",
  );
  for (const m of s.methods) {
    const req = `${m.requestStreaming ? "stream " : ""}${typeLink(m.requestLongType, m.requestFullType, known)}`;
    const res = `${m.responseStreaming ? "stream " : ""}${typeLink(m.responseLongType, m.responseFullType, known)}`;
    const http = m.http ? ` HTTP: ${m.http.rules.map((r) => `\`${r.method} ${r.pattern}\``).join(", ")}` : "";
    out.push(`| ${m.name} | ${req} | ${res} | ${deprecated(m.deprecated)}${cell(m.description)}${http} |`);
  }
  out.push("");
  return out;
}

export function renderMarkdown(model: Template): string {
  const known = new Set<string>();
  for (const f of model.files) {
    for (const m of f.messages) known.add(m.fullName);
    for (const e of f.enums) known.add(e.fullName);
  }
  for (const s of model.scalarValueTypes) known.add(s.protoType);
  const out: string[] = ["# Protocol Documentation", '<a name="top"></a>', "", "## Table of Contents", ""];
  for (const f of model.files) {
    out.push(`- [${f.name}](#${anchor(f.name)})`);
    for (const m of f.messages) out.push(`    - [${m.longName}](#${anchor(m.fullName)})`);
    for (const e of f.enums) out.push(`    - [${e.longName}](#${anchor(e.fullName)})`);
    if (f.hasExtensions) out.push(`    - [File-level Extensions](#${anchor(f.name)}-extensions)`);
    for (const s of f.services) out.push(`    - [${s.longName}](#${anchor(s.fullName)})`);
  }
  out.push("", "- [Scalar Value Types](#scalar-value-types)", "", "");
  for (const f of model.files) {
    out.push(
      `<a name="${anchor(f.name)}"></a>`,
      '<p align="right"><a href="#top">Top</a></p>',
      "",
      `## ${f.name}`,
      deprecated(f.deprecated) + block(f.description),
      "",
    );
    if (f.edition) out.push(`Edition ${f.edition}.`, "");
    for (const m of f.messages) out.push(...message(m, known));
    for (const e of f.enums) out.push(...enumSection(e));
    if (f.hasExtensions)
      out.push(
        `<a name="${anchor(f.name)}-extensions"></a>`,
        "",
        "### File-level Extensions",
        ...extensionTable(f.extensions),
        "",
      );
    for (const s of f.services) out.push(...serviceSection(s, known));
  }
  out.push(
    "## Scalar Value Types",
    "",
    "| .proto Type | Notes | C++ | Java | Python | Go | C# | PHP | Ruby |",
    "| ----------- | ----- | --- | ---- | ------ | -- | -- | --- | ---- |",
  );
  for (const s of model.scalarValueTypes) {
    out.push(
      `| <a name="${s.protoType}" /> ${s.protoType} | ${s.notes} | ${s.cppType} | ${s.javaType} | ${s.pythonType} | ${s.goType} | ${s.csType} | ${s.phpType} | ${s.rubyType} |`,
    );
  }
  return `${out.join("\n")}\n`;
}
