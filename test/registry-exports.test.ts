// Every generated entry point (`@acme/payments/v1`, `@acme/httpgrpc`, ...)
// exports `registry`: a @bufbuild/protobuf FileRegistry of its proto
// package's files and everything they import, made of the generated code's
// own descriptors. Checked against buf's compile of the same protos, through
// the built packages as a consumer imports them (needs `npm run build`).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  create,
  createFileRegistry,
  type DescFile,
  type FileRegistry,
  getOption,
  type Message,
  toJson,
} from "@bufbuild/protobuf";
import type { GenExtension } from "@bufbuild/protobuf/codegenv2";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { type FieldOptions, FileDescriptorSetSchema, type MethodOptions } from "@bufbuild/protobuf/wkt";
import { listProtoPackages } from "../scripts/lib/codegen/protos.js";
import { readRepoConfig } from "../scripts/lib/infra/repo.js";
import { buildSchemaImage } from "../scripts/lib/schema/schema-image.js";

const { scope } = readRepoConfig();
const specifier = (family: string, subpath: string) => `${scope}/${family}${subpath === "." ? "" : subpath.slice(1)}`;
const load = async (spec: string) => (await import(spec)) as Record<string, unknown> & { registry: FileRegistry };

describe("the registry export of each generated entry point", () => {
  it("holds exactly its files and their transitive imports, with the generated descriptors themselves", async () => {
    const image = await buildSchemaImage(undefined);
    const packages = await listProtoPackages(undefined, image);
    assert.ok(packages.length >= 6, "every family is covered");
    for (const p of packages) {
      const spec = specifier(p.family, p.subpath);
      const api = await load(spec);
      assert.ok(api.registry, `${spec} exports registry`);
      // What buf says these files import, transitively: the registry holds that set, no more, no less.
      const expected = new Set<string>();
      const walk = (name: string) => {
        if (expected.has(name)) return;
        expected.add(name);
        for (const d of image.registry.getFile(name)!.dependencies) walk(d.proto.name);
      };
      for (const f of p.files) walk(f);
      const files = [...api.registry.files];
      assert.deepEqual(files.map((f) => f.proto.name).sort(), [...expected].sort(), spec);
      // Imports come before the files that import them, as in a FileDescriptorSet from protoc.
      const seen = new Set<string>();
      for (const f of files) {
        for (const d of f.dependencies)
          assert.ok(seen.has(d.proto.name), `${spec}: ${d.proto.name} before ${f.proto.name}`);
        seen.add(f.proto.name);
      }
      for (const f of p.files) {
        const own = api.registry.getFile(f)!;
        const constName = Object.keys(api).find((k) => k.startsWith("file_") && (api[k] as DescFile).proto?.name === f);
        assert.ok(constName, `${spec} exports the file_* constant of ${f}`);
        assert.equal(own, api[constName], `${spec}: registry.getFile("${f}") is the generated descriptor`);
        // Every message, enum, extension and service buf compiled from this file resolves, by name, to the exported schema.
        for (const t of nestedTypes(image.registry.getFile(f)!)) {
          if (t.kind !== "message" && t.kind !== "enum" && t.kind !== "service" && t.kind !== "extension") continue;
          const got = api.registry.get(t.typeName);
          assert.equal(got?.kind, t.kind, `${spec}: ${t.typeName}`);
          if (t.kind === "message" && !t.parent) assert.equal(got, api[`${t.name}Schema`], `${spec}: ${t.typeName}`);
          if (t.kind === "service") assert.equal(got, api[t.name], `${spec}: ${t.typeName}`);
        }
      }
      // A consumer can turn it into a FileDescriptorSet, which links on its own (every import is in it).
      const set = create(FileDescriptorSetSchema, { file: files.map((f) => f.proto) });
      const relinked = createFileRegistry(set);
      for (const f of p.files) assert.ok(relinked.getFile(f), `${spec}: ${f} relinks`);
    }
  });

  it("resolves payments' imports: google.api.http routes, field behaviours and buf.validate, the validator's own copy", async () => {
    const { registry, PaymentService, PaymentSchema } = (await load(`${scope}/payments/v1`)) as Awaited<
      ReturnType<typeof load>
    > & { PaymentService: { method: Record<string, { proto: unknown }> }; PaymentSchema: unknown };
    assert.equal(registry.getService("acme.payments.v1.PaymentService"), PaymentService);
    assert.equal(registry.getMessage("acme.payments.v1.Payment"), PaymentSchema);
    for (const f of ["google/api/annotations.proto", "google/api/http.proto", "google/api/field_behavior.proto"])
      assert.ok(registry.getFile(f), f);

    const http = registry.getExtension("google.api.http");
    const httpRule = registry.getMessage("google.api.HttpRule");
    assert.ok(http && httpRule, "google.api.http and HttpRule resolve");
    const service = registry.getService("acme.payments.v1.PaymentService")!;
    const create = service.methods.find((m) => m.name === "CreatePayment")!;
    const rule = getOption(create, http as GenExtension<MethodOptions, Message>);
    assert.deepEqual(toJson(httpRule, rule), { post: "/v1/payments", body: "*" });

    const behavior = registry.getExtension("google.api.field_behavior");
    assert.ok(behavior, "google.api.field_behavior resolves");
    const stateField = registry.getMessage("acme.payments.v1.Payment")!.fields.find((f) => f.name === "state")!;
    const behaviors = getOption(stateField, behavior as GenExtension<FieldOptions, number[]>);
    const names = behaviors.map((n) => registry.getEnum("google.api.FieldBehavior")!.value[n]?.name);
    assert.deepEqual(names, ["OUTPUT_ONLY"], "Payment.state is OUTPUT_ONLY");

    // buf/validate is @bufbuild/protovalidate's descriptor (a peer), not a copy: the validator sees the same rules.
    const validatePath = "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
    const { file_buf_validate_validate } = (await import(validatePath)) as { file_buf_validate_validate: DescFile };
    assert.equal(registry.getFile("buf/validate/validate.proto"), file_buf_validate_validate);
    assert.equal(registry.getMessage("buf.validate.FieldRules")?.file, file_buf_validate_validate);
  });
});
