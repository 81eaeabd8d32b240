import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { parse } from "yaml";
import { imageDigest } from "../schema/buf-image.js";
import { listTree } from "../codegen/codegen.js";
import { bin, runOrThrow } from "../infra/exec.js";
import { replaceDirAtomic } from "../infra/fs-atomic.js";
import { ensureProtoDeps } from "../codegen/proto-deps.js";
import { pageKeys } from "./docs-pages.js";
import { listProtoPackages } from "../codegen/protos.js";
import { readSchemaImage, type SchemaImage } from "../schema/image-registry.js";
import { readRepoConfig, repoRoot } from "../infra/repo.js";

export const DOCS_TEMPLATE = "buf.gen.docs.yaml";
export const PLUGIN_BIN = "packages/protoc-gen-doc/dist/protoc-gen-doc.js";

/** npm package and export subpath of every proto package (of `schema`, else the working tree's), for the docs' install snippets. */
export async function npmPackagesFor(
  root = repoRoot,
  schema?: SchemaImage,
): Promise<Record<string, { npm: string; subpath: string }>> {
  const { scope } = readRepoConfig(root);
  return Object.fromEntries(
    (await listProtoPackages(root, schema)).map((p) => [p.name, { npm: `${scope}/${p.family}`, subpath: p.subpath }]),
  );
}

interface PluginEntry {
  local?: string | string[];
  out: string;
  opt?: string | string[];
  [k: string]: unknown;
}

/**
 * The docs template with our runtime options added to every protoc-gen-doc
 * entry (the version, and the npm names) and every output moved under one
 * prefix, as a JSON string for `buf generate --template`.
 */
export function docsTemplate(root: string, extraOpts: string[]): { template: string; outs: string[] } {
  const doc = parse(readFileSync(join(root, DOCS_TEMPLATE), "utf8")) as { plugins?: PluginEntry[] };
  const outs: string[] = [];
  for (const p of doc.plugins ?? []) {
    const local = Array.isArray(p.local) ? p.local.join(" ") : (p.local ?? "");
    if (!local.includes("protoc-gen-doc")) continue;
    const opt = Array.isArray(p.opt) ? p.opt : p.opt ? [p.opt] : [];
    p.opt = [...opt, ...extraOpts];
    outs.push(p.out);
  }
  if (!outs.length) throw new Error(`${DOCS_TEMPLATE}: no protoc-gen-doc plugin entry`);
  return { template: JSON.stringify(doc), outs: [...new Set(outs)] };
}

export interface DocsBuildResult {
  outDir: string;
  files: number;
  largestPage: { path: string; bytes: number };
  ms: number;
  /** The site was already built from the same image, plugin, version and template: nothing done. */
  upToDate?: boolean;
  /** Package pages rendered in this run, of all package pages; the rest were kept from the previous site. */
  pages?: { rendered: number; total: number; full?: string };
}

interface DocsState {
  /** Image, template, npm names, plugin and this code: the whole site is up to date when it matches. */
  key: string;
  /** Template, npm names, plugin and this code: a change here renders every page again. */
  runKey?: string;
  /** Proto package -> its page's key and the sha256 of the page (null: the package has no page). */
  pages?: Record<string, { key: string; sha: string | null }>;
  /** sha256 of every file of the site, by path. */
  files: Record<string, string>;
}

const DOCS_STATE = join(".cache", "docs", "state.json");
/** Code whose change renders every page again. */
const CODE = ["scripts/lib/docs/docs-build.ts", "scripts/lib/docs/docs-pages.ts"];
/** The site page of a proto package, as protoc-gen-doc's html renderer names it (render/site.ts pagePath). */
const pagePath = (pkg: string) => `pkg/${pkg || "_"}.html`;
const sha256 = (d: string | Uint8Array) => createHash("sha256").update(d).digest("hex");

/** sha256 of every file of a built site, by path. */
function siteManifest(dir: string): Record<string, string> {
  return Object.fromEntries(listTree(dir).map((f) => [f, sha256(readFileSync(join(dir, f)))]));
}

/**
 * Builds the docs site with buf into a temp dir, then swaps it in as `<root>/<out>` in one rename.
 * Given the build's buf image, the plugin reads it instead of compiling proto/ again, and the build
 * is skipped when the site on disk was made from the same image, plugin, version and template
 * (checked file by file against the manifest kept in .cache/docs/).
 */
export async function buildDocs(opts: { root?: string; version: string; image?: string }): Promise<DocsBuildResult> {
  const root = opts.root ?? repoRoot;
  const t = performance.now();
  if (!existsSync(join(root, PLUGIN_BIN))) {
    throw new Error(`${PLUGIN_BIN} is missing; build the plugin first: npm run build:packages -- @acme/protoc-gen-doc`);
  }
  await ensureProtoDeps(root);
  const tmp = mkdtempSync(join(tmpdir(), "acme-docs-"));
  try {
    const mapFile = join(tmp, "npm-packages.json");
    const schema = opts.image ? readSchemaImage(opts.image) : undefined;
    writeFileSync(mapFile, JSON.stringify(await npmPackagesFor(root, schema)));
    const baseOpts = [`version=${opts.version}`, `npm_packages=${mapFile}`];
    const { template, outs } = docsTemplate(root, baseOpts);
    if (outs.length !== 1)
      throw new Error(
        `${DOCS_TEMPLATE}: every protoc-gen-doc entry must share one out directory, got ${outs.join(", ")}`,
      );
    const target = join(root, outs[0]);
    const stateFile = join(root, DOCS_STATE);
    const runKey = sha256(
      [
        // The map's temp path changes every run; its content is what counts.
        template.split(mapFile).join("<npm-packages>"),
        readFileSync(mapFile, "utf8"),
        sha256(readFileSync(join(root, PLUGIN_BIN))),
        outs[0],
        ...CODE.map((f) => (existsSync(join(root, f)) ? sha256(readFileSync(join(root, f))) : "-")),
      ].join("\n"),
    );
    const key = opts.image ? sha256(`${imageDigest(opts.image)}\n${runKey}`) : undefined;
    let prev: DocsState | undefined;
    try {
      prev = JSON.parse(readFileSync(stateFile, "utf8")) as DocsState;
    } catch {
      prev = undefined;
    }
    const onDisk = key && prev && existsSync(target) ? siteManifest(target) : undefined;
    if (key && prev && onDisk) {
      const same =
        prev.key === key &&
        Object.keys(onDisk).length === Object.keys(prev.files).length &&
        Object.entries(onDisk).every(([f, h]) => prev.files[f] === h);
      if (same) return { outDir: target, ...siteStats(target), ms: performance.now() - t, upToDate: true };
    }

    // Which package pages to render: those whose key changed or whose page on disk is not the one recorded.
    const keys = opts.image ? pageKeys(opts.image) : undefined;
    const pageKey = new Map(
      [...(keys?.packages ?? [])].map(([p, own]) => [p, sha256(`${runKey}\n${keys!.shape}\n${own}`)]),
    );
    const full = !keys
      ? "no image"
      : !prev?.pages || !onDisk
        ? "no previous site"
        : prev.runKey !== runKey
          ? "template, npm names, plugin or docs code changed"
          : undefined;
    const fresh = (pkg: string, k: string) => {
      const old = prev?.pages?.[pkg];
      if (!old || old.key !== k) return false;
      return old.sha === null ? !(pagePath(pkg) in onDisk!) : onDisk![pagePath(pkg)] === old.sha;
    };
    const todo = full ? [...pageKey.keys()] : [...pageKey].filter(([p, k]) => !fresh(p, k)).map(([p]) => p);
    const extra: string[] = [];
    if (!full) {
      const listFile = join(tmp, "packages.json");
      writeFileSync(listFile, JSON.stringify(todo));
      extra.push(`packages=${listFile}`);
    }
    const run = extra.length ? docsTemplate(root, [...baseOpts, ...extra]).template : template;

    const staging = join(tmp, "out");
    mkdirSync(staging);
    const env = { ...process.env, PATH: [join(root, "node_modules", ".bin"), process.env.PATH].join(delimiter) };
    // The template without its inputs: the image stands for proto/.
    const args = opts.image
      ? ["generate", opts.image, "--template", JSON.stringify({ ...JSON.parse(run), inputs: undefined })]
      : ["generate", "--template", run];
    await runOrThrow(bin("buf", root), [...args, "-o", staging], { cwd: root, env });
    const built = join(staging, outs[0]);
    // Pages not rendered this run are the previous site's, checked above against the state.
    const rendered = new Set(todo);
    if (!full) {
      for (const pkg of pageKey.keys()) {
        const page = pagePath(pkg);
        if (rendered.has(pkg) || !(page in onDisk!)) continue;
        mkdirSync(dirname(join(built, page)), { recursive: true });
        copyFileSync(join(target, page), join(built, page));
      }
    }
    mkdirSync(join(target, ".."), { recursive: true });
    rmSync(stateFile, { force: true });
    replaceDirAtomic(built, target);
    if (key) {
      const files = siteManifest(target);
      const pages = Object.fromEntries([...pageKey].map(([p, k]) => [p, { key: k, sha: files[pagePath(p)] ?? null }]));
      mkdirSync(dirname(stateFile), { recursive: true });
      writeFileSync(stateFile, `${JSON.stringify({ key, runKey, pages, files } satisfies DocsState)}\n`);
    }
    const pages = keys ? { rendered: todo.length, total: pageKey.size, ...(full ? { full } : {}) } : undefined;
    const stats = siteStats(target);
    return { outDir: target, ...stats, ms: performance.now() - t, ...(pages ? { pages } : {}) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** File count and largest HTML page of a built site. */
export function siteStats(dir: string): { files: number; largestPage: { path: string; bytes: number } } {
  let files = 0;
  let largestPage = { path: "", bytes: 0 };
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        files++;
        const bytes = statSync(p).size;
        if (e.name.endsWith(".html") && bytes > largestPage.bytes) largestPage = { path: relative(dir, p), bytes };
      }
    }
  };
  walk(dir);
  return { files, largestPage };
}
