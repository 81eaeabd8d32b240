import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";

/**
 * Moves the staged entries `names` into `tree` in order, all or nothing. What
 * an entry replaces is moved into the stage first (a rename cannot replace a
 * directory), so it goes when the stage is removed; if any move fails, the
 * entries already moved go back to the stage and what they replaced returns.
 */
export function moveIntoTree(stage: string, tree: string, names: string[]): void {
  const aside = join(stage, ".replaced");
  mkdirSync(aside);
  const replaced: string[] = [];
  const moved: string[] = [];
  try {
    for (const name of names) {
      if (existsSync(join(tree, name))) {
        renameSync(join(tree, name), join(aside, name));
        replaced.push(name);
      }
      renameSync(join(stage, name), join(tree, name));
      moved.push(name);
    }
  } catch (err) {
    for (const name of moved.reverse()) renameSync(join(tree, name), join(stage, name));
    for (const name of replaced) renameSync(join(aside, name), join(tree, name));
    throw err;
  }
}
