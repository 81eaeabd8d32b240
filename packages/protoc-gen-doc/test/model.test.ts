// The JSON model on tricky protos, produced by the real buf running the
// plugin from source: protoc-gen-doc's fields keep their meaning, our
// extra keys carry what it never had.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { File, Message, Template } from "../src/model.js";
import { runPlugin } from "./support/run-plugin.js";

let model: Template;
let markdown: string;
const outs: string[] = [];

const file = (name: string): File => {
  const f = model.files.find((x) => x.name === name);
  assert.ok(f, `file ${name} in the model`);
  return f;
};
const message = (f: File, longName: string): Message => {
  const m = f.messages.find((x) => x.longName === longName);
  assert.ok(m, `message ${longName} in ${f.name}`);
  return m;
};
const field = (m: Message, name: string) => {
  const f = m.fields.find((x) => x.name === name);
  assert.ok(f, `field ${name} in ${m.fullName}`);
  return f;
};

before(async () => {
  // ":google/.*" is protoc-gen-doc's exclude syntax: the vendored annotations stay out.
  const json = await runPlugin(["json", "docs.json:google/.*"]);
  const md = await runPlugin(["markdown", "README.md:google/.*"]);
  outs.push(json.outDir, md.outDir);
  model = JSON.parse(readFileSync(join(json.outDir, "docs.json"), "utf8")) as Template;
  markdown = readFileSync(join(md.outDir, "README.md"), "utf8");
});
after(() => {
  for (const d of outs) rmSync(d, { recursive: true, force: true });
});

describe("protoc-gen-doc JSON model", () => {
  it("has protoc-gen-doc's top-level shape and excludes files by pattern", () => {
    assert.deepEqual(Object.keys(model), ["files", "scalarValueTypes"]);
    assert.deepEqual(model.files.map((f) => f.name).sort(), [
      "fidelity/v1/fidelity.proto",
      "legacy/v1/legacy.proto",
      "tricky/v1/editions.proto",
      "tricky/v1/inject.proto",
      "tricky/v1/tricky.proto",
      "validator/validator.proto",
    ]);
    assert.equal(model.scalarValueTypes.length, 15);
    assert.deepEqual(Object.keys(model.scalarValueTypes[0]).sort(), [
      "cppType",
      "csType",
      "goType",
      "javaType",
      "notes",
      "phpType",
      "protoType",
      "pythonType",
      "rubyType",
    ]);
    const f = file("tricky/v1/tricky.proto");
    for (const k of [
      "name",
      "description",
      "package",
      "hasEnums",
      "hasExtensions",
      "hasMessages",
      "hasServices",
      "enums",
      "extensions",
      "messages",
      "services",
    ])
      assert.ok(k in f, `file.${k}`);
    const m = message(f, "Outer");
    for (const k of [
      "name",
      "longName",
      "fullName",
      "description",
      "hasExtensions",
      "hasFields",
      "hasOneofs",
      "extensions",
      "fields",
    ])
      assert.ok(k in m, `message.${k}`);
    for (const k of [
      "name",
      "description",
      "label",
      "type",
      "longType",
      "fullType",
      "ismap",
      "isoneof",
      "oneofdecl",
      "defaultValue",
    ])
      assert.ok(k in m.fields[0], `field.${k}`);
    const meth = f.services[0].methods[0];
    for (const k of [
      "name",
      "description",
      "requestType",
      "requestLongType",
      "requestFullType",
      "requestStreaming",
      "responseType",
      "responseLongType",
      "responseFullType",
      "responseStreaming",
    ])
      assert.ok(k in meth, `method.${k}`);
  });

  it("flattens nested messages and enums, sorted by long name, with long and full names", () => {
    const f = file("tricky/v1/tricky.proto");
    assert.deepEqual(
      f.messages.map((m) => m.longName),
      ["Outer", "Outer.InnersEntry", "Outer.LabelsEntry", "Outer.Middle", "Outer.Middle.Inner"],
    );
    assert.equal(message(f, "Outer.Middle.Inner").fullName, "tricky.v1.Outer.Middle.Inner");
    assert.equal(message(f, "Outer.Middle.Inner").name, "Inner");
    assert.deepEqual(
      f.enums.map((e) => e.fullName),
      ["tricky.v1.Outer.Kind"],
    );
    const inner = field(message(f, "Outer.Middle"), "inner");
    assert.deepEqual(
      [inner.type, inner.longType, inner.fullType],
      ["Inner", "Outer.Middle.Inner", "tricky.v1.Outer.Middle.Inner"],
    );
    const legacy = field(message(f, "Outer"), "legacy");
    assert.deepEqual(
      [legacy.type, legacy.longType, legacy.fullType],
      ["Legacy", "legacy.v1.Legacy", "legacy.v1.Legacy"],
    );
  });

  it("reads comments in every position: leading, trailing, //, ///, /** */ and multi-line blocks", () => {
    const f = file("tricky/v1/tricky.proto");
    assert.match(f.description, /^The tricky file: every comment position/);
    assert.equal(f.packageDescription, "The tricky package.");
    assert.equal(message(f, "Outer").description, "Leading comment of Outer.\n\nTrailing comment of Outer.");
    assert.equal(message(f, "Outer.Middle").description, "Javadoc-style comment of Middle.");
    assert.equal(message(f, "Outer.Middle.Inner").description, "Triple-slash comment of Inner.");
    assert.equal(field(message(f, "Outer.Middle"), "inner").description, "Trailing comment of Middle.inner.");
    assert.equal(field(message(f, "Outer"), "middle").description, "A block comment\nover several lines.");
    assert.equal(f.services[0].methods.find((m) => m.name === "Get")?.description, "Get gets one.");
  });

  it("hides @exclude elements and everything nested in them", () => {
    const f = file("tricky/v1/tricky.proto");
    assert.ok(
      !f.messages.some((m) => m.fullName.startsWith("tricky.v1.Hidden")),
      "Hidden and Hidden.AlsoHidden left out",
    );
    assert.ok(!message(f, "Outer").fields.some((x) => x.name === "hidden_field"));
    assert.deepEqual(
      f.enums[0].values.map((v) => v.name),
      ["KIND_UNSPECIFIED", "KIND_OLD"],
    );
    assert.deepEqual(
      f.services.map((s) => s.name),
      ["TrickyService"],
    );
    assert.ok(!f.services[0].methods.some((m) => m.name === "Internal"));
  });

  it("keeps map entries as protoc-gen-doc does, and adds map<K, V> types", () => {
    const outer = message(file("tricky/v1/tricky.proto"), "Outer");
    const inners = field(outer, "inners");
    assert.equal(inners.ismap, true);
    assert.equal(inners.label, "repeated");
    assert.equal(inners.type, "InnersEntry");
    assert.deepEqual(
      [inners.mapKeyType, inners.mapValueType, inners.mapValueLongType, inners.mapValueFullType],
      ["string", "Inner", "Outer.Middle.Inner", "tricky.v1.Outer.Middle.Inner"],
    );
    const labels = field(outer, "labels");
    assert.deepEqual([labels.mapKeyType, labels.mapValueType], ["int32", "string"]);
    assert.equal(message(file("tricky/v1/tricky.proto"), "Outer.InnersEntry").isMapEntry, true);
    assert.equal(field(outer, "kinds").ismap, false);
  });

  it("shows oneofs, and does not mistake proto3 optional's synthetic oneof for one", () => {
    const outer = message(file("tricky/v1/tricky.proto"), "Outer");
    assert.equal(outer.hasOneofs, true);
    assert.deepEqual(outer.oneofs, [{ name: "choice", description: "The choice.", fields: ["by_name", "by_id"] }]);
    assert.deepEqual([field(outer, "by_id").isoneof, field(outer, "by_id").oneofdecl], [true, "choice"]);
    const count = field(outer, "count");
    assert.deepEqual(
      [count.isoneof, count.oneofdecl, count.label, count.presence, count.proto3Optional],
      [false, "", "optional", "explicit", true],
    );
    assert.deepEqual([field(outer, "plain").label, field(outer, "plain").presence], ["", "implicit"]);
  });

  it("resolves presence in edition 2023 from features", () => {
    const f = file("tricky/v1/editions.proto");
    assert.deepEqual([f.syntax, f.edition], ["editions", "2023"]);
    const s = message(f, "Settings");
    const at = (n: string) => [field(s, n).label, field(s, n).presence];
    assert.deepEqual(at("explicit_count"), ["optional", "explicit"]);
    assert.deepEqual(at("implicit_count"), ["", "implicit"]);
    assert.deepEqual(at("required_name"), ["required", "required"]);
    assert.deepEqual(at("child"), ["", "explicit"]);
    assert.deepEqual(at("numbers"), ["repeated", "repeated"]);
    assert.equal(field(s, "delimited").fullType, "tricky.v1.Settings");
    assert.equal(field(s, "children").ismap, true);
    assert.equal(field(s, "children").mapValueFullType, "tricky.v1.Settings");
  });

  it("documents proto2 extensions (file- and message-scoped), defaults and labels", () => {
    const f = file("legacy/v1/legacy.proto");
    assert.equal(f.hasExtensions, true);
    assert.equal(f.extensions[0].name, "tags");
    assert.deepEqual(
      [f.extensions[0].label, f.extensions[0].number, f.extensions[0].containingFullType],
      ["repeated", 100, "legacy.v1.Legacy"],
    );
    const legacy = message(f, "Legacy");
    assert.equal(legacy.hasExtensions, true);
    const scoped = legacy.extensions[0];
    assert.deepEqual(
      [scoped.fullName, scoped.longName, scoped.scopeFullType, scoped.containingType],
      ["legacy.v1.Legacy.scoped_ext", "Legacy.scoped_ext", "legacy.v1.Legacy", "Legacy"],
    );
    assert.deepEqual(
      [f.extensions[0].longName, f.extensions[0].fullName],
      ["Legacy.tags", "legacy.v1.Legacy.tags"],
      "Go: named after the extended message",
    );
    assert.deepEqual([field(legacy, "retries").defaultValue, field(legacy, "mode").defaultValue], ["3", "fast"]);
    assert.deepEqual([field(legacy, "id").label, field(legacy, "retries").label], ["required", "optional"]);
  });

  it("marks deprecation on files, messages, fields, enums, values, services and methods", () => {
    const f = file("tricky/v1/tricky.proto");
    const outer = message(f, "Outer");
    const svc = f.services[0];
    const kind = f.enums[0];
    assert.deepEqual(
      [
        f.deprecated,
        outer.deprecated,
        field(outer, "old").deprecated,
        kind.deprecated,
        kind.values[1].deprecated,
        svc.deprecated,
        svc.methods.find((m) => m.name === "Watch")?.deprecated,
      ],
      [true, true, true, true, true, true, true],
    );
    assert.deepEqual(field(outer, "old").options, { deprecated: true }, "protoc-gen-doc's options.deprecated");
    assert.equal(field(outer, "plain").deprecated, false);
    assert.equal(field(outer, "plain").options, undefined);
    assert.equal(message(f, "Outer.Middle").deprecated, false);
  });

  it("shows streaming and google.api.http bindings", () => {
    const methods = file("tricky/v1/tricky.proto").services[0].methods;
    const kinds = Object.fromEntries(methods.map((m) => [m.name, [m.requestStreaming, m.responseStreaming]]));
    assert.deepEqual(kinds, { Get: [false, false], Watch: [false, true], Upload: [true, false], Chat: [true, true] });
    const get = methods.find((m) => m.name === "Get")!;
    const expected = {
      rules: [
        { method: "GET", pattern: "/v1/outers/{middle.inner.leaf}" },
        { method: "POST", pattern: "/v1/outers:get", body: "*" },
      ],
    };
    assert.deepEqual(get.http, expected);
    assert.deepEqual(get.options?.["google.api.http"], expected);
  });

  it("renders Markdown like protoc-gen-doc's, with map<K, V> and inert HTML", () => {
    assert.match(markdown, /^# Protocol Documentation/);
    assert.match(markdown, /## Table of Contents/);
    assert.match(markdown, /## tricky\/v1\/tricky\.proto/);
    assert.match(markdown, /\| inners \| map<string, \[Outer\.Middle\.Inner\]\(#tricky-v1-Outer-Middle-Inner\)> \|/);
    assert.match(
      markdown,
      /\| Watch \| \[Outer\]\(#tricky-v1-Outer\) \| stream \[Outer\]\(#tricky-v1-Outer\) \| \*\*Deprecated\.\*\* Watch streams changes\. \|/,
    );
    // Go's anchors: map entries keep their sections, file anchors turn "/" into "_".
    assert.ok(markdown.includes('<a name="tricky-v1-Outer-InnersEntry"></a>'), "map entries keep Go's anchor");
    assert.ok(markdown.includes("- [tricky/v1/tricky.proto](#tricky_v1_tricky-proto)"));
    assert.ok(markdown.includes('<a name="tricky_v1_tricky-proto"></a>'));
    assert.ok(!markdown.includes("<script>"), "no raw <script> from a comment");
    assert.ok(markdown.includes("&lt;script&gt;"));
    assert.match(markdown, /## Scalar Value Types/);
  });
});

// Each expected value below is what the Go protoc-gen-doc 1.5.1 (Debian's
// package) printed for fixtures/fidelity/v1/fidelity.proto, so tools written
// against Go's JSON read ours unchanged.
describe("JSON model: the Go plugin's values", () => {
  it("names an extension after the message it extends, with a leading dot when that is in another package", () => {
    const x = file("fidelity/v1/fidelity.proto").extensions[0];
    // Go: longName/fullName are containingLongType + "." + name, and
    // containingLongType keeps protoc's leading dot across packages.
    assert.deepEqual(
      [x.name, x.longName, x.fullName, x.containingType, x.containingLongType, x.containingFullType],
      [
        "audit",
        ".google.protobuf.MethodOptions.audit",
        ".google.protobuf.MethodOptions.audit",
        "MethodOptions",
        ".google.protobuf.MethodOptions",
        "google.protobuf.MethodOptions",
      ],
    );
  });

  it("hasEnums counts top-level enums only, while the list holds nested ones", () => {
    const f = file("fidelity/v1/fidelity.proto");
    // Go: HasEnums is len(file's top-level enums) > 0; Enums lists nested enums too.
    assert.equal(f.hasEnums, false);
    assert.deepEqual(
      f.enums.map((e) => [e.longName, e.fullName]),
      [["Holder.Nested", "fidelity.v1.Holder.Nested"]],
    );
    assert.equal(file("tricky/v1/tricky.proto").hasEnums, false, "tricky's only enum is Outer.Kind, nested");
  });

  it("keeps the leading dot on a method's long type from another package, not on one from its own", () => {
    const m = file("fidelity/v1/fidelity.proto").services[0].methods[0];
    // Go: requestLongType ".legacy.v1.Legacy" (another package), responseLongType "Pair" (this package).
    assert.deepEqual(
      [m.requestType, m.requestLongType, m.requestFullType],
      ["Legacy", ".legacy.v1.Legacy", "legacy.v1.Legacy"],
    );
    assert.deepEqual([m.responseType, m.responseLongType, m.responseFullType], ["Pair", "Pair", "fidelity.v1.Pair"]);
    // Go: a field's long type from another package has no dot ("legacy.v1.Legacy").
    const legacy = field(message(file("tricky/v1/tricky.proto"), "Outer"), "legacy");
    assert.equal(legacy.longType, "legacy.v1.Legacy");
  });

  it("joins a leading and a trailing comment with a blank line", () => {
    const pair = message(file("fidelity/v1/fidelity.proto"), "Pair");
    // Go: leading + "\n\n" + trailing, so they render as two paragraphs.
    assert.equal(pair.description, "Leading comment of Pair.\n\nTrailing comment of Pair.");
    assert.equal(field(pair, "key").description, "Leading comment of key.\n\nTrailing comment of key.");
  });

  it("leaves detached comments out of the description, as Go does, and keeps them apart", () => {
    const holder = message(file("fidelity/v1/fidelity.proto"), "Holder");
    // Go: description is the leading (+ trailing) comment only.
    assert.equal(holder.description, "Holds an enum that is only nested: the file has no top-level enum.");
    assert.deepEqual(
      holder.detachedComments,
      ["A detached comment: a blank line keeps it apart from Holder."],
      "our extra key",
    );
  });

  it("extracts validator.field options as Go's rule list", () => {
    const pair = message(file("fidelity/v1/fidelity.proto"), "Pair");
    // Go: options["validator.field"] lists the set rules by field number as {name, value}.
    assert.deepEqual(field(pair, "score").options, {
      "validator.field": [
        { name: "int_gt", value: 0 },
        { name: "int_lt", value: 100 },
      ],
    });
    assert.deepEqual(field(pair, "name").options, {
      "validator.field": [
        { name: "regex", value: "^[a-z]+$" },
        { name: "human_error", value: "lower case only" },
      ],
    });
    assert.equal(field(pair, "key").options, undefined, "Go: no options key when none is set");
  });
});

describe("plugin errors", () => {
  it("rejects an unknown format with a clear message", async () => {
    await assert.rejects(runPlugin(["yaml", "docs.yaml"]), /unknown format or template "yaml"/);
  });
});
