// Incremental `npm run generate`: regenerates only the .proto files whose
// compiled descriptor (or one of their imports', transitively) changed, from
// the build's one buf image, and keeps every other generated file as it is.
//
// protoc-gen-es writes one x_pb.ts per x.proto, and its content depends only
// on that file's descriptor and the files it imports, so a file is keyed by
// the hash of its descriptor (source info included: a comment change counts)
// and its imports' keys. The keys and the hash of every output are kept in
// .cache/generate/state.json; an output whose bytes differ from the state
// (edited by hand, half-written) is regenerated too. A change to buf.gen.yaml,
// the toolchain or this code regenerates everything. The third-party inputs of
// buf.gen.yaml (other than proto/) are generated once per content and kept in
// .cache/generate/. The new gen/ is assembled beside the old one and swapped
// in whole; `npm run check:generated` compares it with a full generation.
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { parse } from "yaml";
import { bin, runOrThrow } from "../infra/exec.js";
import { replaceDirAtomic, siblingTempDir, writeFileAtomic } from "../infra/fs-atomic.js";
import { readRepoConfig, repoRoot } from "../infra/repo.js";
import { MODULE_DIR } from "../schema/buf-image.js";
import { readSchemaImage, type SchemaImage } from "../schema/image-registry.js";
import { listTree, writeEntryPoints } from "./codegen.js";
import { PROTO_DEPS } from "./proto-deps.js";
import { protoPackagesOf } from "./protos.js";

export const GEN_STATE_DIR = join(".cache", "generate");
const TEMPLATE = "buf.gen.yaml";
/** Inputs of the key of every generated file besides its descriptor: a change here regenerates all. */
const TOOLCHAIN = ["@bufbuild/buf", "@bufbuild/protoc-gen-es", "@bufbuild/protobuf"];
const CODE = [
  "scripts/lib/codegen/gen-incremental.ts",
  "scripts/lib/codegen/codegen.ts",
  "scripts/lib/codegen/package-plan.ts",
  "scripts/lib/codegen/file-registry.ts",
];

interface Input {
  directory?: string;
  paths?: string[];
  [k: string]: unknown;
}
interface Template {
  version: string;
  inputs?: Input[];
  plugins: { local?: unknown; out: string; [k: string]: unknown }[];
}
interface State {
  toolKey: string;
  extrasKey: string;
  /** Generated file (relative to gen/) -> its key and the sha256 of its content. */
  units: Record<string, { key: string; sha: string }>;
}

export interface GenerateReport {
  /** Files of the image that yield a generated file. */
  total: number;
  /** Regenerated in this run. */
  regenerated: number;
  /** Why everything was regenerated, when it was. */
  full?: string;
}

const sha256 = (d: string | Uint8Array) => createHash("sha256").update(d).digest("hex");

function versionOf(root: string, name: string): string {
  const f = join(root, "node_modules", name, "package.json");
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as { version: string }).version : "-";
}

/** sha256 of every file under the given paths (files or directories), with their names. */
function hashPaths(root: string, paths: string[]): string {
  const h = createHash("sha256");
  for (const p of paths) {
    const abs = join(root, p);
    if (!existsSync(abs)) {
      h.update(`${p} -\n`);
      continue;
    }
    const files = statSync(abs).isDirectory() ? listTree(abs).map((f) => join(p, f)) : [p];
    for (const f of files) h.update(`${f} ${sha256(readFileSync(join(root, f)))}\n`);
  }
  return h.digest("hex");
}

/**
 * The generated file (relative to gen/) of every file of the schema, with
 * its key: the hash of its descriptor and of its imports' keys. Files in
 * `skip` and the well-known types yield none.
 */
export function unitKeys(schema: SchemaImage, skip: Set<string>): Map<string, { proto: string; key: string }> {
  const files = [...schema.registry.files].map((f) => f.proto);
  const byName = new Map(files.map((f) => [f.name, f]));
  const keys = new Map<string, string>();
  const keyOf = (name: string): string => {
    const done = keys.get(name);
    if (done) return done;
    const f = byName.get(name);
    if (!f) return "-";
    const h = createHash("sha256").update(toBinary(FileDescriptorProtoSchema, f));
    // Imports form a DAG (buf rejects cycles), so the recursion ends.
    for (const d of [...f.dependency].sort()) h.update(`\n${d} ${keyOf(d)}`);
    const k = h.digest("hex");
    keys.set(name, k);
    return k;
  };
  const units = new Map<string, { proto: string; key: string }>();
  for (const f of files) {
    // Well-known types are not generated (buf's include_wkt is off); a module whose npm package ships its code is dropped.
    if (f.name.startsWith("google/protobuf/") || skip.has(f.name)) continue;
    units.set(f.name.replace(/\.proto$/, "_pb.ts"), { proto: f.name, key: keyOf(f.name) });
  }
  return units;
}

/**
 * Brings gen/ up to date with the image (see the file comment); `schema` is
 * the image decoded, when the caller has it already. `log` gets one line
 * saying how much was regenerated.
 */
export async function generateFromImage(
  imagePath: string,
  root = repoRoot,
  log: (s: string) => void = console.log,
  schema: SchemaImage = readSchemaImage(imagePath),
): Promise<GenerateReport> {
  const template = parse(readFileSync(join(root, TEMPLATE), "utf8")) as Template;
  const own = (template.inputs ?? []).filter((i) => i.directory === MODULE_DIR);
  const extras = (template.inputs ?? []).filter((i) => i.directory !== MODULE_DIR);
  if (template.plugins.length !== 1 || own.length !== 1 || own[0].paths || template.plugins[0].out !== "gen") {
    throw new Error(
      `${TEMPLATE}: incremental generation needs one plugin writing to gen/ and the whole ${MODULE_DIR}/ module as one input`,
    );
  }
  const pluginsOnly = JSON.stringify({ version: template.version, plugins: template.plugins });
  const toolKey = sha256(
    [
      readFileSync(join(root, TEMPLATE), "utf8"),
      ...TOOLCHAIN.map((n) => `${n}@${versionOf(root, n)}`),
      ...CODE.map((f) => (existsSync(join(root, f)) ? sha256(readFileSync(join(root, f))) : "-")),
    ].join("\n"),
  );
  const stateDir = join(root, GEN_STATE_DIR);
  const stateFile = join(stateDir, "state.json");
  let state: State | undefined;
  try {
    state = JSON.parse(readFileSync(stateFile, "utf8")) as State;
  } catch {
    state = undefined;
  }
  const env = { ...process.env, PATH: [join(root, "node_modules", ".bin"), process.env.PATH].join(delimiter) };
  const buf = bin("buf", root);

  // The third-party inputs: generated once per content.
  const extrasKey = sha256(
    `${toolKey}\n${JSON.stringify(extras)}\n${hashPaths(
      root,
      extras.flatMap((i) => i.paths ?? [i.directory ?? ""]),
    )}`,
  ).slice(0, 32);
  const extrasDir = join(stateDir, `extras-${extrasKey}`);
  if (extras.length && !existsSync(extrasDir)) {
    const tmp = `${extrasDir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    await runOrThrow(buf, ["generate", "--template", JSON.stringify({ ...template, inputs: extras }), "-o", tmp], {
      cwd: root,
      env,
    });
    mkdirSync(join(tmp, "gen"), { recursive: true });
    for (const e of readdirSync(stateDir))
      if (e.startsWith("extras-") && join(stateDir, e) !== tmp) rmSync(join(stateDir, e), { recursive: true });
    renameSync(tmp, extrasDir);
  }
  const extraFiles = extras.length ? listTree(join(extrasDir, "gen")) : [];

  const skip = new Set<string>();
  for (const m of PROTO_DEPS.filter((d) => d.generatedByNpm)) for (const f of (await m.files(root)).keys()) skip.add(f);
  const units = unitKeys(schema, skip);
  const genDir = join(root, "gen");
  const fresh = (out: string, key: string) => {
    const old = state?.units[out];
    if (!old || old.key !== key) return false;
    const p = join(genDir, out);
    return existsSync(p) && sha256(readFileSync(p)) === old.sha;
  };
  const full = !state ? "no previous state" : state.toolKey !== toolKey ? "toolchain or template changed" : undefined;
  const todo = full ? [...units.keys()] : [...units].filter(([out, u]) => !fresh(out, u.key)).map(([out]) => out);

  const work = siblingTempDir(join(root, ".gen-incremental"));
  try {
    const outBase = join(work, "out");
    if (todo.length) {
      // Everything: no --path (and no long command line); otherwise only the files that changed.
      const paths = todo.length === units.size ? [] : todo.flatMap((o) => ["--path", units.get(o)!.proto]);
      await runOrThrow(buf, ["generate", imagePath, "--template", pluginsOnly, "-o", outBase, ...paths], {
        cwd: root,
        env,
      });
    }
    const next = join(work, "gen");
    const regenerated = new Set(todo);
    const newState: State = { toolKey, extrasKey, units: {} };
    const place = (from: string, to: string, link: boolean) => {
      mkdirSync(dirname(to), { recursive: true });
      if (link) {
        try {
          linkSync(from, to);
          return;
        } catch {
          // another filesystem: copy
        }
      }
      copyFileSync(from, to);
    };
    for (const f of extraFiles) place(join(extrasDir, "gen", f), join(next, f), false);
    for (const [out, u] of units) {
      const from = regenerated.has(out) ? join(outBase, "gen", out) : join(genDir, out);
      if (!existsSync(from)) throw new Error(`buf generate wrote no gen/${out} for ${u.proto}`);
      // Unchanged files are hard links to the old tree: never written to, only replaced.
      place(from, join(next, out), !regenerated.has(out));
      newState.units[out] = { key: u.key, sha: sha256(readFileSync(join(next, out))) };
    }
    writeEntryPoints(next, protoPackagesOf(schema, readRepoConfig(root).protoOrg));
    replaceDirAtomic(next, genDir);
    writeFileAtomic(stateFile, `${JSON.stringify(newState)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const report: GenerateReport = { total: units.size, regenerated: todo.length, ...(full ? { full } : {}) };
  log(
    `generate: ${report.regenerated} of ${report.total} files regenerated${full ? ` (all: ${full})` : ""}, the rest unchanged`,
  );
  return report;
}
