// npm run build: the main job. Runs each stage in order, prints its duration,
// and stops at the first failing stage with that stage's own output.
import { run } from "./lib/infra/exec.js";

interface Stage {
  name: string;
  cmd: string;
  args: string[];
}

const npmRun = (script: string, ...args: string[]): [string, string[]] => [
  "npm",
  ["run", "-s", script, ...(args.length ? ["--", ...args] : [])],
];

export const STAGES: Stage[] = [
  { name: "lint", ...spread(npmRun("lint")) },
  { name: "breaking", ...spread(npmRun("breaking")) },
  { name: "generate", ...spread(npmRun("generate")) },
  { name: "packages", ...spread(npmRun("build:packages")) },
  { name: "typecheck", ...spread(npmRun("typecheck")) },
  { name: "docs", ...spread(npmRun("docs")) },
];

function spread([cmd, args]: [string, string[]]): { cmd: string; args: string[] } {
  return { cmd, args };
}

const HEARTBEAT_MS = 15_000;
const fmt = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const stages = only.length ? STAGES.filter((s) => only.includes(s.name)) : STAGES;
  const total = performance.now();
  for (const stage of stages) {
    console.log(`\n▶ ${stage.name}`);
    const t = performance.now();
    // A silent stage (tsc, buf) says it is still alive, so a long build never looks hung.
    const heartbeat = setInterval(
      () => console.log(`  … ${stage.name} still running (${fmt(performance.now() - t)})`),
      HEARTBEAT_MS,
    );
    const r = await run(stage.cmd, stage.args, { echo: true }).finally(() => clearInterval(heartbeat));
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
