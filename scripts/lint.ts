// npm run lint [-- --error-format github-actions]: buf lint, then the format
// check. Both run even if the first fails, so one pass shows every problem.
import { parseArgs } from "node:util";
import { bin, run } from "./lib/infra/exec.js";
import { ensureProtoDeps } from "./lib/codegen/proto-deps.js";

const { values } = parseArgs({ options: { "error-format": { type: "string", default: "text" } } });
const format = values["error-format"]!;

// buf needs the third-party modules to resolve imports; lint ignores them (buf.yaml).
await ensureProtoDeps();
const lint = await run(bin("buf"), ["lint", "--error-format", format]);
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
if (lint.code !== 0) console.error(`lint: buf lint found problems (exit ${lint.code})`);
if (formatFailed) console.error("lint: some .proto files are not formatted; `npm run format` fixes them");
process.exit(lint.code !== 0 || formatFailed ? 1 : 0);
