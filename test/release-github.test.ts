// The GitHub release step as release.config.mjs configures it, against a
// mock of the GitHub API (the one mock our standards allow): every packed
// .tgz is attached, and so is @acme/schemas' descriptor set (the bytes inside
// its tarball, named for the version), and an attached asset installs with
// npm from its URL without any registry.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { listProtoPackages } from "../scripts/lib/codegen/protos.js";
import { run } from "../scripts/lib/infra/exec.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { packRelease, releasablePackages } from "../scripts/release/pack.js";
import { cleanEnv } from "./support/release-repo.js";

let dir: string;
let server: Server;
let api: string;
const releases: Record<string, unknown>[] = [];
const assets = new Map<string, Buffer>();
const labels = new Map<string, string>();
let published = false;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "release-github-"));
  await packRelease(repoRoot, "1.2.3", join(dir, "build", "release"));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", api);
      const body = Buffer.concat(chunks);
      const json = (status: number, data: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(data));
      };
      if (req.method === "GET" && url.pathname === "/repos/acme/schemas") {
        return json(200, { permissions: { push: true }, clone_url: "https://github.com/acme/schemas.git" });
      }
      if (req.method === "POST" && url.pathname === "/repos/acme/schemas/releases") {
        releases.push(JSON.parse(body.toString()) as Record<string, unknown>);
        return json(201, {
          id: 7,
          upload_url: `${api}uploads/releases/7/assets{?name,label}`,
          html_url: "https://github.com/acme/schemas/releases/v1.2.3",
        });
      }
      if (req.method === "POST" && url.pathname === "/uploads/releases/7/assets") {
        const name = url.searchParams.get("name") ?? "";
        assets.set(name, body);
        labels.set(name, url.searchParams.get("label") ?? "");
        return json(201, { browser_download_url: `${api}download/v1.2.3/${name}` });
      }
      if (req.method === "PATCH" && url.pathname === "/repos/acme/schemas/releases/7") {
        published = (JSON.parse(body.toString()) as { draft: boolean }).draft === false;
        return json(200, { html_url: "https://github.com/acme/schemas/releases/v1.2.3" });
      }
      const download = /^\/download\/v1\.2\.3\/(.+)$/.exec(url.pathname);
      if (req.method === "GET" && download && assets.has(download[1])) {
        res.writeHead(200, { "content-type": "application/gzip" });
        return res.end(assets.get(download[1]));
      }
      json(404, { message: `mock GitHub: no route for ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test("with a GitHub token, the release carries every package's .tgz and the schemas descriptor set, and an asset installs from its URL", async () => {
  process.env.GITHUB_TOKEN = "test-token";
  let config: { plugins: (string | [string, Record<string, unknown>])[] };
  try {
    config = (
      (await import(`${pathToFileURL(join(repoRoot, "release.config.mjs")).href}?github`)) as { default: typeof config }
    ).default;
  } finally {
    delete process.env.GITHUB_TOKEN;
  }
  const entry = config.plugins.find((p) => Array.isArray(p) && p[0] === "@semantic-release/github") as [
    string,
    Record<string, unknown>,
  ];
  const pluginName = "@semantic-release/github"; // untyped: imported by name, typed by hand
  const github = (await import(pluginName)) as {
    verifyConditions(cfg: object, ctx: object): Promise<void>;
    publish(cfg: object, ctx: object): Promise<{ url: string }>;
  };
  const logs: string[] = [];
  const logger = {
    log: (...a: unknown[]) => logs.push(a.join(" ")),
    error: (...a: unknown[]) => logs.push(a.join(" ")),
    success: () => {},
    warn: () => {},
  };
  const context = {
    cwd: dir,
    env: { GITHUB_TOKEN: "test-token" },
    options: { repositoryUrl: "https://github.com/acme/schemas.git" },
    branch: { name: "main" },
    nextRelease: { gitTag: "v1.2.3", version: "1.2.3", notes: "### Features\n* **greeter:** hello" },
    logger,
  };
  const cfg = { ...entry[1], githubApiUrl: api.replace(/\/$/, "") };
  await github.verifyConditions(cfg, context);
  const r = await github.publish(cfg, context);

  assert.equal(r.url, "https://github.com/acme/schemas/releases/v1.2.3");
  assert.equal(releases.length, 1);
  assert.equal(releases[0].tag_name, "v1.2.3");
  assert.ok(published, "the draft release was published");
  const packed = readdirSync(join(dir, "build", "release"))
    .filter((f) => f.endsWith(".tgz"))
    .sort();
  assert.equal(packed.length, releasablePackages(repoRoot).length);
  assert.deepEqual([...assets.keys()].sort(), [...packed, "acme-schemas-1.2.3.binpb"].sort());
  for (const f of packed)
    assert.ok(assets.get(f)!.equals(readFileSync(join(dir, "build", "release", f))), `${f} uploaded intact`);

  // The descriptor set asset is the one published inside @acme/schemas@1.2.3, and decodes as a FileDescriptorSet.
  const inTarball = execFileSync("tar", [
    "-xzOf",
    join(dir, "build", "release", "acme-schemas-1.2.3.tgz"),
    "package/dist/image.binpb",
  ]);
  const binpb = assets.get("acme-schemas-1.2.3.binpb")!;
  assert.ok(binpb.equals(inTarball), "the asset is the tarball's dist/image.binpb");
  const set = fromBinary(FileDescriptorSetSchema, binpb);
  const files = set.file.map((f) => f.name);
  for (const own of (await listProtoPackages(repoRoot)).flatMap((p) => p.files)) assert.ok(files.includes(own), own);
  assert.ok(files.includes("google/api/annotations.proto") && files.includes("buf/validate/validate.proto"));
  assert.equal(
    labels.get("acme-schemas-1.2.3.binpb"),
    "FileDescriptorSet of every .proto in v1.2.3, with imports and source info",
  );

  const consumer = join(dir, "consumer");
  const env = cleanEnv();
  mkdirSync(consumer);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  // No registry at all: an unroutable one, and peers left out, so only the asset URL can satisfy the install.
  const install = await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--legacy-peer-deps",
      "--registry",
      "http://127.0.0.1:9/",
      `${api}download/v1.2.3/acme-greeter-1.2.3.tgz`,
    ],
    { cwd: consumer, env },
  );
  assert.equal(install.code, 0, install.stderr);
  const pj = JSON.parse(readFileSync(join(consumer, "node_modules/@acme/greeter/package.json"), "utf8")) as {
    version: string;
  };
  assert.equal(pj.version, "1.2.3");
});
