// Unit tests of scripts/lib/codegen/package-graph.ts: which files each
// workspace package is built from and what its imports become, on a small
// directory of packages and generated files.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { importsOf, planPackageBuilds, specifierRefs } from "../../scripts/lib/codegen/package-graph.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string | object>): string {
  const root = mkdtempSync(join(tmpdir(), "package-graph-"));
  dirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), typeof content === "string" ? content : JSON.stringify(content));
  }
  return root;
}

describe("specifierRefs", () => {
  it("finds imports, re-exports (`export * as` too), dynamic imports and import types, with their offsets", () => {
    const text = [
      'import a from "x";',
      'export * as ns from "./y.js";',
      'const z = await import("./z.js");',
      'type T = import("./t.js").T;',
    ].join("\n");
    const refs = specifierRefs(text);
    assert.deepEqual(
      refs.map((r) => r.name),
      ["x", "./y.js", "./z.js", "./t.js"],
    );
    for (const r of refs) assert.equal(text.slice(r.start, r.start + r.name.length), r.name);
    assert.deepEqual(importsOf('export { a } from "./a.js";'), ["./a.js"]);
  });
});

const layout = {
  "packages/common/package.json": {
    name: "@acme/common",
    version: "1.0.0",
    entryPoints: { "./v1": "../../gen/acme/common/v1/index.ts" },
  },
  "packages/shop/package.json": {
    name: "@acme/shop",
    version: "1.0.0",
    entryPoints: { "./v1": "../../gen/acme/shop/v1/index.ts", "./extra": "./src/extra.ts" },
    dependencies: { "@acme/common": "1.0.0" },
  },
  "packages/h2/package.json": {
    name: "@acme/h2",
    version: "0.0.0",
    private: true,
    entryPoints: { ".": "./src/index.ts" },
  },
  "packages/h2/src/index.ts": "export const h2 = 1;\n",
  "gen/acme/common/v1/index.ts": 'export * from "./money_pb.js";\n',
  "gen/acme/common/v1/money_pb.ts": "export const m = 1;\n",
  "gen/acme/shop/v1/index.ts": 'export * from "./shop_pb.js";\n',
  "gen/acme/shop/v1/shop_pb.ts":
    'import { m } from "../../common/v1/money_pb.js";\nimport { x } from "../../../google/api/http_pb.js";\nexport const s = [m, x];\n',
  "gen/google/api/http_pb.ts": "export const x = 1;\n",
  "packages/shop/src/extra.ts":
    'import { h2 } from "@acme/h2";\nimport { create } from "@bufbuild/protobuf";\nexport const e = [h2, create];\n',
};

describe("planPackageBuilds", () => {
  const root = tree(layout);
  const shop = planPackageBuilds(root, ["@acme/shop"])[0];
  const src = (rel: string) => join(root, rel);

  it("builds a package from its entry points and everything they import that no other package publishes", () => {
    assert.deepEqual(
      shop.modules.map((m) => m.out),
      ["_bundled/h2/index", "_gen/google/api/http_pb", "extra", "v1", "v1/shop_pb"],
    );
    assert.deepEqual(shop.workspaceImports, ["@acme/common", "@acme/h2"]);
  });

  it("turns another family's generated code into an import of that family's package, by name", () => {
    assert.equal(
      shop.rewrite(src("gen/acme/shop/v1/shop_pb.ts"), "../../common/v1/money_pb.js", ".js"),
      "@acme/common/v1",
    );
  });

  it("points relative imports at the emitted file, .js or .cjs", () => {
    assert.equal(
      shop.rewrite(src("gen/acme/shop/v1/shop_pb.ts"), "../../../google/api/http_pb.js", ".cjs"),
      "../_gen/google/api/http_pb.cjs",
    );
    assert.equal(shop.rewrite(src("gen/acme/shop/v1/index.ts"), "./shop_pb.js", ".js"), "./v1/shop_pb.js");
  });

  it("compiles a private workspace package in, and leaves other bare imports alone", () => {
    assert.equal(shop.rewrite(src("packages/shop/src/extra.ts"), "@acme/h2", ".js"), "./_bundled/h2/index.js");
    assert.equal(shop.rewrite(src("packages/shop/src/extra.ts"), "@bufbuild/protobuf", ".js"), "@bufbuild/protobuf");
  });

  it("refuses a relative import into another package, naming the package to import instead", () => {
    const bad = tree({
      ...layout,
      "packages/shop/src/extra.ts": 'export { h2 } from "../../h2/src/index.js";\n',
    });
    assert.throws(
      () => planPackageBuilds(bad, ["@acme/shop"]),
      /packages\/shop\/src\/extra\.ts: imports "\.\.\/\.\.\/h2\/src\/index\.js" from outside its package; import @acme\/h2 by name instead/,
    );
  });
});
