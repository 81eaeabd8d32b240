// The plugin decodes only what the docs read (src/descriptor.ts); the docs must
// come out byte for byte as from protobuf-es decoding the whole request buf
// sends. slimRequest (exported for tools that store requests) drops the same
// parts on the wire.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fromBinary, isFieldSet, toBinary } from "@bufbuild/protobuf";
import {
  CodeGeneratorRequestSchema,
  FileDescriptorProtoSchema,
  SourceCodeInfo_LocationSchema,
} from "@bufbuild/protobuf/wkt";
import { generate } from "../src/plugin.js";
import { encodeResponse } from "../src/plugin.js";
import { decodeRequest, slimRequest } from "../src/request.js";
import { CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import { captureRequest } from "./support/capture-request.js";

describe("slimRequest", () => {
  const dir = mkdtempSync(join(tmpdir(), "pgd-request-"));
  let full: Uint8Array;

  // The exact bytes buf sends.
  before(async () => {
    full = await captureRequest(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("slimRequest drops source_file_descriptors and comment-less locations only", () => {
    const whole = fromBinary(CodeGeneratorRequestSchema, full);
    assert.ok(
      whole.sourceFileDescriptors.length > 0,
      "buf sends source_file_descriptors; the fixture should exercise dropping them",
    );
    const slim = fromBinary(CodeGeneratorRequestSchema, slimRequest(full));
    assert.ok(slimRequest(full).length < full.length);
    assert.equal(slim.sourceFileDescriptors.length, 0);
    assert.deepEqual(slim.fileToGenerate, whole.fileToGenerate);
    assert.equal(slim.parameter, whole.parameter);
    for (const [i, file] of slim.protoFile.entries()) {
      const kept = file.sourceCodeInfo?.location ?? [];
      const { leadingComments, trailingComments } = SourceCodeInfo_LocationSchema.field;
      const withComments = (whole.protoFile[i].sourceCodeInfo?.location ?? []).filter(
        (l) => isFieldSet(l, leadingComments) || isFieldSet(l, trailingComments),
      );
      assert.deepEqual(kept, withComments, `${file.name}: exactly the commented locations are kept`);
      const withoutInfo = (f: typeof file) =>
        Buffer.from(toBinary(FileDescriptorProtoSchema, { ...f, sourceCodeInfo: undefined })).toString("hex");
      assert.equal(withoutInfo(file), withoutInfo(whole.protoFile[i]), `${file.name}: descriptors unchanged`);
    }
  });

  it("decodeRequest reads the files, parameter and commented locations (leading, trailing, detached) protobuf-es reads", () => {
    const whole = fromBinary(CodeGeneratorRequestSchema, full);
    const ours = decodeRequest(full);
    assert.deepEqual(ours.fileToGenerate, whole.fileToGenerate);
    assert.equal(ours.parameter, whole.parameter);
    assert.deepEqual(
      ours.protoFile.map((f) => [f.name, f.package, f.syntax, f.edition]),
      whole.protoFile.map((f) => [f.name, f.package, f.syntax, f.edition]),
    );
    for (const [i, file] of ours.protoFile.entries()) {
      const { leadingComments, trailingComments } = SourceCodeInfo_LocationSchema.field;
      const expected = (whole.protoFile[i].sourceCodeInfo?.location ?? [])
        .filter(
          (l) =>
            isFieldSet(l, leadingComments) || isFieldSet(l, trailingComments) || l.leadingDetachedComments.length > 0,
        )
        .map((l) => [
          l.path,
          isFieldSet(l, leadingComments) ? l.leadingComments : undefined,
          isFieldSet(l, trailingComments) ? l.trailingComments : undefined,
          l.leadingDetachedComments.length ? l.leadingDetachedComments : undefined,
        ]);
      const got = (file.sourceCodeInfo?.location ?? []).map((l) => [
        l.path,
        l.leadingComments,
        l.trailingComments,
        l.leadingDetachedComments,
      ]);
      assert.deepEqual(got, expected, file.name);
    }
  });

  it("encodeResponse writes what protobuf-es decodes as the same response", () => {
    const res = {
      error: "bad",
      supportedFeatures: 3,
      minimumEdition: 998,
      maximumEdition: 1001,
      file: [{ name: "a/index.html", content: "<p>é</p>" }],
    };
    const back = fromBinary(CodeGeneratorResponseSchema, encodeResponse(res));
    assert.deepEqual(
      [back.error, Number(back.supportedFeatures), back.minimumEdition, back.maximumEdition],
      ["bad", 3, 998, 1001],
    );
    assert.deepEqual(
      back.file.map((f) => [f.name, f.content]),
      [["a/index.html", "<p>é</p>"]],
    );
  });

  it("produces the same docs as the whole request", async () => {
    for (const parameter of ["json,docs.json", "markdown,README.md", "html,index.html"]) {
      const whole = fromBinary(CodeGeneratorRequestSchema, full);
      whole.parameter = parameter;
      const slim = decodeRequest(full);
      slim.parameter = parameter;
      const a = await generate(whole);
      const b = await generate(slim);
      assert.ok(a.file.length > 0 && !a.error, `${parameter}: ${a.error}`);
      assert.deepEqual(
        b.file.map((f) => [f.name, f.content]),
        a.file.map((f) => [f.name, f.content]),
        parameter,
      );
    }
  });
});
