// npm run bench:generate: `buf generate` with protoc-gen-es on the synthetic
// 1,000-file tree, with strategy all (what buf.gen.yaml uses) and with buf's
// default per-directory strategy; prints the median wall time of each.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, runOrThrow } from "../scripts/lib/infra/exec.js";
import { writeSyntheticSchema } from "../scripts/synth-schema.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const tmp = mkdtempSync(join(tmpdir(), "bench-generate-"));
try {
  const stats = writeSyntheticSchema(tmp);
  console.log(`bench:generate: ${stats.files} files, ${stats.messages} messages, ${stats.services} services`);
  for (const strategy of ["all", "directory"]) {
    const template = JSON.stringify({
      version: "v2",
      plugins: [{ local: bin("protoc-gen-es"), out: "out", strategy, opt: ["target=ts"] }],
    });
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      rmSync(join(tmp, "out"), { recursive: true, force: true });
      const t = performance.now();
      await runOrThrow(bin("buf"), ["generate", "--template", template], { cwd: tmp });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(
      `  strategy ${strategy.padEnd(10)} median ${(times[Math.floor(times.length / 2)] / 1000).toFixed(2)} s (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(", ")})`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
