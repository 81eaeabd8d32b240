// Guards for a reproducible install: `npm ci` must work from the committed
// lockfile on a fresh machine, and the protobuf toolchain moves as one.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../scripts/lib/infra/repo.js";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; optionalDependencies?: Record<string, string>; link?: boolean }>;
};

describe("toolchain and lockfile", () => {
  it("pins buf, protoc-gen-es, protobuf and Connect exactly", () => {
    const dev = pkg.devDependencies as Record<string, string>;
    for (const name of [
      "@bufbuild/buf",
      "@bufbuild/protoc-gen-es",
      "@bufbuild/protobuf",
      "@connectrpc/connect",
      "@connectrpc/connect-node",
      "@connectrpc/connect-web",
      "typescript",
    ]) {
      assert.match(dev[name] ?? "", /^\d+\.\d+\.\d+$/, `${name} must be pinned to an exact version`);
    }
    assert.equal(
      dev["@bufbuild/protobuf"],
      dev["@bufbuild/protoc-gen-es"],
      "@bufbuild/protobuf must equal protoc-gen-es",
    );
    assert.equal(
      lock.packages["node_modules/@bufbuild/protobuf"].version,
      dev["@bufbuild/protobuf"],
      "the lockfile must resolve the pinned runtime",
    );
  });

  // A lockfile written where the registry lacks some platform binaries drops
  // their entries, and `npm ci` then refuses to install anywhere.
  it("records every optional (platform) dependency, so npm ci accepts it", () => {
    const present = new Set(Object.keys(lock.packages).map((k) => k.replace(/^.*node_modules\//, "")));
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {}))
        if (!present.has(dep)) missing.push(`${path || "(root)"} -> ${dep}`);
    }
    assert.deepEqual(missing, []);
  });

  it("links every workspace package", () => {
    const links = Object.entries(lock.packages)
      .filter(([k, v]) => k.startsWith("node_modules/@") && v.link)
      .map(([k]) => k.slice("node_modules/".length));
    for (const dir of Object.keys(lock.packages).filter(
      (k) => k.startsWith("packages/") && !k.includes("node_modules"),
    )) {
      const name = JSON.parse(readFileSync(join(repoRoot, dir, "package.json"), "utf8")).name as string;
      assert.ok(links.includes(name), `${name} (${dir}) is not linked in package-lock.json`);
    }
  });
});
