// npm run bench:pipeline [-- --files 100 --files 500 --files 1000]
// For each size N: a temporary copy of this repo (its configuration, scripts,
// packages) plus N synthetic protos (scripts/synth-schema.ts, N/5 proto
// packages, each its own npm package), committed to a throwaway git repo.
// Then `npm run build`, timed whole with its peak RSS (GNU time) and stage by
// stage from its log:
//   1. cold (no dist/, no build cache, no gen/ state);
//   2. again with no change;
//   3. after a one-line comment change in one proto;
//   4. after adding a field to one proto;
// and, in the same run, the raw tool floor: buf lint + buf generate
// (protoc-gen-es, strategy all) + one tsc over the generated tree + the docs
// plugin. Prints one table; the README carries it.
// Set-up (generating the N/5 new workspace packages and recording them in
// package-lock.json, as a developer commits them) is not timed.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bin, run } from "../scripts/lib/infra/exec.js";
import { editableFile, writeSyntheticProtos } from "../scripts/synth-schema.js";
import { makeTempRepo } from "../test/support/temp-repo.js";

interface Timed {
  seconds: number;
  rssMb: number;
}

interface BuildRun {
  stages: Map<string, Timed>;
  total: number;
  peakRssMb: number;
  packagesBuilt: number;
}

const TIME = "/usr/bin/time";

/** Runs a command under GNU time; returns wall seconds and the peak RSS of its process tree's largest process. */
async function timed(cmd: string, args: string[], cwd: string): Promise<Timed & { stdout: string }> {
  const out = join(cwd, ".bench-time");
  const r = await run(TIME, ["-o", out, "-f", "%e %M", cmd, ...args], { cwd, env: { ...process.env, HUSKY: "0" } });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${r.stdout}${r.stderr}`);
  const [e, m] = readFileSync(out, "utf8").trim().split("\n").pop()!.split(" ");
  return { seconds: Number(e), rssMb: Number(m) / 1024, stdout: r.stdout };
}

/** One `npm run build`, as a developer runs it: its wall time and peak RSS, and each stage's time from its log. */
async function build(dir: string): Promise<BuildRun> {
  const t = await timed("npm", ["run", "-s", "build"], dir);
  const stages = new Map<string, Timed>();
  for (const m of t.stdout.matchAll(/^✔ (\S+) \((\d+(?:\.\d+)?) (ms|s)\)/gm))
    stages.set(m[1], { seconds: Number(m[2]) / (m[3] === "ms" ? 1000 : 1), rssMb: 0 });
  const m = /(\d+) packages: (\d+) to build/.exec(t.stdout);
  return { stages, total: t.seconds, peakRssMb: t.rssMb, packagesBuilt: m ? Number(m[2]) : 0 };
}

/** buf lint + buf generate (protoc-gen-es, strategy all) + one tsc over the generated tree + the docs plugin. */
async function floor(dir: string): Promise<{ total: number; parts: Record<string, number>; peakRssMb: number }> {
  const out = mkdtempSync(join(dir, ".floor-"));
  try {
    const es = JSON.stringify({
      version: "v2",
      inputs: [{ directory: "proto" }],
      plugins: [
        {
          local: bin("protoc-gen-es"),
          out: join(out, "gen"),
          strategy: "all",
          // As buf.gen.yaml: third-party imports generated too, buf/validate from
          // @bufbuild/protovalidate, so that the tree type-checks.
          include_imports: true,
          opt: [
            "target=ts",
            "import_extension=js",
            "rewrite_imports=./buf/validate/*_pb.js:@bufbuild/protovalidate/gen",
          ],
        },
      ],
    });
    writeFileSync(
      join(out, "tsconfig.json"),
      JSON.stringify({
        extends: join(dir, "tsconfig.base.json"),
        compilerOptions: { noEmit: true, types: [] },
        include: [join(out, "gen")],
      }),
    );
    const docs = JSON.stringify({
      version: "v2",
      inputs: [{ directory: "proto" }],
      plugins: [
        {
          local: ["node", join(dir, "packages/protoc-gen-doc/dist/protoc-gen-doc.js")],
          out: join(out, "docs"),
          strategy: "all",
          opt: ["html", "index.html"],
        },
      ],
    });
    const parts = {
      lint: await timed(bin("buf"), ["lint"], dir),
      generate: await timed(bin("buf"), ["generate", "--template", es], dir),
      tsc: await timed(
        process.execPath,
        [join(dir, "node_modules/typescript/bin/tsc"), "-p", join(out, "tsconfig.json")],
        dir,
      ),
      docs: await timed(bin("buf"), ["generate", "--template", docs], dir),
    };
    const values = Object.values(parts);
    return {
      total: values.reduce((a, t) => a + t.seconds, 0),
      parts: Object.fromEntries(Object.entries(parts).map(([k, t]) => [k, t.seconds])),
      peakRssMb: Math.max(...values.map((t) => t.rssMb)),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const s = (x: number) => `${x.toFixed(1)} s`;

async function benchSize(files: number): Promise<string[]> {
  const repo = makeTempRepo({
    extraPaths: ["gen", "packages", "package-lock.json", "buf.gen.docs.yaml", "test", "examples", "bench"],
  });
  try {
    const stats = writeSyntheticProtos(join(repo.dir, "proto"), files);
    console.log(
      `\nN = ${files}: ${stats.packages} proto packages, ${stats.messages} messages, ${stats.services} services, ${stats.rpcs} rpcs (set-up: generate + lockfile)`,
    );
    const g = repo.script("generate");
    if (g.code !== 0) throw new Error(`generate failed:\n${g.stdout}${g.stderr}`);
    repo.commit("feat: synthetic schema");
    // Cold: no dist/, no build cache.
    for (const d of readdirSync(join(repo.dir, "packages")))
      rmSync(join(repo.dir, "packages", d, "dist"), { recursive: true, force: true });
    rmSync(join(repo.dir, ".cache"), { recursive: true, force: true });
    // The docs plugin must exist for the floor; the cold build below builds it anyway.
    rmSync(join(repo.dir, "gen"), { recursive: true, force: true });
    const cold = await build(repo.dir);
    console.log(
      `  cold build ${s(cold.total)}: ${[...cold.stages].map(([n, t]) => `${n} ${s(t.seconds)}`).join(", ")}; peak RSS ${Math.round(cold.peakRssMb)} MB`,
    );
    const same = await build(repo.dir);
    console.log(
      `  no-change build ${s(same.total)} (${same.packagesBuilt} package(s) rebuilt): ${[...same.stages].map(([n, t]) => `${n} ${s(t.seconds)}`).join(", ")}`,
    );

    const file = join(repo.dir, "proto", editableFile(files));
    writeFileSync(file, readFileSync(file, "utf8").replace("// The id.", "// The id, now with a longer comment."));
    const comment = await build(repo.dir);
    console.log(
      `  one-file comment change ${s(comment.total)} (${comment.packagesBuilt} package(s) rebuilt): ${[...comment.stages].map(([n, t]) => `${n} ${s(t.seconds)}`).join(", ")}`,
    );

    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        "  repeated string tags = 10;\n}",
        "  repeated string tags = 10;\n  // A new field.\n  string added = 11;\n}",
      ),
    );
    const field = await build(repo.dir);
    console.log(
      `  one-file field change ${s(field.total)} (${field.packagesBuilt} package(s) rebuilt): ${[...field.stages].map(([n, t]) => `${n} ${s(t.seconds)}`).join(", ")}`,
    );

    const f = await floor(repo.dir);
    console.log(
      `  floor ${s(f.total)}: ${Object.entries(f.parts)
        .map(([k, v]) => `${k} ${s(v)}`)
        .join(", ")}`,
    );
    const st = (n: string) => s(cold.stages.get(n)?.seconds ?? 0);
    const rss = Math.max(cold.peakRssMb, same.peakRssMb, comment.peakRssMb, field.peakRssMb);
    const pct = (x: number) => `${Math.round((100 * x) / cold.total)}%`;
    return [
      `| ${files} | ${stats.packages} | ${st("image")} | ${st("lint")} | ${st("breaking")} | ${st("generate")} | ${st("packages")} | ${st("typecheck")} | ${st("docs")} | **${s(cold.total)}** | ${s(same.total)} (${same.packagesBuilt}) | ${s(comment.total)} (${comment.packagesBuilt}), ${pct(comment.total)} | ${s(field.total)} (${field.packagesBuilt}), ${pct(field.total)} | ${s(f.total)} | **${(cold.total / f.total).toFixed(2)}** | ${Math.round(rss)} MB |`,
    ];
  } finally {
    repo.cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { files: { type: "string", multiple: true } } });
  const sizes = (values.files ?? ["100", "500", "1000"]).map(Number);
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for peak RSS: apt-get install time`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(" ");
  console.log(`bench:pipeline on ${machine}; load ${load()}`);
  const rows: string[] = [];
  for (const n of sizes) {
    rows.push(...(await benchSize(n)));
    console.log(`  row: ${rows[rows.length - 1]} (load ${load()})`);
  }
  console.log(`\nmachine: ${machine}; load at the end ${load()}`);
  console.log(
    [
      "| files | proto pkgs | image | lint | breaking | generate | packages | typecheck | docs | full build | no change (pkgs rebuilt) | one-file comment change (pkgs), % of full | one-file field change (pkgs), % of full | floor | build / floor | peak RSS |",
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...rows,
    ].join("\n"),
  );
  const git = (args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();
  console.log(`(commit ${git(["rev-parse", "--short", "HEAD"])})`);
}

main().catch((err: Error) => {
  console.error(`bench:pipeline: ${err.message}`);
  process.exit(1);
});
