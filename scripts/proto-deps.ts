// npm run proto-deps (also run by `npm ci` through prepare): writes the
// third-party proto modules under .deps/proto/ from their pinned npm
// packages. The build scripts run the same step before buf, so running it by
// hand is only needed to use buf directly.
import { ensureProtoDeps } from "./lib/codegen/proto-deps.js";

try {
  const written = await ensureProtoDeps();
  console.log(written.length ? `proto-deps: wrote ${written.join(", ")}` : "proto-deps: .deps/proto is up to date");
} catch (err) {
  console.error(`proto-deps: ${(err as Error).message}`);
  process.exit(1);
}
