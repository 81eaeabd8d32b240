// npm run bench:docs [-- --corpus=synthetic|googleapis|all]
//
// synthetic (default): `buf generate` with our protoc-gen-doc (built dist) on a
// synthetic 1,000-file tree, for html, json and both; wall times and the
// site's largest page.
//
// googleapis: the public googleapis subset from the pinned google-proto-files
// npm package (api, rpc, type, longrunning, iam, pubsub, Cloud Tasks, Spanner).
// The CodeGeneratorRequest buf sends is captured once per format, then fed to
// three plugins: ours, a Node plugin that does nothing (reads the request,
// answers an empty response: the floor any Node plugin pays), and the Go
// protoc-gen-doc 1.5.1 from Debian's archive. The Go binary is downloaded into
// a temp dir with `apt-get download` from a source list of its own and
// unpacked with `dpkg -x`: never installed, and only here (tests never use it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeGoogleapisCorpus } from "@acme/test-support/googleapis";
import { PLUGIN_BIN, siteStats } from "../scripts/lib/docs/docs-build.js";
import { bin, runOrThrow } from "../scripts/lib/infra/exec.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { writeSyntheticSchema } from "../scripts/synth-schema.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const { values } = parseArgs({ options: { corpus: { type: "string", default: "synthetic" } } });
const corpus = values.corpus ?? "synthetic";
if (!["synthetic", "googleapis", "all"].includes(corpus)) {
  console.error(`bench:docs: --corpus must be synthetic, googleapis or all, got ${JSON.stringify(corpus)}`);
  process.exit(2);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

async function synthetic(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "bench-docs-"));
  try {
    const stats = writeSyntheticSchema(tmp);
    console.log(
      `bench:docs: synthetic tree: ${stats.files} files, ${stats.messages} messages (+${stats.messages} map entries), ${stats.services} services; load ${load()}`,
    );
    const plugin = (opt: string[]) => ({
      local: [process.execPath, join(repoRoot, PLUGIN_BIN)],
      out: "out",
      strategy: "all",
      opt,
    });
    const cases: [string, object[]][] = [
      ["buf build only (baseline)", []],
      ["html", [plugin(["html", "index.html"])]],
      ["json", [plugin(["json", "docs.json"])]],
      ["html + json", [plugin(["html", "index.html"]), plugin(["json", "docs.json"])]],
    ];
    for (const [name, plugins] of cases) {
      const times: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        rmSync(join(tmp, "out"), { recursive: true, force: true });
        const t = performance.now();
        if (plugins.length)
          await runOrThrow(bin("buf"), ["generate", "--template", JSON.stringify({ version: "v2", plugins })], {
            cwd: tmp,
          });
        else await runOrThrow(bin("buf"), ["build", "-o", join(tmp, "image.binpb")], { cwd: tmp });
        times.push(performance.now() - t);
      }
      console.log(
        `  ${name.padEnd(28)} median ${secs(median(times))}  (runs: ${times.map((x) => (x / 1000).toFixed(2)).join(", ")})`,
      );
    }
    const site = siteStats(join(tmp, "out"));
    console.log(
      `  site: ${site.files} files; largest page ${site.largestPage.path} ${(site.largestPage.bytes / 1024).toFixed(1)} KB`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Debian's protoc-gen-doc binary, unpacked into `dir`; undefined (with the reason printed) when apt cannot fetch it. */
function fetchGoPlugin(dir: string): string | undefined {
  const lists = join(dir, "lists");
  mkdirSync(join(lists, "partial"), { recursive: true });
  mkdirSync(join(dir, "cache", "archives", "partial"), { recursive: true });
  writeFileSync(
    join(dir, "sources.list"),
    "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main\n",
  );
  const apt = [
    "-o",
    `Dir::Etc::SourceList=${join(dir, "sources.list")}`,
    "-o",
    "Dir::Etc::SourceParts=/nonexistent",
    "-o",
    `Dir::State::Lists=${lists}`,
    "-o",
    `Dir::Cache=${join(dir, "cache")}`,
    "-o",
    "Debug::NoLocking=1",
  ];
  const step = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0)
      throw new Error(
        `${cmd} ${args.slice(-2).join(" ")}: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`,
      );
  };
  try {
    step("apt-get", [...apt, "update", "-qq"]);
    step("apt-get", [...apt, "download", "-qq", "protoc-gen-doc"]);
    const deb = readdirSync(dir).find((f) => f.startsWith("protoc-gen-doc_") && f.endsWith(".deb"));
    if (!deb) throw new Error("apt-get download left no .deb");
    step("dpkg", ["-x", deb, join(dir, "root")]);
    const exe = join(dir, "root", "usr", "bin", "protoc-gen-doc");
    if (!existsSync(exe)) throw new Error("the package holds no usr/bin/protoc-gen-doc");
    console.log(`  Go plugin: ${deb} from Debian sid, unpacked in a temp dir`);
    return exe;
  } catch (err) {
    console.log(`  Go plugin: not available (${(err as Error).message}); comparing with the no-op plugin only`);
    return undefined;
  }
}

// Saves the request, answers PROTO3_OPTIONAL | SUPPORTS_EDITIONS for editions 998-1001 and nothing else.
const CAPTURE = (out: string) => `import { writeFileSync } from "node:fs";
const c = [];
for await (const b of process.stdin) c.push(b);
${out ? `writeFileSync(${JSON.stringify(out)}, Buffer.concat(c));` : ""}
process.stdout.write(Buffer.from("100318e60720e907", "hex"));
`;

/** Wall and CPU (user + system) of one run of `cmd` with `input` on stdin, through GNU time when present. */
function timeRun(cmd: string[], input: Buffer): { wall: number; cpu: number | undefined } {
  const gnuTime = existsSync("/usr/bin/time");
  const argv = gnuTime ? ["/usr/bin/time", "-f", "%U %S", ...cmd] : cmd;
  const t = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { input, maxBuffer: 1 << 30 });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} exited ${r.status}: ${r.stderr.toString().slice(-400)}`);
  const cpu = gnuTime
    ? r.stderr
        .toString()
        .trim()
        .split("\n")
        .pop()!
        .split(" ")
        .reduce((n, x) => n + Number(x) * 1000, 0)
    : undefined;
  return { wall, cpu };
}

/** A CodeGeneratorRequest for one empty proto3 file, a.proto (the Go plugin refuses a request with no file). */
function oneFileRequest(parameter: string): Buffer {
  const len = (field: number, bytes: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), bytes]);
  const file = Buffer.concat([len(1, Buffer.from("a.proto")), len(12, Buffer.from("proto3"))]);
  return Buffer.concat([len(1, Buffer.from("a.proto")), len(2, Buffer.from(parameter)), len(15, file)]);
}

async function googleapis(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "bench-docs-gapi-"));
  try {
    const dir = join(tmp, "corpus");
    const { files } = writeGoogleapisCorpus(dir);
    console.log(`bench:docs: googleapis subset from google-proto-files: ${files} files; load ${load()}`);
    const requests: Record<string, Buffer> = {};
    for (const [format, opt] of [
      ["html", "html,index.html"],
      ["json", "json,docs.json"],
    ] as const) {
      const capture = join(tmp, `capture-${format}.mjs`);
      const saved = join(tmp, `request-${format}.bin`);
      writeFileSync(capture, CAPTURE(saved));
      const template = JSON.stringify({
        version: "v2",
        plugins: [{ local: [process.execPath, capture], out: join(tmp, "out"), strategy: "all", opt: [opt] }],
      });
      await runOrThrow(bin("buf"), ["generate", ".", "--template", template], { cwd: dir });
      requests[format] = readFileSync(saved);
    }
    console.log(
      `  request: ${(requests.html.length / 1024).toFixed(0)} KB (what buf sends, source_file_descriptors included)`,
    );
    const noop = join(tmp, "noop.mjs");
    writeFileSync(noop, CAPTURE(""));
    const plugins: [string, string[]][] = [
      ["ours", [process.execPath, join(repoRoot, PLUGIN_BIN)]],
      ["no-op Node plugin", [process.execPath, noop]],
    ];
    const go = fetchGoPlugin(join(tmp, "go"));
    if (go) plugins.push(["Go protoc-gen-doc 1.5.1", [go]]);
    // Start-up alone: each plugin on a one-file request (an empty proto3 file), json. What a plugin pays
    // before any work; the rest of a run is the work on the corpus.
    requests.startup = oneFileRequest("json,docs.json");
    for (const format of ["startup", "html", "json"]) {
      const results = new Map<string, { wall: number; cpu: number | undefined }>();
      for (const [name, cmd] of plugins) {
        const runs = Array.from({ length: RUNS }, () => timeRun(cmd, requests[format]));
        const cpu = runs.every((r) => r.cpu !== undefined) ? median(runs.map((r) => r.cpu!)) : undefined;
        results.set(name, { wall: median(runs.map((r) => r.wall)), cpu });
      }
      const ours = results.get("ours")!;
      console.log(
        format === "startup"
          ? `  start-up: each plugin on a one-file request (medians of ${RUNS}):`
          : `  ${format}, the plugin alone on the captured request (medians of ${RUNS}):`,
      );
      for (const [name, r] of results) {
        const ratio =
          name === "ours"
            ? ""
            : `   ours / this: ${(ours.wall / r.wall).toFixed(2)}x wall${r.cpu && ours.cpu ? `, ${(ours.cpu / r.cpu).toFixed(2)}x CPU` : ""}`;
        console.log(
          `    ${name.padEnd(26)} wall ${secs(r.wall)}${r.cpu !== undefined ? `  CPU ${secs(r.cpu)}` : ""}${ratio}`,
        );
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (corpus === "synthetic" || corpus === "all") await synthetic();
if (corpus === "googleapis" || corpus === "all") await googleapis();
