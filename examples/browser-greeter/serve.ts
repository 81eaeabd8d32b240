// Runs the demo: bundles the page, then serves it and GreeterService on one
// port. `npx tsx examples/browser-greeter/serve.ts [port]`, then open the URL.
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, defineService } from "@acme/platform/server";
import { bundleBrowserGreeter } from "./build.js";
import { greeterImpl, GreeterService } from "@acme/test-support/greeter";
import { staticFiles } from "./static-files.js";

const dist = join(dirname(fileURLToPath(import.meta.url)), "dist");
await bundleBrowserGreeter(dist);
const server = createServer({ services: [defineService(GreeterService, greeterImpl)], fallback: staticFiles(dist) });
const { url } = await server.listen(Number(process.argv[2] ?? 8080), "127.0.0.1");
console.log(`open ${url}`);
process.once("SIGINT", () => void server.shutdown().then(() => process.exit(0)));
process.once("SIGTERM", () => void server.shutdown().then(() => process.exit(0)));
