// npm run build [-- stage...]: the main job. Runs the stages below, prints
// each one's duration, and on a failure reports the failing stage with its own output.
// Compile once: the schema is compiled by `buf build` into one image first
// (.cache/image/, scripts/lib/schema/buf-image.ts), and every stage that can take an
// image (lint, breaking, generate, docs) gets `--image <file>` and reads it.
// Each stage's script runs straight under node + tsx (not through `npm run`,
// which costs a process per stage).
// Parallel and bounded: a stage starts as soon as the stages it needs are done,
// with at most one stage per core running (lint and breaking need only the image,
// so they run beside generate → packages → typecheck; docs needs the plugin that
// packages builds). While more than one stage runs, each output line is prefixed
// with its stage's name. After a failure no new stage starts; the ones already
// running finish (nothing is left half-written), then the build exits with the
// failing stage's code.
import { availableParallelism } from "node:os";
import { delimiter, join, relative } from "node:path";
import { describeImportCycles } from "./lib/codegen/codegen.js";
import { run } from "./lib/infra/exec.js";
import { repoRoot } from "./lib/infra/repo.js";
import { buildBufImage, IMAGE_FILE } from "./lib/schema/buf-image.js";
import { buildStageStamp } from "./lib/infra/build-stamps.js";
import { stageStamp } from "./lib/infra/stage-stamp.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";

interface Stage {
  name: string;
  cmd: string;
  args: string[];
  /** Takes `--image <file>`: the schema compiled once by this build. */
  image?: boolean;
  /** The stages whose results this one reads (when they run in the same build). */
  needs: string[];
  /** Whether an exit code 0 is a clean result (no finding at all, not even an approved one) from the stage's output. */
  clean?: (stdout: string) => boolean;
}

const tsx = (script: string): { cmd: string; args: string[] } => ({
  cmd: process.execPath,
  args: ["--import", "tsx", script],
});

export const STAGES: Stage[] = [
  { name: "lint", ...tsx("scripts/lint.ts"), image: true, needs: [] },
  // An approved break exits 0 with warnings: those are shown on every build too.
  {
    name: "breaking",
    ...tsx("scripts/breaking.ts"),
    image: true,
    needs: [],
    clean: (out) => /^breaking: no breaking changes against /m.test(out),
  },
  { name: "generate", ...tsx("scripts/generate.ts"), image: true, needs: [] },
  { name: "packages", ...tsx("scripts/build-packages.ts"), needs: ["generate"] },
  // Tests and examples import the packages by name: their declarations come from packages.
  { name: "typecheck", ...tsx("scripts/typecheck.ts"), needs: ["packages"] },
  // The docs plugin (@acme/protoc-gen-doc) runs from its build.
  { name: "docs", ...tsx("scripts/docs.ts"), image: true, needs: ["packages"] },
];

const HEARTBEAT_MS = 15_000;
const fmt = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const stages = only.length ? STAGES.filter((s) => only.includes(s.name)) : STAGES;
  const total = performance.now();
  let image: string | undefined;
  if (stages.some((s) => s.image)) {
    const t = performance.now();
    console.log("\n▶ image (buf build, once for every stage)");
    try {
      image = await buildBufImage(repoRoot, join(repoRoot, IMAGE_FILE));
    } catch (err) {
      const cycles = /cyclic import/.test((err as Error).message) ? describeImportCycles(repoRoot) : [];
      console.error([(err as Error).message, ...cycles].join("\n"));
      console.error(`\n✖ build failed: the schema does not compile (after ${fmt(performance.now() - t)}); see above.`);
      return 1;
    }
    console.log(`✔ image (${fmt(performance.now() - t)}): ${relative(repoRoot, image)}`);
  }
  const env = { ...process.env, PATH: [join(repoRoot, "node_modules", ".bin"), process.env.PATH].join(delimiter) };
  const slots = Math.max(1, Math.min(availableParallelism(), stages.length));
  const selected = new Set(stages.map((s) => s.name));
  const done = new Set<string>();
  const running = new Set<string>();
  // When a core is free, the stage that most others wait for starts first (generate before lint).
  const dependents = (name: string): number =>
    stages.filter((s) => s.needs.includes(name)).reduce((n, s) => n + 1 + dependents(s.name), 0);
  const waiting = [...stages].sort((a, b) => dependents(b.name) - dependents(a.name));
  let failed: { stage: Stage; code: number; took: number } | undefined;

  /** A child's output, live; prefixed with the stage's name while stages overlap. */
  const echo = (name: string, write: (s: string) => void) => {
    let partial = "";
    return {
      data(d: string) {
        const lines = (partial + d).split("\n");
        partial = lines.pop()!;
        for (const l of lines) write(slots > 1 ? `${name} │ ${l}\n` : `${l}\n`);
      },
      end() {
        if (partial) write(slots > 1 ? `${name} │ ${partial}\n` : `${partial}\n`);
        partial = "";
      },
    };
  };

  const runStage = async (stage: Stage): Promise<void> => {
    console.log(`\n▶ ${stage.name}`);
    const t = performance.now();
    // Nothing it reads or writes changed since its last clean run (scripts/lib/infra/stage-stamp.ts): not started.
    const spec = buildStageStamp(stage.name, repoRoot, stage.image ? image : undefined);
    const stamp = stageStamp(stage.name, repoRoot);
    if (spec && stamp.fresh(spec)) {
      console.log(
        `${stage.name}: skipped: nothing it reads or writes changed since its last clean run (${relative(repoRoot, stamp.file)})`,
      );
      console.log(`✔ ${stage.name} (${fmt(performance.now() - t)})`);
      return;
    }
    const record = spec ? stamp.begin(spec) : undefined;
    let stdout = "";
    // A silent stage (tsc, buf) says it is still alive, so a long build never looks hung.
    const heartbeat = setInterval(
      () => console.log(`  … ${stage.name} still running (${fmt(performance.now() - t)})`),
      HEARTBEAT_MS,
    );
    const out = echo(stage.name, (l) => process.stdout.write(l));
    const err = echo(stage.name, (l) => process.stderr.write(l));
    const args = stage.image && image ? [...stage.args, "--image", image] : stage.args;
    const onStdout = (d: string) => {
      if (stage.clean) stdout += d;
      out.data(d);
    };
    const r = await run(stage.cmd, args, { env, onStdout, onStderr: err.data }).finally(() => {
      clearInterval(heartbeat);
      out.end();
      err.end();
    });
    const took = performance.now() - t;
    if (r.code !== 0) {
      failed ??= { stage, code: r.code, took };
      console.error(`✖ ${stage.name} failed after ${fmt(took)} (exit ${r.code})`);
    } else {
      if (record && (!stage.clean || stage.clean(stdout))) record();
      console.log(`✔ ${stage.name} (${fmt(took)})`);
    }
  };

  await new Promise<void>((resolve) => {
    const next = () => {
      while (!failed && running.size < slots) {
        const i = waiting.findIndex((s) => s.needs.every((n) => !selected.has(n) || done.has(n)));
        if (i < 0) break;
        const [stage] = waiting.splice(i, 1);
        running.add(stage.name);
        runStage(stage)
          .catch((e: Error) => {
            // The stage could not even start (e.g. node missing): a failure like any other.
            failed ??= { stage, code: 1, took: 0 };
            console.error(`✖ ${stage.name} could not run: ${e.message}`);
          })
          .then(() => {
            running.delete(stage.name);
            done.add(stage.name);
            next();
          });
      }
      if (running.size === 0) resolve();
    };
    next();
  });
  if (failed) {
    console.error(
      `\n✖ build failed at stage "${failed.stage.name}" after ${fmt(failed.took)} (exit ${failed.code}); the stage's output is above.`,
    );
    return failed.code;
  }
  console.log(`\nbuild: ${stages.length} stages done in ${fmt(performance.now() - total)}`);
  return 0;
}

runIfEntryPoint(import.meta.url, "build", main);
