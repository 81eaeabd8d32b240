// The "nothing changed" check of a build stage, as git checks its index: the
// stat (size, mtime, ctime, inode) of every file the stage reads and writes,
// kept in .cache/stamps/<stage>.json after a clean run. When every file still
// has the stat recorded (and the key of everything else, such as tool
// versions and options, is the same), the stage would do nothing but confirm
// that, so `npm run build` does not start it. Any difference means the stage
// runs and does its own content check, so a stat that changed with the same
// content costs one ordinary run, never a wrong result.
// Sound by construction:
// - the inputs are stat'ed before the stage reads them: a change made while it
//   runs shows at the next check;
// - a file whose ctime falls within RACY_MS of the moment it was stat'ed could
//   be changed again within the same timestamp tick without its stat changing
//   ("racily clean", as git calls it), so its content hash is recorded too and
//   compared at the check (ctime, unlike mtime, cannot be set back by a tool);
// - outputs are stat'ed after the run: a generated file edited or deleted
//   afterwards no longer matches;
// - the stamp is removed before the stage runs and written only after a clean
//   result (a finding is reported on every build until it is fixed).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync, type BigIntStats } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./fs-atomic.js";

const STAMPS_DIR = join(".cache", "stamps");
/** Bump when what a stamp covers changes: every stamp written before is then ignored. */
const STAMP_VERSION = 1;
/** A file changed this close to its stat'ing is also compared by content (coarse kernel clocks lag by a tick). */
const RACY_MS = 2000n;

/** Files a stage reads or writes: a file or a directory (walked), relative to the repo root. */
export interface TreeSpec {
  path: string;
  /** Directories (relative to the root, "/"-separated) not to walk into. */
  skipDir?: (rel: string) => boolean;
  /** Files (relative to the root) to take; all when absent. */
  keepFile?: (rel: string) => boolean;
}

export interface StampSpec {
  /** Everything besides files that the result depends on (node version, options, git refs). */
  key: string[];
  inputs: TreeSpec[];
  outputs: TreeSpec[];
}

/** Relative path -> "size mtime ctime ino", plus " sha256" for a racily clean file. */
type Fingerprint = Record<string, string>;

interface Stamp {
  version: number;
  key: string;
  inputs: Fingerprint;
  outputs: Fingerprint;
}

/** Never walked: other tools' state, not ours to read. */
const ALWAYS_SKIPPED = new Set(["node_modules", ".git"]);

const sha256 = (d: string | Uint8Array) => createHash("sha256").update(d).digest("hex");

function statLine(s: BigIntStats): string {
  return `${s.size} ${s.mtimeNs} ${s.ctimeNs} ${s.ino}`;
}

/** Every file of the specs, with its stat; a missing path is recorded as missing. */
function walk(root: string, specs: TreeSpec[], visit: (rel: string, s: BigIntStats | undefined) => void): void {
  const seen = new Set<string>();
  const dirsSeen = new Set<string>();
  const dir = (rel: string, spec: TreeSpec) => {
    let entries: string[];
    try {
      entries = readdirSync(join(root, rel)).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      const child = rel === "." ? name : `${rel}/${name}`;
      node(child, spec, false);
    }
  };
  const node = (rel: string, spec: TreeSpec, top: boolean) => {
    let s: BigIntStats;
    try {
      // A symbolic link counts as what it points to: a change there is a change here.
      s = statSync(join(root, rel), { bigint: true });
    } catch {
      if (top && !seen.has(rel)) {
        seen.add(rel);
        visit(rel, undefined);
      }
      return;
    }
    if (s.isDirectory()) {
      const name = rel.slice(rel.lastIndexOf("/") + 1);
      if (!top && (ALWAYS_SKIPPED.has(name) || spec.skipDir?.(rel))) return;
      // A directory reached again through a link is walked once (no loop).
      const id = `${s.dev}:${s.ino}`;
      if (dirsSeen.has(id)) return;
      dirsSeen.add(id);
      dir(rel, spec);
      return;
    }
    if (seen.has(rel) || (!top && spec.keepFile && !spec.keepFile(rel))) return;
    seen.add(rel);
    visit(rel, s);
  };
  for (const spec of specs) {
    dirsSeen.clear();
    node(spec.path, spec, true);
  }
}

/** The fingerprint of the specs' files now; files changed since `racySince` (ns) also get their content hash. */
function fingerprint(root: string, specs: TreeSpec[], racySince: bigint): Fingerprint {
  const fp: Fingerprint = {};
  walk(root, specs, (rel, s) => {
    if (!s) {
      fp[rel] = "-";
      return;
    }
    const line = statLine(s);
    fp[rel] = s.ctimeNs >= racySince || s.mtimeNs >= racySince ? `${line} ${hashFile(root, rel)}` : line;
  });
  return fp;
}

function hashFile(root: string, rel: string): string {
  try {
    return sha256(readFileSync(join(root, rel)));
  } catch {
    return "-";
  }
}

/** Whether the specs' files are exactly those recorded, with the same stat (and content, for racy ones). */
function unchanged(root: string, specs: TreeSpec[], recorded: Fingerprint): boolean {
  let same = true;
  let count = 0;
  walk(root, specs, (rel, s) => {
    if (!same) return;
    count++;
    const was = recorded[rel];
    if (was === undefined) {
      same = false;
      return;
    }
    if (!s) {
      same = was === "-";
      return;
    }
    const line = statLine(s);
    if (was === line) return;
    same = was.startsWith(`${line} `) && was.slice(line.length + 1) === hashFile(root, rel);
  });
  return same && count === Object.keys(recorded).length;
}

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const keyOf = (spec: StampSpec) => sha256([`stamp v${STAMP_VERSION}`, ...spec.key].join("\n"));

/** The stamp of one stage: check it, clear it, and record it around a clean run. */
export function stageStamp(stage: string, root: string) {
  const file = join(root, STAMPS_DIR, `${stage}.json`);
  const read = (): Stamp | undefined => {
    try {
      const s = JSON.parse(readFileSync(file, "utf8")) as Stamp;
      return s.version === STAMP_VERSION && typeof s.key === "string" && s.inputs && s.outputs ? s : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    file,
    /** Whether nothing the stage reads or writes changed since its last clean run. */
    fresh(spec: StampSpec): boolean {
      const s = read();
      return (
        s !== undefined &&
        s.key === keyOf(spec) &&
        unchanged(root, spec.inputs, s.inputs) &&
        unchanged(root, spec.outputs, s.outputs)
      );
    },
    /**
     * Before the stage reads anything: forgets the last clean run (a failed
     * run leaves no stamp) and takes the inputs' fingerprint; the returned
     * function records the stamp after a clean run.
     */
    begin(spec: StampSpec): () => void {
      rmSync(file, { force: true });
      const inputs = fingerprint(root, spec.inputs, nowNs() - RACY_MS * 1_000_000n);
      return () => {
        const outputs = fingerprint(root, spec.outputs, nowNs() - RACY_MS * 1_000_000n);
        const stamp: Stamp = { version: STAMP_VERSION, key: keyOf(spec), inputs, outputs };
        writeFileAtomic(file, `${JSON.stringify(stamp)}\n`);
      };
    },
  };
}
