// The package build (npm run build:packages) in a temporary copy of the repo:
// incremental by content (nothing changed -> nothing rebuilt; one proto ->
// its package and dependents; toolchain -> everything), a corrupted cache
// entry is rebuilt and never used, and a proto that imports another family's
// proto yields a package that depends on that family's package and shares
// its schema objects (identity) in ESM and CommonJS, in its registry export too.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { listWorkspacePackages } from "../scripts/lib/infra/workspaces.js";
import { makeTempRepo, type TempRepo } from "./support/temp-repo.js";

const ORDERS = `syntax = "proto3";

// Orders: imports payments, so @acme/orders depends on @acme/payments.
package acme.orders.v1;

import "acme/payments/v1/payments.proto";

// OrderService reads orders.
service OrderService {
  // GetOrder returns one order.
  rpc GetOrder(GetOrderRequest) returns (GetOrderResponse) {}
}

// Order is what a customer bought.
message Order {
  // The order id.
  string id = 1;
  // The payment that paid for it.
  acme.payments.v1.Payment payment = 2;
  // The total.
  acme.payments.v1.Money total = 3;
}

// GetOrderRequest names an order.
message GetOrderRequest {
  // The order id.
  string id = 1;
}

// GetOrderResponse holds the order.
message GetOrderResponse {
  // The order.
  Order order = 1;
}
`;

const built = (stdout: string) => [...stdout.matchAll(/^ {2}built (\S+)$/gm)].map((m) => m[1]).sort();

describe("npm run build:packages: incremental, cached, cross-family", () => {
  let repo: TempRepo;
  let all: string[];
  const buildPackages = () => {
    const r = repo.script("build-packages");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r;
  };

  before(() => {
    repo = makeTempRepo({ extraPaths: ["gen", "packages", "package-lock.json"] });
    repo.write("proto/acme/orders/v1/orders.proto", ORDERS);
    const g = repo.script("generate");
    assert.equal(g.code, 0, g.stdout + g.stderr);
    // Node resolves @acme/payments from packages/orders/dist to this copy's packages/payments,
    // not to the checkout the temp repo's node_modules links to.
    mkdirSync(join(repo.dir, "packages/node_modules/@acme"), { recursive: true });
    symlinkSync(join(repo.dir, "packages/payments"), join(repo.dir, "packages/node_modules/@acme/payments"), "dir");
    // Every package with entry points; a private one without (@acme/test-support) is never built.
    all = listWorkspacePackages(repo.dir)
      .filter((ws) => Object.keys(ws.packageJson.entryPoints ?? {}).length > 0)
      .map((ws) => ws.name)
      .sort();
  });
  after(() => repo?.cleanup());

  it("builds every package, then a second build with no change rebuilds none", () => {
    assert.ok(all.includes("@acme/orders") && all.includes("@acme/payments"));
    assert.deepEqual(built(buildPackages().stdout), all);
    const again = buildPackages();
    assert.deepEqual(built(again.stdout), []);
    assert.match(again.stdout, new RegExp(`: 0 to build, 0 restored from cache, ${all.length} up to date`));
  });

  it("makes a cross-family import a dependency, imported by name, with the same schema objects in ESM and CJS", () => {
    const pj = JSON.parse(repo.read("packages/orders/package.json")) as {
      version: string;
      dependencies?: Record<string, string>;
    };
    assert.equal(pj.dependencies?.["@acme/payments"], pj.version, "depends on @acme/payments at the same version");
    const lock = JSON.parse(repo.read("package-lock.json")) as {
      packages: Record<string, { dependencies?: Record<string, string> }>;
    };
    assert.equal(
      lock.packages["packages/orders"].dependencies?.["@acme/payments"],
      pj.version,
      "the lockfile records it",
    );
    for (const f of [
      "dist/v1/orders_pb.js",
      "dist/v1/orders_pb.cjs",
      "dist/v1/orders_pb.d.ts",
      "dist/v1/orders_pb.d.cts",
    ]) {
      const text = repo.read(`packages/orders/${f}`);
      assert.match(text, /["']@acme\/payments\/v1["']/, `${f} imports @acme/payments/v1 by name`);
      assert.doesNotMatch(
        text,
        /(const|var|let)\s+file_acme_payments_v1_payments\b/,
        `${f} embeds no copy of payments`,
      );
      assert.doesNotMatch(text, /gen\/acme\/payments/, `${f} reaches into no other package's files`);
    }
    const check = (mod: "esm" | "cjs") => {
      const file = join(repo.dir, "packages/orders", mod === "esm" ? "identity.mjs" : "identity.cjs");
      writeFileSync(
        file,
        mod === "esm"
          ? `import { OrderSchema, registry } from "./dist/v1.js";\nimport { PaymentSchema, MoneySchema, file_acme_payments_v1_payments } from "@acme/payments/v1";\n`
          : `const { OrderSchema, registry } = require("./dist/v1.cjs");\nconst { PaymentSchema, MoneySchema, file_acme_payments_v1_payments } = require("@acme/payments/v1");\n`,
      );
      writeFileSync(
        file,
        readFileSync(file, "utf8") +
          `const f = (n) => OrderSchema.fields.find((x) => x.name === n).message;\n` +
          `console.log(JSON.stringify({ payment: f("payment") === PaymentSchema, total: f("total") === MoneySchema, typeName: f("payment").typeName,\n` +
          // The registry export holds payments' own descriptors too: the imported file, not a copy of it.
          `  registryFile: registry.getFile("acme/payments/v1/payments.proto") === file_acme_payments_v1_payments,\n` +
          `  registryMessage: registry.getMessage("acme.payments.v1.Payment") === PaymentSchema }));\n`,
      );
      return JSON.parse(execFileSync(process.execPath, [file], { encoding: "utf8" })) as unknown;
    };
    for (const mod of ["esm", "cjs"] as const) {
      assert.deepEqual(
        check(mod),
        {
          payment: true,
          total: true,
          typeName: "acme.payments.v1.Payment",
          registryFile: true,
          registryMessage: true,
        },
        `${mod}: the field's schema is @acme/payments' own`,
      );
    }
  });

  it("rebuilds exactly the changed package and its dependents", () => {
    repo.edit(
      "proto/acme/payments/v1/payments.proto",
      "// PaymentService manages payments.",
      "// PaymentService manages payments, now with a longer comment.",
    );
    assert.equal(repo.script("generate").code, 0);
    // @acme/schemas carries the .proto files, so a proto change rebuilds it too.
    assert.deepEqual(built(buildPackages().stdout), ["@acme/orders", "@acme/payments", "@acme/schemas"]);

    // A hand-written source: its package and the packages that depend on it (platform uses grpc-health).
    const src = "packages/grpc-health/src/status-registry.ts";
    repo.write(src, `${repo.read(src)}\n// a one-line change\n`);
    const dependents = listWorkspacePackages(repo.dir)
      .filter((ws) =>
        Object.keys({
          ...(ws.packageJson.dependencies as object),
          ...(ws.packageJson.devDependencies as object),
        }).includes("@acme/grpc-health"),
      )
      .map((ws) => ws.name);
    assert.ok(dependents.includes("@acme/platform"));
    assert.deepEqual(built(buildPackages().stdout), ["@acme/grpc-health", ...dependents].sort());
    assert.deepEqual(built(buildPackages().stdout), []);
  });

  it("detects a corrupted cache entry and rebuilds instead of using it; restores an intact one", () => {
    const entries = join(repo.dir, ".cache/packages/greeter");
    const newest = readdirSync(entries)
      .map((e) => join(entries, e))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    const good = repo.read("packages/greeter/dist/v1/greeter_pb.js");
    writeFileSync(join(newest, "files/v1/greeter_pb.js"), `${good}\nthrow new Error("corrupted");\n`);
    // Without dist/ the build would copy the entry back: it must not, the entry is bad.
    rmSync(join(repo.dir, "packages/greeter/dist"), { recursive: true });
    rmSync(join(repo.dir, "packages/inventory/dist"), { recursive: true });

    const r = buildPackages();
    assert.match(r.stdout, /@acme\/greeter: cache entry \S+ fails its manifest; discarding it and rebuilding/);
    assert.deepEqual(built(r.stdout), ["@acme/greeter"]);
    assert.match(r.stdout, /^ {2}restored @acme\/inventory from cache$/m, "an intact entry is restored, not rebuilt");
    assert.equal(repo.read("packages/greeter/dist/v1/greeter_pb.js"), good);
    assert.equal(readFileSync(join(newest, "files/v1/greeter_pb.js"), "utf8"), good, "the entry was rebuilt too");
    assert.ok(existsSync(join(repo.dir, "packages/inventory/dist/v1.js")));
  });

  it("rebuilds everything when a toolchain version changes", () => {
    const pkg = JSON.parse(repo.read("package.json")) as { devDependencies: Record<string, string> };
    pkg.devDependencies.typescript = `${pkg.devDependencies.typescript}-next`;
    repo.write("package.json", `${JSON.stringify(pkg, null, 2)}\n`);
    assert.deepEqual(built(buildPackages().stdout), all);
  });
});
