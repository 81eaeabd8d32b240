import { mkdtempSync, renameSync, rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Writes a file by renaming a finished temporary file over it, so readers never see half a file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** A fresh temporary directory beside `target`, on the same filesystem so a rename can swap it in. */
export function siblingTempDir(target: string): string {
  mkdirSync(dirname(target), { recursive: true });
  return mkdtempSync(join(dirname(target), `.${basename(target)}.tmp-`));
}

/**
 * Replaces directory `target` with the finished directory `fresh` by two
 * renames: the old tree stays whole until the new one is complete, and a
 * failure before the swap leaves the old tree untouched.
 */
export function replaceDirAtomic(fresh: string, target: string): void {
  const old = `${target}.old-${process.pid}`;
  const hadOld = existsSync(target);
  if (hadOld) renameSync(target, old);
  try {
    renameSync(fresh, target);
  } catch (err) {
    if (hadOld) renameSync(old, target);
    throw err;
  }
  if (hadOld) rmSync(old, { recursive: true, force: true });
}
