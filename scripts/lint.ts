// npm run lint [-- --error-format github-actions]: buf lint, then the format
// check of the .proto files, then Biome (format and lint of all TypeScript and
// JavaScript, per biome.jsonc). All three run even if one fails, so one pass
// shows every problem. With --image <file> (npm run build passes the image it
// compiled once), buf lints that image instead of compiling proto/ again.
import { parseArgs } from "node:util";
import { biomeFindings, runBiome } from "./lib/infra/biome.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";
import { bin, run } from "./lib/infra/exec.js";
import { ensureProtoDeps } from "./lib/codegen/proto-deps.js";
import { imageCheckConfig, parseImageFindings, readBufImage } from "./lib/schema/buf-image.js";
import { checkKey, checkState, ownFileDigests, pathBatches, planCheck, runBatches } from "./lib/schema/check-cache.js";

async function lintImage(image: string, format: string) {
  // Only the files changed since the last clean lint, and those sharing their package or directory.
  const config = imageCheckConfig();
  const files = ownFileDigests(readBufImage(image));
  const key = checkKey([config]);
  const state = checkState("lint");
  const plan = planCheck(state.read(), key, files, { neighbours: true, fullOnRemoval: false });
  if (plan.kind === "none") {
    console.log(`lint: buf lint: none of the ${files.length} files changed since the last clean lint`);
    return { code: 0, stdout: "", stderr: "" };
  }
  if (plan.kind === "paths")
    console.log(
      `lint: buf lint: ${plan.paths.length} of ${files.length} files (changed since the last clean lint, or sharing a package or directory with one)`,
    );
  // An image's file names are relative to proto/: buf's findings are put back in the repo (proto/…).
  const batches = pathBatches(plan, files, { keepTogether: true, whole: false });
  const r = await runBatches(batches, (paths) =>
    run(bin("buf"), ["lint", image, "--config", config, "--error-format", "json", ...paths]),
  );
  if (r.code === 0) state.recordClean(key, files);
  const findings = r.code === 100 ? parseImageFindings(r.stdout) : [];
  const lines = findings.map((f) =>
    format === "github-actions"
      ? `::error file=${f.path},line=${f.line},col=${f.column},endLine=${f.endLine},endColumn=${f.endColumn}::${f.message}`
      : format === "json"
        ? JSON.stringify({
            path: f.path,
            start_line: f.line,
            start_column: f.column,
            end_line: f.endLine,
            end_column: f.endColumn,
            type: f.rule,
            message: f.message,
          })
        : `${f.path}:${f.line}:${f.column}:${f.message}`,
  );
  return {
    code: r.code,
    stdout: lines.length ? `${lines.join("\n")}\n` : r.code === 100 ? "" : r.stdout,
    stderr: r.stderr,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { "error-format": { type: "string", default: "text" }, image: { type: "string" } },
  });
  const format = values["error-format"]!;
  // buf needs the third-party modules to resolve imports; lint ignores them (buf.yaml).
  await ensureProtoDeps();
  const biome = runBiome(["ci", "."], { github: format === "github-actions" });
  const lint =
    values.image && ["text", "github-actions", "json"].includes(format)
      ? await lintImage(values.image, format)
      : await run(bin("buf"), ["lint", "--error-format", format]);
  process.stdout.write(lint.stdout);
  process.stderr.write(lint.stderr);

  const fmt = await run(bin("buf"), ["format", "proto", "-d", "--exit-code"]);
  const formatFailed = fmt.code !== 0;
  if (formatFailed) {
    const files = [...fmt.stdout.matchAll(/^\+\+\+ (\S+)/gm)].map((m) => m[1].replace(/\.formatted$/, ""));
    for (const f of files) {
      console.log(
        format === "github-actions"
          ? `::error file=${f},title=buf format::${f} is not formatted; run npm run format`
          : `${f}: not formatted (buf format); run npm run format`,
      );
    }
    if (format === "text") process.stdout.write(fmt.stdout);
    if (!files.length) process.stderr.write(fmt.stderr || fmt.stdout);
  }

  const ts = await biome;
  const tsFindings = biomeFindings(ts);
  // Biome's text report goes to its stderr; here it joins buf's findings on stdout.
  if (tsFindings !== 0) process.stdout.write(ts.stdout + ts.stderr);

  if (lint.code !== 0) console.error(`lint: buf lint found problems (exit ${lint.code})`);
  if (formatFailed) console.error("lint: some .proto files are not formatted; `npm run format` fixes them");
  if (tsFindings !== 0) {
    console.error(
      `lint: Biome found ${tsFindings === undefined ? "problems" : `${tsFindings} problem(s)`} in TypeScript/JavaScript; ` +
        "`npm run format` fixes formatting, `npx biome check --write <file>` the safe lint fixes",
    );
  }
  return lint.code !== 0 || formatFailed || tsFindings !== 0 ? 1 : 0;
}

runIfEntryPoint(import.meta.url, "lint", main);
