import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// This module sits one level below the package root in every form it runs in:
// src/package-files.ts (from source), dist/package-files.js and .cjs, and the
// bundled dist/protoc-gen-doc.js. CommonJS has no import.meta and ES modules
// have no __filename; typeof guards the one that is missing.
const here = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
const PACKAGE_ROOT = join(dirname(here), "..");

/** A file shipped in the package (listed in package.json "files"), as text. */
export function readPackageFile(path: string): string {
  return readFileSync(join(PACKAGE_ROOT, path), "utf8");
}

/** The version in the package's own package.json (the release version once published). */
export function packageVersion(): string {
  return (JSON.parse(readPackageFile("package.json")) as { version: string }).version;
}
