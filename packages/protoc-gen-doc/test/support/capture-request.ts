// The exact CodeGeneratorRequest buf sends for the fixtures, captured by a
// plugin that only saves its stdin.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, runOrThrow } from "@acme/test-support/exec";
import { FIXTURES } from "./run-plugin.js";

/** Runs buf generate on the fixtures with a capturing plugin in `dir` and returns the request's bytes. */
export async function captureRequest(dir: string, opt = "json,docs.json"): Promise<Uint8Array> {
  const capture = join(dir, "capture.mjs");
  const saved = join(dir, "request.bin");
  writeFileSync(
    capture,
    `import { writeFileSync } from "node:fs";\nconst c = [];\nfor await (const b of process.stdin) c.push(b);\nwriteFileSync(${JSON.stringify(saved)}, Buffer.concat(c));\n` +
      // A CodeGeneratorResponse declaring proto3 optional and editions up to 2023, so buf accepts the plugin.
      `process.stdout.write(Buffer.from("100318e60720e807", "hex"));\n`,
  );
  const template = JSON.stringify({
    version: "v2",
    plugins: [{ local: [process.execPath, capture], out: join(dir, "out"), strategy: "all", opt: [opt] }],
  });
  await runOrThrow(bin("buf"), ["generate", ".", "--template", template], { cwd: FIXTURES });
  return readFileSync(saved);
}
