// Bundles the browser demo with esbuild for the browser platform: any Node
// built-in reaching the bundle (e.g. through @acme/platform/client) fails the
// build. `npx tsx examples/browser-greeter/build.ts [outdir]`.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

export async function bundleBrowserGreeter(outdir: string): Promise<Metafile> {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(here, "main.ts")],
    outfile: join(outdir, "main.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    metafile: true,
    logLevel: "silent",
  });
  copyFileSync(join(here, "index.html"), join(outdir, "index.html"));
  return result.metafile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outdir = resolve(process.argv[2] ?? join(here, "dist"));
  bundleBrowserGreeter(outdir).then(
    (meta) => console.log(`bundled ${Object.keys(meta.inputs).length} modules into ${outdir}`),
    (err: Error) => {
      console.error(`browser-greeter: ${err.message}`);
      process.exit(1);
    },
  );
}
