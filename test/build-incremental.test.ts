// Compile once and do only the work a change needs, in a temporary copy of
// the repo: `npm run build` compiles the schema into one buf image that lint,
// breaking, generate and docs read; generate regenerates only the changed
// files (and the result equals a full generation: check:generated); docs are
// not rebuilt when nothing they are made from changed; lint and breaking on
// the image report the same file:line as on the sources, and ask buf only about
// what changed since their last clean run.
import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { listTree } from "../scripts/lib/codegen/codegen.js";
import { makeTempRepo, type TempRepo } from "./support/temp-repo.js";

/** The line of `npm run build` for a stage it did not start because nothing it reads or writes changed. */
const skipped = (stage: string) =>
  new RegExp(`^${stage}: skipped: nothing it reads or writes changed since its last clean run`, "m");

const regenerated = (stdout: string) => {
  const m = /generate: (\d+) of (\d+) files regenerated/.exec(stdout);
  assert.ok(m, `no generate summary in:\n${stdout}`);
  return { done: Number(m[1]), total: Number(m[2]) };
};

describe("npm run build: one buf image, incremental generate and docs", () => {
  let repo: TempRepo;
  const ok = (name: string, args: string[] = []) => {
    const r = repo.script(name, args);
    assert.equal(r.code, 0, `${name} ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
    return r;
  };
  const checkGenerated = () => ok("check-generated");

  before(() => {
    repo = makeTempRepo({ extraPaths: ["gen", "packages", "package-lock.json", "buf.gen.docs.yaml"] });
  });
  after(() => repo?.cleanup());

  it("builds lint, breaking, generate and docs from one image, and a second build redoes nothing", () => {
    const first = ok("build", ["lint", "breaking", "generate", "docs"]);
    assert.match(first.stdout, /✔ image .*\.cache\/image\/working-tree\.binpb/);
    assert.equal(first.stdout.match(/▶ image/g)?.length, 1, "the schema is compiled once for the four stages");
    assert.ok(existsSync(join(repo.dir, "build/docs/index.html")));
    // Nothing changed: the stages are not even started (their stamps, below); without the
    // stamps, each stage's own content check finds nothing to do.
    const again = ok("build", ["lint", "breaking", "generate", "docs"]);
    for (const stage of ["lint", "breaking", "generate", "docs"]) assert.match(again.stdout, skipped(stage));
    rmSync(join(repo.dir, ".cache/stamps"), { recursive: true, force: true });
    const unstamped = ok("build", ["lint", "breaking", "generate", "docs"]);
    assert.equal(regenerated(unstamped.stdout).done, 0);
    assert.match(unstamped.stdout, /docs: build\/docs\/ is up to date/);
    checkGenerated();
  });

  it("regenerates only the changed file (and what imports it), equal to a full generation", () => {
    repo.edit(
      "proto/acme/payments/v1/payments.proto",
      "// PaymentService manages payments.",
      "// PaymentService manages payments, now with a longer comment.",
    );
    const r = ok("generate");
    const { done, total } = regenerated(r.stdout);
    assert.equal(done, 1, r.stdout);
    assert.ok(total > 5);
    assert.match(repo.read("gen/acme/payments/v1/payments_pb.ts"), /now with a longer comment/);
    checkGenerated();
    // The docs are made from the changed schema, so they are rebuilt.
    const docs = ok("build", ["docs"]);
    assert.doesNotMatch(docs.stdout, /up to date/);
    assert.match(repo.read("build/docs/pkg/acme.payments.v1.html"), /now with a longer comment/);
  });

  it("renders again only the page of the package whose comment changed, and equals a full docs build", () => {
    const site = () =>
      Object.fromEntries(listTree(join(repo.dir, "build/docs")).map((f) => [f, repo.read(`build/docs/${f}`)]));
    const pages = (stdout: string) => {
      const m = /docs: (\d+) of (\d+) package pages rendered/.exec(stdout);
      assert.ok(m, `no docs pages summary in:\n${stdout}`);
      return { rendered: Number(m[1]), total: Number(m[2]) };
    };
    ok("build", ["docs"]);
    const before = site();
    repo.edit(
      "proto/acme/greeter/v1/greeter.proto",
      "// GreeterService says hello.",
      "// GreeterService says hello, now documented better.",
    );
    const r = ok("build", ["docs"]);
    assert.equal(pages(r.stdout).rendered, 1, r.stdout);
    assert.ok(pages(r.stdout).total > 3);
    const after = site();
    assert.match(after["pkg/acme.greeter.v1.html"], /now documented better/);
    // Every other package page is the previous run's, byte for byte; the search index covers the change.
    for (const f of Object.keys(before).filter((f) => f.startsWith("pkg/") && f !== "pkg/acme.greeter.v1.html"))
      assert.equal(after[f], before[f], f);
    assert.match(after["assets/search-index.js"], /now documented better/);

    // A page edited by hand is not kept: it is rendered again, alone.
    const payments = "build/docs/pkg/acme.payments.v1.html";
    writeFileSync(join(repo.dir, payments), `${repo.read(payments)}<!-- edited by hand -->`);
    const fix = ok("build", ["docs"]);
    assert.equal(pages(fix.stdout).rendered, 1, fix.stdout);
    assert.equal(repo.read(payments), after["pkg/acme.payments.v1.html"]);

    // The incremental site equals a fresh full build's, file for file.
    rmSync(join(repo.dir, ".cache/docs"), { recursive: true, force: true });
    rmSync(join(repo.dir, "build/docs"), { recursive: true, force: true });
    const fresh = ok("build", ["docs"]);
    assert.match(fresh.stdout, /package pages rendered \(all: no previous site\)/);
    assert.deepEqual(site(), after);
    repo.git("checkout", "-q", "--", "proto/acme/greeter/v1/greeter.proto");
  });

  it("regenerates a generated file that was edited or deleted, and drops the output of a deleted proto", () => {
    const file = "gen/acme/greeter/v1/greeter_pb.ts";
    const good = repo.read(file);
    writeFileSync(join(repo.dir, file), `${good}\n// edited by hand\n`);
    rmSync(join(repo.dir, "gen/acme/payments/v1/payments_pb.ts"));
    assert.equal(regenerated(ok("generate").stdout).done, 2);
    assert.equal(repo.read(file), good);
    checkGenerated();

    // A new file is generated; once deleted, its output goes.
    repo.write(
      "proto/acme/greeter/v1/extra.proto",
      'syntax = "proto3";\n\npackage acme.greeter.v1;\n\n// Extra is new.\nmessage Extra {\n  // The id.\n  string id = 1;\n}\n',
    );
    assert.equal(regenerated(ok("generate").stdout).done, 1);
    assert.ok(existsSync(join(repo.dir, "gen/acme/greeter/v1/extra_pb.ts")));
    checkGenerated();
    rmSync(join(repo.dir, "proto/acme/greeter/v1/extra.proto"));
    ok("generate");
    assert.ok(!existsSync(join(repo.dir, "gen/acme/greeter/v1/extra_pb.ts")), "the deleted proto's code is gone");
    checkGenerated();
  });

  it("lint and breaking on the image name the same file:line as on the sources", () => {
    repo.write(
      "proto/acme/greeter/v1/bad.proto",
      'syntax = "proto3";\n\npackage acme.greeter.v1;\n\n// Doc.\nmessage bad_name {}\n',
    );
    const lint = repo.script("build", ["lint"]);
    assert.equal(lint.code, 1);
    assert.match(
      lint.stdout,
      /^proto\/acme\/greeter\/v1\/bad\.proto:6:9:Message name "bad_name" should be PascalCase/m,
    );
    rmSync(join(repo.dir, "proto/acme/greeter/v1/bad.proto"));

    repo.edit("proto/acme/greeter/v1/greeter.proto", /\n\s*uint32 count = 2;/, "");
    const viaImage = repo.script("build", ["breaking"]);
    const direct = repo.script("breaking");
    assert.equal(viaImage.code, 1);
    assert.equal(direct.code, 1);
    const finding =
      /^proto\/acme\/greeter\/v1\/greeter\.proto:\d+:\d+: Previously present field "2" with name "count".*$/m;
    assert.match(viaImage.stdout, finding);
    assert.equal(viaImage.stdout.match(finding)?.[0], direct.stdout.match(finding)?.[0]);
    repo.git("checkout", "-q", "--", "proto");
  });

  it("lint asks buf only about the files changed since its last clean run, and their package", () => {
    ok("build", ["lint", "breaking"]);
    rmSync(join(repo.dir, ".cache/stamps"), { recursive: true, force: true });
    const again = ok("build", ["lint", "breaking"]);
    assert.match(again.stdout, /buf lint: none of the \d+ files changed since the last clean lint/);
    const file = "proto/acme/payments/v1/payments.proto";
    repo.edit(file, "// The payments service:", "// The payments service (edited):");
    const one = ok("build", ["lint", "breaking"]);
    const m = /buf lint: (\d+) of (\d+) files/.exec(one.stdout);
    assert.ok(m, one.stdout);
    assert.ok(Number(m[1]) >= 1 && Number(m[1]) < Number(m[2]), one.stdout);
    repo.git("checkout", "-q", "--", "proto");
  });
});

describe("npm run build with nothing changed starts no stage; each kind of change starts the stages it concerns", () => {
  let repo: TempRepo;
  const STAGES = ["lint", "breaking", "generate", "packages", "typecheck", "docs"];
  const build = (...stages: string[]) => repo.script("build", stages);
  const ok = (...stages: string[]) => {
    const r = build(...stages);
    assert.equal(r.code, 0, `build ${stages.join(" ")}:\n${r.stdout}${r.stderr}`);
    return r.stdout + r.stderr;
  };
  /** The stages that ran (started and finished) in a build's output, not skipped. */
  const ran = (stdout: string) =>
    STAGES.filter((s) => !skipped(s).test(stdout) && new RegExp(`^(✔|✖) ${s} `, "m").test(stdout));

  /**
   * Builds until one starts no stage (at most 3 builds). A stage that ran beside generate can have
   * stat'ed a file that generate then rewrote with the same content (package-lock.json): it runs
   * once more on the next build, whose result is the same. How soon that settles depends on the
   * order the stages ran in, so exact lists are asserted only from a settled state.
   */
  const settle = (...stages: string[]) => {
    for (let i = 0; i < 3; i++) if (ran(ok(...stages)).length === 0) return;
    assert.fail("three builds in a row with nothing changed still started stages");
  };

  before(() => {
    repo = makeTempRepo({ extraPaths: ["gen", "packages", "package-lock.json", "buf.gen.docs.yaml"] });
    ok();
    settle();
  });
  after(() => repo?.cleanup());

  it("a second build with nothing changed starts none of the six stages", () => {
    const again = ok();
    for (const stage of STAGES) assert.match(again, skipped(stage));
    assert.deepEqual(ran(again), []);
  });

  it("a .proto edit runs every stage again, with the edit in gen/, dist/ and the docs", () => {
    const file = "proto/acme/greeter/v1/greeter.proto";
    repo.edit(file, "// GreeterService says hello.", "// GreeterService says hello, stamped.");
    const r = ok();
    assert.deepEqual(ran(r), STAGES, r);
    assert.match(repo.read("gen/acme/greeter/v1/greeter_pb.ts"), /says hello, stamped/);
    assert.match(repo.read("build/docs/pkg/acme.greeter.v1.html"), /says hello, stamped/);
    assert.ok(
      listTree(join(repo.dir, "packages/greeter/dist")).some((f) =>
        repo.read(`packages/greeter/dist/${f}`).includes("says hello, stamped"),
      ),
      "the package is built from the edited schema",
    );
    assert.equal(repo.script("check-generated").code, 0);
    assert.deepEqual(ran(ok()), []);
  });

  it("a generated file, a built file or a docs page edited or deleted by hand is made again", () => {
    const gen = "gen/acme/greeter/v1/greeter_pb.ts";
    const good = repo.read(gen);
    writeFileSync(join(repo.dir, gen), `${good}// edited by hand\n`);
    const edited = ok("generate");
    assert.deepEqual(ran(edited), ["generate"]);
    assert.equal(regenerated(edited).done, 1);
    assert.equal(repo.read(gen), good);
    rmSync(join(repo.dir, gen));
    assert.equal(regenerated(ok("generate")).done, 1);
    assert.equal(repo.read(gen), good);

    const dist = join("packages/greeter/dist", listTree(join(repo.dir, "packages/greeter/dist"))[0]);
    const built = repo.read(dist);
    rmSync(join(repo.dir, dist));
    assert.deepEqual(ran(ok("packages")), ["packages"]);
    assert.equal(repo.read(dist), built);

    const page = "build/docs/pkg/acme.greeter.v1.html";
    const shown = repo.read(page);
    writeFileSync(join(repo.dir, page), "<p>edited by hand</p>");
    assert.deepEqual(ran(ok("docs")), ["docs"]);
    assert.equal(repo.read(page), shown);
    // The files made again have new stats: the next build looks once more (typecheck by content), then none.
    ok();
    assert.deepEqual(ran(ok()), []);
  });

  it("a Biome problem in a TypeScript file fails lint on every build until it is fixed", () => {
    repo.write("test/stamped.ts", "export const same = (a: number) => a == 1;\n");
    for (let i = 0; i < 2; i++) {
      const r = build("lint");
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout + r.stderr, /test\/stamped\.ts/);
      assert.deepEqual(ran(r.stdout + r.stderr), ["lint"]);
    }
    repo.write("test/stamped.ts", "export const same = (a: number) => a === 1;\n");
    assert.deepEqual(ran(ok("lint")), ["lint"]);
    assert.deepEqual(ran(ok("lint")), []);
    rmSync(join(repo.dir, "test"), { recursive: true });
  });

  it("a breaking change is reported on every build until it is undone", () => {
    const file = "proto/acme/greeter/v1/greeter.proto";
    repo.edit(file, /\n\s*uint32 count = 2;/, "");
    for (let i = 0; i < 2; i++) {
      const r = build("breaking");
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /Previously present field "2" with name "count"/);
    }
    repo.git("checkout", "-q", "--", file);
    assert.deepEqual(ran(ok("breaking")), ["breaking"]);
  });

  it("a change to buf.yaml, buf.gen.yaml or biome.jsonc runs the stages that read it", () => {
    settle("lint", "breaking", "generate");
    const cases: [string, string[]][] = [
      ["buf.yaml", ["lint", "breaking", "generate"]],
      // lint's stamp takes in every file of a kind Biome may check, YAML included.
      ["buf.gen.yaml", ["lint", "generate"]],
      ["biome.jsonc", ["lint"]],
    ];
    for (const [config, stages] of cases) {
      const text = repo.read(config);
      repo.write(config, `${config === "biome.jsonc" ? "// changed\n" : "# changed\n"}${text}`);
      const r = ok("lint", "breaking", "generate");
      assert.deepEqual(ran(r), stages, `${config}:\n${r}`);
      repo.write(config, text);
      settle("lint", "breaking", "generate");
    }
  });
});
