// npm run bench:docs: `buf generate` with our protoc-gen-doc (built dist) on a
// synthetic 1,000-file tree, for html, json and both; prints wall times and
// the site's largest page. Reference: the Go protoc-gen-doc takes ~2.5 s here.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLUGIN_BIN, siteStats } from "../scripts/lib/docs-build.js";
import { bin, runOrThrow } from "../scripts/lib/exec.js";
import { repoRoot } from "../scripts/lib/repo.js";
import { writeSyntheticSchema } from "../scripts/synth-schema.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const tmp = mkdtempSync(join(tmpdir(), "bench-docs-"));
try {
  const stats = writeSyntheticSchema(tmp);
  console.log(`bench:docs: synthetic tree: ${stats.files} files, ${stats.messages} messages (+${stats.messages} map entries), ${stats.services} services`);
  const plugin = (opt: string[]) => ({ local: [process.execPath, join(repoRoot, PLUGIN_BIN)], out: "out", strategy: "all", opt });
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
      if (plugins.length) await runOrThrow(bin("buf"), ["generate", "--template", JSON.stringify({ version: "v2", plugins })], { cwd: tmp });
      else await runOrThrow(bin("buf"), ["build", "-o", join(tmp, "image.binpb")], { cwd: tmp });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(`  ${name.padEnd(28)} median ${(median / 1000).toFixed(2)} s  (runs: ${times.map((x) => (x / 1000).toFixed(2)).join(", ")})`);
  }
  const site = siteStats(join(tmp, "out"));
  console.log(`  site: ${site.files} files; largest page ${site.largestPage.path} ${(site.largestPage.bytes / 1024).toFixed(1)} KB`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
