import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { createFileRegistry, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { bin, run } from "../infra/exec.js";
import { resolveCommit } from "../infra/git.js";
import { checkoutSchemaAt, ensureProtoDeps } from "../codegen/proto-deps.js";
import { listProtoPackages } from "../codegen/protos.js";
import { repoRoot } from "../infra/repo.js";

/** The compiled schema of one revision: every file, and which of them are ours (not imports). */
export interface SchemaImage {
  registry: FileRegistry;
  /** Names of this repo's own files, e.g. "acme/greeter/v1/greeter.proto" (imports such as WKTs excluded). */
  ownFiles: Set<string>;
}

/**
 * Compiles the schema with buf into a binary image (a FileDescriptorSet on
 * the wire) and decodes it. `ref` undefined means the working tree; a git
 * ref is read from the repo's history by buf itself (`.git#ref=<sha>`).
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
    const set = fromBinary(FileDescriptorSetSchema, readFileSync(out));
    return { registry: createFileRegistry(set), ownFiles: await ownProtoFiles(ref, cwd) };
  } finally {
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  }
}

/** The .proto files under proto/ at a ref (or in the working tree), relative to proto/. */
async function ownProtoFiles(ref: string | undefined, cwd: string): Promise<Set<string>> {
  if (ref === undefined) return new Set(listProtoPackages(cwd).flatMap((p) => p.files));
  const r = await run("git", ["ls-tree", "-r", "--name-only", ref, "--", "proto/"], { cwd });
  if (r.code !== 0) throw new Error(`git ls-tree ${ref} failed: ${r.stderr.trim()}`);
  return new Set(
    r.stdout
      .split("\n")
      .filter((f) => f.endsWith(".proto"))
      .map((f) => f.slice("proto/".length)),
  );
}
