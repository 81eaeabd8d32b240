// What each stage of `npm run build` reads and writes, for its "nothing
// changed" stamp (stage-stamp.ts). A list may take in more than the stage
// reads (that costs a needless run, never a wrong result), never less. Where a
// stage's own configuration decides what it reads (Biome's file includes,
// tsconfig's include, the docs template's out directory), the list is derived
// from that configuration as it is now, and the configuration is an input.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { parse } from "yaml";
import type { StampSpec, TreeSpec } from "./stage-stamp.js";

/** Temporary trees and files of atomic writes (fs-atomic.ts; gitignored): never read by any stage. */
const TRANSIENT = /^\..*\.tmp-|\.old-\d+$|^\..*\.\d+\.tmp$/;
const base = (rel: string) => rel.slice(rel.lastIndexOf("/") + 1);
const depth = (rel: string) => rel.split("/").length;

/** Installed tools whose version a stage's result depends on (node_modules/.package-lock.json changes on every install too). */
const TOOLCHAIN = [
  "@bufbuild/buf",
  "@bufbuild/protoc-gen-es",
  "@bufbuild/protobuf",
  "@bufbuild/protovalidate",
  "@biomejs/biome",
  "typescript",
  "esbuild",
];

const file = (path: string): TreeSpec => ({ path });
const tree = (path: string, keepFile?: (rel: string) => boolean, skipDir?: (rel: string) => boolean): TreeSpec => ({
  path,
  keepFile: (rel) => !TRANSIENT.test(base(rel)) && (!keepFile || keepFile(rel)),
  skipDir: (rel) => TRANSIENT.test(base(rel)) || (skipDir?.(rel) ?? false),
});

function readText(root: string, rel: string): string {
  try {
    return readFileSync(join(root, rel), "utf8");
  } catch {
    return "";
  }
}

/** What every stage reads: its code, the workspace's manifests and lockfiles, the tools, the TypeScript base config. */
function common(): TreeSpec[] {
  return [
    tree("scripts"),
    ...[
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.base.json",
      "node_modules/.package-lock.json",
      ...TOOLCHAIN.map((t) => `node_modules/${t}/package.json`),
    ].map(file),
  ];
}

/** The schema: the build's image (when given), buf's config, proto/ and the third-party protos. */
function schema(image: string | undefined): TreeSpec[] {
  return [...(image ? [file(image)] : []), file("buf.yaml"), file("buf.lock"), tree("proto"), tree(".deps")];
}

const SCRIPT = /\.(c|m)?[jt]sx?$/;
/**
 * Every kind of file Biome handles (https://biomejs.dev/internals/language-support/), and a few it may
 * handle in a later version; it reads no other (a log or a timing file in the repo does not count).
 */
const BIOME_KINDS =
  /\.((c|m)?[jt]sx?|jsonc?|json5|css|s[ac]ss|less|graphql|gql|html?|vue|svelte|astro|grit|mdx?|ya?ml|toml)$/;

/** lint: buf lint and buf format over the schema, and Biome over every TypeScript/JavaScript file it includes. */
function lintInputs(root: string): TreeSpec[] {
  const biome = readText(root, "biome.jsonc") + readText(root, "biome.json");
  // Skipped only while Biome's own config excludes them.
  const anywhere = ["gen", "dist"].filter((d) => biome.includes(`"!**/${d}"`));
  const top = ["build", ".cache", ".deps"].filter((d) => biome.includes(`"!${d}"`));
  // Every file of a kind Biome can check, not only those biome.jsonc includes today (a change to its
  // includes needs no change here), and the files that configure it.
  const config = /^(\.gitignore|\.ignore|\.editorconfig|biome\.jsonc?)$/;
  return [
    file("biome.jsonc"),
    file("biome.json"),
    tree(
      ".",
      (rel) => BIOME_KINDS.test(rel) || config.test(base(rel)),
      (rel) =>
        anywhere.includes(base(rel)) ||
        (depth(rel) === 1 && (top.includes(rel) || rel === ".cache" || rel === "proto")),
    ),
  ];
}

/** typecheck: the trees tsconfig.json includes (the whole repo if it cannot be read) and the packages with their declarations. */
function typecheckInputs(root: string): TreeSpec[] {
  let include: string[] | undefined;
  try {
    const cfg = JSON.parse(readText(root, "tsconfig.json")) as { include?: unknown; files?: unknown };
    if (Array.isArray(cfg.include) && cfg.files === undefined) include = cfg.include.map(String);
  } catch {
    include = undefined;
  }
  const tops = include?.map((p) => p.split("/")[0]);
  const keep = (rel: string) => SCRIPT.test(rel) || rel.endsWith(".json");
  if (!tops || tops.some((t) => /[*?{[]/.test(t) || t === "." || t === ".." || t === ""))
    return [tree(".", keep, (rel) => rel === ".cache")];
  return [...new Set([...tops, "packages"])].map((t) => tree(t, keep));
}

/** generate: writes gen/, and the package.json and README.md of every proto family's package. */
function packageManifests(): TreeSpec {
  return tree(
    "packages",
    (rel) => depth(rel) === 3 && /^(package\.json|README\.md)$/.test(base(rel)),
    (rel) => depth(rel) >= 3,
  );
}

/** generate: the template's inputs besides proto/ (third-party protos in node_modules). */
function generateExtras(root: string): TreeSpec[] {
  try {
    const t = parse(readText(root, "buf.gen.yaml")) as { inputs?: { directory?: string }[] };
    return (t.inputs ?? []).flatMap((i) => (i.directory && i.directory !== "proto" ? [tree(i.directory)] : []));
  } catch {
    return [];
  }
}

/** docs: the template's out directories. */
function docsOutputs(root: string): TreeSpec[] {
  try {
    const t = parse(readText(root, "buf.gen.docs.yaml")) as { plugins?: { out?: string }[] };
    return [...new Set((t.plugins ?? []).map((p) => p.out ?? "build/docs"))].map((o) => tree(o));
  } catch {
    return [tree("build")];
  }
}

/** breaking compares with a release tag or the base branch, picked from the refs and HEAD. */
function gitRefs(root: string): string {
  const git = (...args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      return "-";
    }
  };
  return `${git("rev-parse", "HEAD")}\n${git("for-each-ref", "--format=%(refname) %(objectname)")}\n${git("rev-parse", "--is-shallow-repository")}`;
}

/** The stamp spec of a stage of scripts/build.ts, or undefined for a stage without one. */
export function buildStageStamp(stage: string, root: string, imagePath?: string): StampSpec | undefined {
  const image = imagePath ? (isAbsolute(imagePath) ? relative(root, imagePath) : imagePath) : undefined;
  const key = [stage, process.version, process.platform, `image ${image ?? "-"}`];
  switch (stage) {
    case "lint":
      return { key, inputs: [...common(), ...schema(image), ...lintInputs(root)], outputs: [] };
    case "breaking":
      return {
        key: [...key, gitRefs(root), `base ${process.env.GITHUB_BASE_REF ?? "-"}`],
        inputs: [...common(), ...schema(image)],
        outputs: [],
      };
    case "generate":
      return {
        key,
        inputs: [...common(), ...schema(image), file("buf.gen.yaml"), packageManifests(), ...generateExtras(root)],
        outputs: [tree("gen"), packageManifests(), file("package-lock.json")],
      };
    case "packages":
      return {
        key,
        inputs: [
          ...common(),
          ...schema(undefined),
          tree("gen"),
          tree("packages", undefined, (rel) => depth(rel) === 3 && base(rel) === "dist"),
        ],
        outputs: [
          tree(
            "packages",
            (rel) => rel.split("/")[2] === "dist",
            (rel) => depth(rel) === 3 && base(rel) !== "dist",
          ),
        ],
      };
    case "typecheck":
      return { key, inputs: [...common(), ...typecheckInputs(root)], outputs: [] };
    case "docs":
      return {
        key: [...key, `version ${process.env.DOCS_VERSION ?? "-"}`],
        inputs: [
          ...common(),
          ...schema(image),
          file("buf.gen.docs.yaml"),
          packageManifests(),
          tree("packages/protoc-gen-doc"),
        ],
        outputs: docsOutputs(root),
      };
    default:
      return undefined;
  }
}
