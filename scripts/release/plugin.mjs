// semantic-release loads plugins with import(), which cannot read TypeScript:
// this shim loads the steps through tsx's scoped loader.
import { tsImport } from "tsx/esm/api";

const steps = await tsImport("./plugin-steps.ts", import.meta.url);

export const { verifyConditions, analyzeCommits, verifyRelease, prepare, publish, addChannel, success } = steps;
