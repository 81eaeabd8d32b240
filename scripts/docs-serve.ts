// npm run docs:serve [-- --dir build/docs --port 8080]: serves the built docs
// site on 127.0.0.1 and prints its URL. Ctrl-C stops it. The server is the
// plugin's (@acme/protoc-gen-doc/site), so the plugin must be built, as for npm run docs.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "./lib/infra/repo.js";
import { serveStatic } from "@acme/protoc-gen-doc/site";

const { values } = parseArgs({ options: { dir: { type: "string" }, port: { type: "string" } } });
const dir = resolve(values.dir ?? join(repoRoot, "build", "docs"));
if (!existsSync(join(dir, "index.html"))) {
  console.error(`docs:serve: ${dir} has no index.html; build the site first with: npm run docs`);
  process.exit(1);
}
const port = values.port ? Number(values.port) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`docs:serve: --port must be a port number, got ${JSON.stringify(values.port)}`);
  process.exit(1);
}
const s = await serveStatic(dir, port);
console.log(`docs:serve: serving ${dir} at ${s.url} (Ctrl-C to stop)`);
const stop = () => void s.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
