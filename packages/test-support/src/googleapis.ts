// A real corpus for the docs plugin's tests and benchmark (protoc-gen-doc, bench/docs.ts).
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./repo.js";

/**
 * The googleapis subset the docs are measured and tested on (the one readers
 * reported problems with), copied from the pinned google-proto-files npm
 * package: api, rpc, type, longrunning, iam (imported by pubsub and spanner),
 * pubsub, Cloud Tasks and Spanner. The well-known types stay out: buf has them.
 * "dir/*" takes the directory's own files, not its subdirectories.
 */
export const GOOGLEAPIS_DIRS = [
  "google/api/*",
  "google/rpc",
  "google/type",
  "google/longrunning",
  "google/iam/v1",
  "google/pubsub/v1",
  "google/cloud/tasks/v2",
  "google/spanner/v1",
];

/** Writes the googleapis subset and a buf.yaml into `dir`; returns the number of .proto files. */
export function writeGoogleapisCorpus(dir: string, root = repoRoot): { files: number } {
  const src = join(root, "node_modules", "google-proto-files");
  if (!existsSync(src)) throw new Error(`${src} is missing; run npm ci (google-proto-files is a devDependency)`);
  let files = 0;
  for (const entry of GOOGLEAPIS_DIRS) {
    const shallow = entry.endsWith("/*");
    const d = shallow ? entry.slice(0, -2) : entry;
    const top = join(src, d);
    cpSync(top, join(dir, d), {
      recursive: true,
      filter: (p) => (statSync(p).isDirectory() ? !shallow || p === top : p.endsWith(".proto")),
    });
  }
  const count = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) count(join(d, e.name));
      else if (e.name.endsWith(".proto")) files++;
    }
  };
  count(join(dir, "google"));
  writeFileSync(join(dir, "buf.yaml"), "version: v2\n");
  return { files };
}
