// npm run proto-deps (also run by `npm ci` through prepare): writes the
// third-party proto modules under .deps/proto/ from their pinned npm
// packages. The build scripts run the same step before buf, so running it by
// hand is only needed to use buf directly.
import { ensureProtoDeps } from "./lib/codegen/proto-deps.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";

async function main(): Promise<number> {
  const written = await ensureProtoDeps();
  console.log(written.length ? `proto-deps: wrote ${written.join(", ")}` : "proto-deps: .deps/proto is up to date");
  return 0;
}

runIfEntryPoint(import.meta.url, "proto-deps", main);
