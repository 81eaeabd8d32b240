#!/usr/bin/env node
// The protoc-gen-doc executable: a CodeGeneratorRequest on stdin, a
// CodeGeneratorResponse on stdout. Async, unlike protoplugin's runNodeJs,
// because custom templates are imported modules.
import { encodeResponse, generate, PLUGIN_NAME, PLUGIN_VERSION } from "./plugin.js";
import { decodeRequest } from "./request.js";

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--version" || args[0] === "-v") {
    process.stdout.write(`${PLUGIN_NAME} ${PLUGIN_VERSION}\n`);
    return;
  }
  if (args.length) {
    process.stderr.write(
      `${PLUGIN_NAME}: a protoc/buf plugin; it reads a CodeGeneratorRequest on stdin (run it through buf generate or protoc --doc_out)\n`,
    );
    process.exitCode = 1;
    return;
  }
  const req = decodeRequest(await readStdin());
  const res = await generate(req);
  const bytes = encodeResponse(res);
  await new Promise<void>((ok, fail) => process.stdout.write(bytes, (err) => (err ? fail(err) : ok())));
}

main().catch((err: Error) => {
  process.stderr.write(`${PLUGIN_NAME}: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
