// Every option is a plugin parameter (no environment variable), and the
// version the plugin reports is its package.json's.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { MessageProto } from "../src/descriptor.js";
import type { Template } from "../src/model.js";
import { generate } from "../src/plugin.js";
import { decodeRequest } from "../src/request.js";
import { captureRequest } from "./support/capture-request.js";
import { PLUGIN_SRC } from "./support/run-plugin.js";

const TRICKY = "tricky/v1/tricky.proto";

describe("protoc-gen-doc options", () => {
  const dir = mkdtempSync(join(tmpdir(), "pgd-options-"));
  let request: Uint8Array;
  before(async () => {
    request = await captureRequest(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const model = async (parameter: string): Promise<Template> => {
    const req = decodeRequest(request);
    req.parameter = parameter;
    const res = await generate(req);
    assert.equal(res.error, undefined, parameter);
    return JSON.parse(res.file[0].content) as Template;
  };

  it("sort=false keeps declaration order; the default sorts by long name, as Go does", async () => {
    const longNames = (t: Template) => t.files.find((f) => f.name === TRICKY)!.messages.map((m) => m.longName);
    const sorted = longNames(await model("json,docs.json"));
    const declared = longNames(await model("json,docs.json,sort=false"));
    // Declaration order: each message, then the messages nested in it, as the descriptor lists them.
    const order: string[] = [];
    const walk = (m: MessageProto, prefix: string) => {
      order.push(prefix + m.name);
      for (const n of m.nestedType) walk(n, `${prefix}${m.name}.`);
    };
    for (const m of decodeRequest(request).protoFile.find((f) => f.name === TRICKY)!.messageType) walk(m, "");
    assert.deepEqual(
      declared,
      order.filter((n) => declared.includes(n)),
    );
    assert.notDeepEqual(declared, sorted, "the fixture declares messages out of long-name order");
    assert.deepEqual([...declared].sort(), sorted);
    assert.deepEqual(longNames(await model("json,docs.json,sort=true")), sorted);
  });

  it("rejects a sort value other than true or false, naming it", async () => {
    const req = decodeRequest(request);
    req.parameter = "json,docs.json,sort=no";
    const res = await generate(req);
    assert.match(res.error ?? "", /sort=no: must be true or false/);
    assert.deepEqual(res.file, []);
  });

  it("packages=<file> renders only the listed packages' pages, each equal to a full render's, and the global pages whole", async () => {
    const site = async (parameter: string) => {
      const req = decodeRequest(request);
      req.parameter = parameter;
      const res = await generate(req);
      assert.equal(res.error, undefined, parameter);
      return new Map(res.file.map((f) => [f.name, f.content]));
    };
    const full = await site("html,index.html");
    const pages = [...full.keys()].filter((n) => n.startsWith("pkg/"));
    assert.ok(pages.length > 2, "the fixture has several packages");
    const list = join(dir, "packages.json");
    writeFileSync(list, JSON.stringify(["tricky.v1"]));
    const part = await site(`html,index.html,packages=${list}`);
    assert.deepEqual(
      [...part.keys()].filter((n) => n.startsWith("pkg/")),
      ["pkg/tricky.v1.html"],
    );
    for (const [name, content] of part) assert.equal(content, full.get(name), name);
    assert.deepEqual(
      [...part.keys()].filter((n) => !n.startsWith("pkg/")),
      [...full.keys()].filter((n) => !n.startsWith("pkg/")),
    );
    // json ignores it: docs.json always covers the whole schema.
    assert.equal(
      (await site(`json,docs.json,packages=${list}`)).get("docs.json"),
      (await site("json,docs.json")).get("docs.json"),
    );
  });

  it("rejects a packages file that is missing or not a JSON array of names, naming it", async () => {
    const req = decodeRequest(request);
    req.parameter = `html,index.html,packages=${join(dir, "missing.json")}`;
    const missing = await generate(req);
    assert.match(missing.error ?? "", /packages=.*missing\.json: cannot read it as JSON \(ENOENT\)/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ tricky: true }));
    req.parameter = `html,index.html,packages=${bad}`;
    const res = await generate(req);
    assert.match(res.error ?? "", /packages=.*bad\.json: must hold a JSON array of proto package names/);
    assert.deepEqual(res.file, []);
  });

  it("ignores PROTOC_GEN_DOC_SORT: the parameter is the one way to ask", async () => {
    process.env.PROTOC_GEN_DOC_SORT = "false";
    try {
      const t = await model("json,docs.json");
      const names = t.files.find((f) => f.name === TRICKY)!.messages.map((m) => m.longName);
      assert.deepEqual(names, [...names].sort());
    } finally {
      delete process.env.PROTOC_GEN_DOC_SORT;
    }
  });

  it("--version reports the version in the package's package.json", () => {
    const { version } = JSON.parse(readFileSync(join(PLUGIN_SRC, "..", "..", "package.json"), "utf8")) as {
      version: string;
    };
    const out = execFileSync(process.execPath, ["--import", import.meta.resolve("tsx"), PLUGIN_SRC, "--version"], {
      encoding: "utf8",
    });
    assert.equal(out, `protoc-gen-doc ${version}\n`);
  });
});
