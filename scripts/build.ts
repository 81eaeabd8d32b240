// npm run build [-- stage...]: the main job. Runs each stage in order, prints
// its duration, and stops at the first failing stage with that stage's own output.
// Compile once: the schema is compiled by `buf build` into one image first
// (.cache/image/, scripts/lib/schema/buf-image.ts), and every stage that can take an
// image (lint, breaking, generate, docs) gets `--image <file>` and reads it.
// Each stage's script runs straight under node + tsx (not through `npm run`,
// which costs a process per stage).
import { delimiter, join, relative } from "node:path";
import { describeImportCycles } from "./lib/codegen/codegen.js";
import { run } from "./lib/infra/exec.js";
import { repoRoot } from "./lib/infra/repo.js";
import { buildBufImage, IMAGE_FILE } from "./lib/schema/buf-image.js";

interface Stage {
  name: string;
  cmd: string;
  args: string[];
  /** Takes `--image <file>`: the schema compiled once by this build. */
  image?: boolean;
}

const tsx = (script: string): { cmd: string; args: string[] } => ({
  cmd: process.execPath,
  args: ["--import", "tsx", script],
});

export const STAGES: Stage[] = [
  { name: "lint", ...tsx("scripts/lint.ts"), image: true },
  { name: "breaking", ...tsx("scripts/breaking.ts"), image: true },
  { name: "generate", ...tsx("scripts/generate.ts"), image: true },
  { name: "packages", ...tsx("scripts/build-packages.ts") },
  { name: "typecheck", ...tsx("scripts/typecheck.ts") },
  { name: "docs", ...tsx("scripts/docs.ts"), image: true },
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
  for (const stage of stages) {
    console.log(`\n▶ ${stage.name}`);
    const t = performance.now();
    // A silent stage (tsc, buf) says it is still alive, so a long build never looks hung.
    const heartbeat = setInterval(
      () => console.log(`  … ${stage.name} still running (${fmt(performance.now() - t)})`),
      HEARTBEAT_MS,
    );
    const args = stage.image && image ? [...stage.args, "--image", image] : stage.args;
    const r = await run(stage.cmd, args, { echo: true, env }).finally(() => clearInterval(heartbeat));
    const took = performance.now() - t;
    if (r.code !== 0) {
      console.error(
        `\n✖ build failed at stage "${stage.name}" after ${fmt(took)} (exit ${r.code}); the stage's output is above.`,
      );
      return r.code;
    }
    console.log(`✔ ${stage.name} (${fmt(took)})`);
  }
  console.log(`\nbuild: ${stages.length} stages done in ${fmt(performance.now() - total)}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) main().then((code) => process.exit(code));
