// npm run docs:serve [-- --dir build/docs --port 8080]: serves the built docs
// site on 127.0.0.1 and prints its URL. Ctrl-C stops it. The server is the
// plugin's (@acme/protoc-gen-doc/site), so the plugin must be built, as for npm run docs.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runIfEntryPoint } from "./lib/infra/entry.js";
import { repoRoot } from "./lib/infra/repo.js";
import { serveStatic } from "@acme/protoc-gen-doc/site";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { dir: { type: "string" }, port: { type: "string" } } });
  const dir = resolve(values.dir ?? join(repoRoot, "build", "docs"));
  if (!existsSync(join(dir, "index.html"))) {
    throw new Error(`${dir} has no index.html; build the site first with: npm run docs`);
  }
  const port = values.port ? Number(values.port) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a port number, got ${JSON.stringify(values.port)}`);
  }
  const s = await serveStatic(dir, port);
  console.log(`docs:serve: serving ${dir} at ${s.url} (Ctrl-C to stop)`);
  // Serves until SIGINT or SIGTERM, then closes the server and exits 0.
  await new Promise<void>((stopped) => {
    const stop = () => void s.close().then(stopped);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}

runIfEntryPoint(import.meta.url, "docs:serve", main);
