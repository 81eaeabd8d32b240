// npm run ci: on a laptop, the checks the PR workflow (.github/workflows/pr.yml)
// runs, in the same order, each through its npm script. Prints every step
// with its duration and stops at the first failure with that step's output.
// PR-only steps are not run here: commitlint of the PR title (the
// commit-msg hook lints local commits), the docs preview upload and the
// summary comment (run `npm run pr:summary` to see it).
import { run } from "./lib/infra/exec.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";

export interface CiStep {
  /** The npm script the step runs; pr.yml runs the same script. */
  script: string;
  args: string[];
}

/** The PR workflow's checks in order. test/workflows.test.ts checks pr.yml calls each of them. */
export const CI_STEPS: CiStep[] = [
  { script: "lint", args: [] },
  { script: "breaking", args: [] },
  { script: "check:generated", args: [] },
  { script: "build", args: [] },
  { script: "test", args: [] },
];

const fmt = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

async function main(): Promise<number> {
  const total = performance.now();
  for (const step of CI_STEPS) {
    const cmd = ["npm", "run", step.script, ...(step.args.length ? ["--", ...step.args] : [])];
    console.log(`\n▶ ci: ${cmd.join(" ")}`);
    const t = performance.now();
    const r = await run("npm", ["run", "-s", step.script, ...(step.args.length ? ["--", ...step.args] : [])], {
      echo: true,
      env: { ...process.env, HUSKY: "0" },
    });
    const took = performance.now() - t;
    if (r.code !== 0) {
      console.error(`\n✖ ci failed at "${step.script}" after ${fmt(took)} (exit ${r.code}); its output is above.`);
      return r.code;
    }
    console.log(`✔ ${step.script} (${fmt(took)})`);
  }
  console.log(`\nci: ${CI_STEPS.length} steps passed in ${fmt(performance.now() - total)}`);
  return 0;
}

runIfEntryPoint(import.meta.url, "ci", main);
