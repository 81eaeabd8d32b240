import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeTempRepo, type TempRepo } from "./support/temp-repo.js";

// generate/check:generated in a temp copy: they rewrite gen/ and packages/.
describe("npm run generate / check:generated", () => {
  let repo: TempRepo;
  before(() => {
    repo = makeTempRepo({ extraPaths: ["gen", "packages", "package-lock.json"] });
  });
  after(() => repo.cleanup());

  it("finds the committed gen/ and packages/ up to date", () => {
    const r = repo.script("check-generated");
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("names the stale file when a proto changed without regenerating", () => {
    repo.edit(
      "proto/acme/greeter/v1/greeter.proto",
      "string name = 1;\n}",
      "string name = 1;\n  // A title.\n  string title = 2;\n}",
    );
    try {
      const r = repo.script("check-generated");
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^gen\/acme\/greeter\/v1\/greeter_pb\.ts: stale$/m);
      assert.doesNotMatch(r.stdout, /payments_pb\.ts/);
      assert.match(r.stderr, /Run `npm run generate`/);
    } finally {
      repo.git("checkout", "-q", "--", ".");
    }
  });

  it("names hand edits and left-over files in gen/", () => {
    repo.write(
      "gen/acme/payments/v1/payments_pb.ts",
      `${repo.read("gen/acme/payments/v1/payments_pb.ts")}// edited by hand\n`,
    );
    repo.write("gen/acme/payments/v1/old_pb.ts", "export {};\n");
    try {
      const r = repo.script("check-generated");
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^gen\/acme\/payments\/v1\/payments_pb\.ts: stale$/m);
      assert.match(r.stdout, /^gen\/acme\/payments\/v1\/old_pb\.ts: not generated from any proto/m);
    } finally {
      repo.git("checkout", "-q", "--", ".");
      repo.git("clean", "-fdq", "gen");
    }
  });

  it("names a stale package manifest", () => {
    repo.edit("packages/greeter/package.json", '"sideEffects": false', '"sideEffects": true');
    try {
      const r = repo.script("check-generated");
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^packages\/greeter\/package\.json: stale$/m);
    } finally {
      repo.git("checkout", "-q", "--", ".");
    }
  });

  it("names a workspace missing from package-lock.json, and a workspace whose dependencies drifted", () => {
    const lock = JSON.parse(repo.read("package-lock.json")) as {
      packages: Record<string, { dependencies?: Record<string, string> }>;
    };
    delete lock.packages["packages/greeter"];
    delete lock.packages["node_modules/@acme/greeter"];
    lock.packages["packages/platform"].dependencies = {
      ...lock.packages["packages/platform"].dependencies,
      "left-pad": "1.3.0",
    };
    repo.write("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
    try {
      const r = repo.script("check-generated");
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /^package-lock\.json: workspace packages\/greeter \(@acme\/greeter\) is missing; run `npm install`/m,
      );
      assert.match(r.stdout, /^package-lock\.json: packages\/platform dependencies differs from its package\.json/m);
      assert.doesNotMatch(r.stdout, /gen\//, "gen/ itself is up to date");
      assert.match(r.stderr, /`npm install`/);
    } finally {
      repo.git("checkout", "-q", "--", ".");
    }
  });

  it("names every file of an import cycle, the edited one included", () => {
    // The edit: greeter now imports payments, which (in this test) imports greeter back.
    repo.edit(
      "proto/acme/greeter/v1/greeter.proto",
      "package acme.greeter.v1;",
      'package acme.greeter.v1;\n\nimport "acme/payments/v1/payments.proto";',
    );
    repo.edit(
      "proto/acme/payments/v1/payments.proto",
      'import "google/protobuf/duration.proto";',
      'import "acme/greeter/v1/greeter.proto";\nimport "google/protobuf/duration.proto";',
    );
    try {
      const r = repo.script("generate");
      assert.equal(r.code, 1);
      const line = r.stderr.split("\n").find((l) => l.startsWith("import cycle: ")) ?? "";
      assert.match(
        line,
        /proto\/acme\/greeter\/v1\/greeter\.proto:\d+ imports "acme\/payments\/v1\/payments\.proto"/,
        r.stderr,
      );
      assert.match(line, /proto\/acme\/payments\/v1\/payments\.proto:\d+ imports "acme\/greeter\/v1\/greeter\.proto"/);
    } finally {
      repo.git("checkout", "-q", "--", ".");
    }
  });

  it("leaves gen/ untouched when generation fails on a malformed proto", () => {
    const before = readFileSync(join(repo.dir, "gen/acme/greeter/v1/greeter_pb.ts"), "utf8");
    repo.write(
      "proto/acme/greeter/v1/broken.proto",
      'syntax = "proto3";\npackage acme.greeter.v1;\nmessage Broken { string x = ; }\n',
    );
    try {
      const r = repo.script("generate");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /broken\.proto:3:\d+/, "the error says where");
      assert.equal(readFileSync(join(repo.dir, "gen/acme/greeter/v1/greeter_pb.ts"), "utf8"), before);
      assert.deepEqual(
        readdirSync(repo.dir).filter((f) => f.includes(".tmp-")),
        [],
        "no temporary tree left behind",
      );
    } finally {
      repo.git("clean", "-fdq", "proto");
    }
  });

  it("turns a new proto package into a new workspace package with no other edits", () => {
    repo.write(
      "proto/acme/shipping/v1/shipping.proto",
      'syntax = "proto3";\n\n// Shipping.\npackage acme.shipping.v1;\n\n// ShippingService ships parcels.\nservice ShippingService {\n  // Ship ships one parcel.\n  rpc Ship(ShipRequest) returns (ShipResponse) {}\n}\n\n// ShipRequest.\nmessage ShipRequest {\n  // The parcel id.\n  string parcel_id = 1;\n}\n\n// ShipResponse.\nmessage ShipResponse {}\n',
    );
    const r = repo.script("generate");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created packages\/shipping\/package\.json/);
    assert.ok(existsSync(join(repo.dir, "gen/acme/shipping/v1/shipping_pb.ts")));
    const pj = JSON.parse(repo.read("packages/shipping/package.json"));
    assert.equal(pj.name, "@acme/shipping");
    assert.deepEqual(Object.keys(pj.exports), ["./v1", "./package.json"]);
    assert.match(repo.read("packages/shipping/README.md"), /import \{ ShippingService \} from "@acme\/shipping\/v1"/);
    assert.match(
      repo.read("package-lock.json"),
      /"packages\/shipping"/,
      "the lockfile records the new workspace so npm ci keeps working",
    );
    assert.equal(repo.script("check-generated").code, 0);
  });
});
