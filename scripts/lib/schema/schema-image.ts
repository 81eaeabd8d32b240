import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, run } from "../infra/exec.js";
import { resolveCommit } from "../infra/git.js";
import { checkoutSchemaAt, ensureProtoDeps } from "../codegen/proto-deps.js";
import { repoRoot } from "../infra/repo.js";
import { readSchemaImage, type SchemaImage } from "./image-registry.js";

export type { SchemaImage } from "./image-registry.js";

/**
 * Compiles the schema with buf into a binary image (a FileDescriptorSet on
 * the wire) and decodes it. `ref` undefined means the working tree; a git
 * ref is read from the repo's history by buf itself (`.git#ref=<sha>`).
 * The repo's own files are those buf built as the proto/ module; every other
 * file of the image (well-known types, dependency modules) is an import.
 */
export async function buildSchemaImage(ref: string | undefined, cwd = repoRoot): Promise<SchemaImage> {
  const dir = mkdtempSync(join(tmpdir(), "schema-image-"));
  const cleanup = [dir];
  try {
    const out = join(dir, "image.binpb");
    // Our module's files plus their imports; an old ref is checked out with the gitignored .deps/ beside it.
    await ensureProtoDeps(cwd);
    const at = ref === undefined ? undefined : await checkoutSchemaAt(await resolveCommit(ref, cwd), cwd);
    if (at) cleanup.push(at);
    const r = await run(bin("buf", repoRoot), ["build", at ? join(at, "proto") : "proto", "-o", out], { cwd });
    if (r.code !== 0) {
      throw new Error(
        `buf build ${ref ? `at ${ref}` : "of the working tree"} failed (exit ${r.code}):\n${(r.stderr || r.stdout).trim()}`,
      );
    }
    return readSchemaImage(out);
  } finally {
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  }
}
