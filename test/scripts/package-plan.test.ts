// Unit tests of scripts/lib/codegen/package-plan.ts: what `npm run generate`
// writes into packages/, planned from an in-memory schema and a small
// directory holding only the package.json files the plan reads.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  barrelFor,
  buildEntries,
  exportsFor,
  GENERATED_README_MARK,
  isGeneratedReadme,
  planPackages,
} from "../../scripts/lib/codegen/package-plan.js";
import { type FileSpec, schemaOf } from "../support/descriptors.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory with a root package.json and the given packages/<dir>/ files. */
function fixture(files: Record<string, string | object> = {}): string {
  const root = mkdtempSync(join(tmpdir(), "package-plan-"));
  dirs.push(root);
  const all: Record<string, string | object> = {
    "package.json": {
      name: "schemas",
      version: "0.0.0-development",
      license: "Apache-2.0",
      config: { scope: "@acme", protoOrg: "acme" },
      devDependencies: { "@bufbuild/protobuf": "2.13.0" },
    },
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), typeof content === "string" ? content : JSON.stringify(content));
  }
  return root;
}

const common: FileSpec = {
  name: "acme/common/v1/money.proto",
  package: "acme.common.v1",
  messages: [{ name: "Money" }],
};
const shop: FileSpec = {
  name: "acme/shop/v1/shop.proto",
  package: "acme.shop.v1",
  imports: ["acme/common/v1/money.proto"],
  messages: [{ name: "Item" }, { name: "Chunk" }],
  services: [
    {
      name: "ShopService",
      methods: [
        // A client-streaming rpc cannot be called with `({})`: the README's example takes the next one.
        { name: "Upload", input: ".acme.shop.v1.Chunk", output: ".acme.shop.v1.Item", clientStreaming: true },
        { name: "GetItem", input: ".acme.shop.v1.Item", output: ".acme.shop.v1.Item" },
      ],
    },
  ],
};

describe("planPackages", () => {
  it("plans a new family's package.json and README from its proto package", () => {
    const plans = planPackages(schemaOf([common, shop]), fixture());
    assert.deepEqual(
      plans.map((p) => p.dir),
      ["packages/common", "packages/shop"],
    );
    const plan = plans[1];
    const pj = plan.packageJson;
    assert.equal(pj.name, "@acme/shop");
    assert.deepEqual(pj.entryPoints, { "./v1": "../../gen/acme/shop/v1/index.ts" });
    assert.deepEqual(Object.keys(pj.exports ?? {}), ["./v1", "./package.json"]);
    assert.equal(pj.main, undefined, "no root entry point, so no main");
    assert.deepEqual(pj.peerDependencies, { "@bufbuild/protobuf": "^2.13.0" });
    assert.deepEqual(pj.repository, {
      type: "git",
      url: "git+https://github.com/acme/schemas.git",
      directory: "packages/shop",
    });
    assert.ok(plan.readme?.startsWith(GENERATED_README_MARK));
    assert.match(plan.readme!, /import \{ ShopService \} from "@acme\/shop\/v1";/);
    assert.match(plan.readme!, /const res = await client\.getItem\(\{\}\);/);
    assert.match(plan.readme!, /\| `@acme\/shop\/v1` \| `acme\.shop\.v1` \| `acme\/shop\/v1\/shop\.proto` \|/);
    assert.doesNotMatch(plans[0].readme!, /## Client/, "a family without a service gets no client example");
  });

  it("makes a family that imports another depend on that family's package at the same version", () => {
    const plans = planPackages(schemaOf([common, shop]), fixture());
    assert.deepEqual(plans[1].packageJson.dependencies, { "@acme/common": "0.0.0-development" });
    assert.equal(plans[0].packageJson.dependencies, undefined);
  });

  it("refuses families that import each other, naming each import with its line", () => {
    const back: FileSpec = { ...common, imports: [shop.name] };
    const more: FileSpec = { name: "acme/shop/v1/more.proto", package: "acme.shop.v1", imports: [common.name] };
    assert.throws(
      () => planPackages(schemaOf([{ ...shop, imports: [] }, back, more]), fixture()),
      (err: Error) => {
        assert.match(err.message, /proto families common -> shop -> common import each other/);
        assert.match(err.message, /proto\/acme\/common\/v1\/money\.proto:3 imports "acme\/shop\/v1\/shop\.proto"/);
        assert.match(err.message, /proto\/acme\/shop\/v1\/more\.proto:3 imports "acme\/common\/v1\/money\.proto"/);
        return true;
      },
    );
  });

  it("keeps hand-written fields and a hand-written README", () => {
    const root = fixture({
      "packages/shop/package.json": {
        name: "@acme/shop",
        version: "1.2.3",
        description: "The shop.",
        entryPoints: { "./extra": "./src/extra.ts" },
        dependencies: { "left-pad": "1.3.0" },
      },
      "packages/shop/README.md": "# The shop\n",
    });
    const plan = planPackages(schemaOf([common, shop]), root).find((p) => p.dir === "packages/shop")!;
    assert.equal(plan.packageJson.description, "The shop.");
    assert.equal(plan.packageJson.version, "1.2.3");
    assert.deepEqual(plan.packageJson.entryPoints, {
      "./v1": "../../gen/acme/shop/v1/index.ts",
      "./extra": "./src/extra.ts",
    });
    assert.deepEqual(plan.packageJson.dependencies, { "@acme/common": "1.2.3", "left-pad": "1.3.0" });
    assert.equal(plan.readme, undefined, "the README is not ours");
  });

  it("refuses a hand-written entry point on a generated subpath", () => {
    const root = fixture({
      "packages/shop/package.json": { name: "@acme/shop", version: "1.0.0", entryPoints: { "./v1": "./src/v1.ts" } },
    });
    assert.throws(
      () => planPackages(schemaOf([common, shop]), root),
      /packages\/shop\/package\.json: entry point "\.\/v1" is hand-written but belongs to generated acme\.shop\.v1/,
    );
  });

  it("leaves a private package without entry points alone, and refuses a public one", () => {
    const priv = fixture({
      "packages/support/package.json": { name: "@acme/support", version: "0.0.0", private: true },
    });
    assert.deepEqual(
      planPackages(schemaOf([common]), priv).map((p) => p.dir),
      ["packages/common"],
    );
    const pub = fixture({ "packages/stray/package.json": { name: "@acme/stray", version: "0.0.0" } });
    assert.throws(() => planPackages(schemaOf([common]), pub), /packages\/stray: no proto package maps to this family/);
  });
});

describe("package.json pieces", () => {
  it("exports ESM and CommonJS with their own types, the root entry first", () => {
    assert.deepEqual(exportsFor({ "./v1": "a", ".": "b" }), {
      ".": {
        import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
        require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
      },
      "./v1": {
        import: { types: "./dist/v1.d.ts", default: "./dist/v1.js" },
        require: { types: "./dist/v1.d.cts", default: "./dist/v1.cjs" },
      },
      "./package.json": "./package.json",
    });
    assert.deepEqual(buildEntries({ ".": "src/index.ts", "./wire/h2": "src/h2.ts" }), {
      index: "src/index.ts",
      "wire-h2": "src/h2.ts",
    });
  });

  it("recognises its own READMEs by their first line only", () => {
    assert.equal(isGeneratedReadme(`${GENERATED_README_MARK}\n# x`), true);
    assert.equal(isGeneratedReadme(`# x\n${GENERATED_README_MARK}`), false);
  });

  it("writes a barrel that re-exports every file and builds the registry from their file constants", () => {
    const text = barrelFor(
      {
        name: "acme.shop.v1",
        files: ["acme/shop/v1/a.proto", "acme/shop/v1/b.proto"],
        dir: "acme/shop/v1",
        family: "shop",
        version: "v1",
        subpath: "./v1",
      },
      ["file_acme_shop_v1_a", "file_acme_shop_v1_b"],
    );
    assert.match(text, /^import \{ fileRegistry \} from "\.\.\/\.\.\/\.\.\/file-registry\.js";$/m);
    assert.match(text, /^import \{ file_acme_shop_v1_b \} from "\.\/b_pb\.js";$/m);
    assert.match(text, /^export \* from "\.\/a_pb\.js";$/m);
    assert.match(text, /fileRegistry\(file_acme_shop_v1_a, file_acme_shop_v1_b\);/);
  });
});
