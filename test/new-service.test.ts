// npm run new:service in a temp copy of the repo: the scaffold is lint-clean,
// generates its code and its npm package with no other edit, builds, packs,
// and refuses bad input without writing anything.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { makeTempRepo, type TempRepo } from "./support/temp-repo.js";

const PROTO = "proto/acme/shipping/v1/shipping.proto";
let repo: TempRepo;

before(() => {
  repo = makeTempRepo({ extraPaths: ["gen", "packages", "package-lock.json", ".github", "buf.gen.docs.yaml"] });
});
after(() => repo?.cleanup());

describe("npm run new:service refuses bad input and writes nothing", () => {
  const cases: [string[], RegExp][] = [
    [["acme.shipping.v1"], /expected 2 arguments, got 1/],
    [["acme.Shipping.v1", "ShipmentService"], /package "acme\.Shipping\.v1" must be acme\.<domain>\.<version>/],
    [["other.shipping.v1", "ShipmentService"], /must be acme\.<domain>\.<version>/],
    [["acme.shipping", "ShipmentService"], /must be acme\.<domain>\.<version>/],
    [["acme.shipping.version1", "ShipmentService"], /a version such as v1 or v1alpha1/],
    [["acme.shipping.v1", "shipmentService"], /service "shipmentService" must be PascalCase and end in "Service"/],
    [["acme.shipping.v1", "Shipments"], /must be PascalCase and end in "Service"/],
    [["acme.payments.v1", "RefundService"], /proto\/acme\/payments\/v1\/payments\.proto already exists/],
  ];
  for (const [args, message] of cases) {
    test(args.join(" "), () => {
      const r = repo.script("new-service", args);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      assert.equal(repo.git("status", "--porcelain"), "", "nothing written");
    });
  }
});

describe("a scaffolded service", () => {
  before(() => {
    const r = repo.script("new-service", ["acme.shipping.v1", "ShipmentService"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created proto\/acme\/shipping\/v1\/shipping\.proto/);
  });

  test("is a commented service with an example rpc, and gets an owner", () => {
    const proto = repo.read(PROTO);
    assert.match(proto, /^package acme\.shipping\.v1;$/m);
    assert.match(proto, /\/\/ ShipmentService [^\n]+\nservice ShipmentService \{/);
    assert.match(
      proto,
      /\/\/ GetShipment returns[^\n]*\n[\s\S]*rpc GetShipment\(GetShipmentRequest\) returns \(GetShipmentResponse\)/,
    );
    const owners = repo.read(".github/CODEOWNERS");
    assert.match(owners, /^\/proto\/acme\/shipping\/ +@acme\/shipping-team$/m);
    const column = (dir: string) =>
      owners
        .split("\n")
        .find((l) => l.startsWith(dir))!
        .indexOf("@");
    assert.equal(column("/proto/acme/shipping/"), column("/proto/acme/payments/"), "aligned with the other owners");
    const again = repo.script("new-service", ["acme.shipping.v1", "OtherService"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /shipping\.proto already exists/);
  });

  test("passes buf lint and the format check", () => {
    const r = repo.script("lint");
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  describe("npm run generate", () => {
    before(() => {
      const r = repo.script("generate");
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    test("creates its gen/ code and a new workspace package, in the lockfile too", () => {
      assert.match(repo.read("gen/acme/shipping/v1/shipping_pb.ts"), /export const ShipmentService: GenService</);
      assert.ok(existsSync(join(repo.dir, "gen/acme/shipping/v1/index.ts")));
      const pj = JSON.parse(repo.read("packages/shipping/package.json")) as {
        name: string;
        exports: Record<string, unknown>;
        peerDependencies: Record<string, string>;
      };
      assert.equal(pj.name, "@acme/shipping");
      assert.deepEqual(Object.keys(pj.exports), ["./v1", "./package.json"]);
      assert.ok(pj.peerDependencies["@bufbuild/protobuf"]);
      assert.match(repo.read("packages/shipping/README.md"), /ShipmentService/);
      assert.match(repo.read("package-lock.json"), /"packages\/shipping": \{/);
      assert.equal(repo.script("check-generated").code, 0, "no drift left");
    });

    test("the package builds, works, and packs its dist files", async () => {
      const b = repo.script("build-packages", ["@acme/shipping"]);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      const pkgDir = join(repo.dir, "packages/shipping");
      const mod = (await import(pathToFileURL(join(pkgDir, "dist/v1.js")).href)) as Record<
        string,
        { typeName: string; method: Record<string, { name: string }> }
      >;
      assert.equal(mod.ShipmentService.typeName, "acme.shipping.v1.ShipmentService");
      assert.equal(mod.ShipmentService.method.getShipment.name, "GetShipment");
      const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
        cwd: pkgDir,
        encoding: "utf8",
      });
      assert.equal(pack.status, 0, pack.stderr);
      const [info] = JSON.parse(pack.stdout) as { name: string; files: { path: string }[] }[];
      assert.equal(info.name, "@acme/shipping");
      const files = info.files.map((f) => f.path).sort();
      for (const f of ["README.md", "dist/v1.cjs", "dist/v1.d.cts", "dist/v1.d.ts", "dist/v1.js", "package.json"])
        assert.ok(files.includes(f), `${f} not packed: ${files}`);
    });

    test("appears in the docs with its install snippet", () => {
      // The plugin runs from its build, which the temp copy of packages/ carries (npm run build ran first).
      const r = repo.script("docs", ["--version", "1.2.3"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const model = JSON.parse(repo.read("build/docs/docs.json")) as {
        files: { package: string; services: { fullName: string }[] }[];
      };
      const file = model.files.find((f) => f.package === "acme.shipping.v1");
      assert.deepEqual(
        file?.services.map((s) => s.fullName),
        ["acme.shipping.v1.ShipmentService"],
      );
      const index = repo.read("build/docs/index.html");
      assert.match(index, /ShipmentService/);
      const page = readdirSync(join(repo.dir, "build/docs/pkg")).find((f) => f.startsWith("acme.shipping.v1"));
      assert.ok(page, "a page for acme.shipping.v1");
      assert.match(repo.read(`build/docs/pkg/${page}`), /npm install @acme\/shipping@1\.2\.3/);
    });
  });
});
