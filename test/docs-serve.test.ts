// npm run docs:serve as a hostile browser would use it: the real CLI in a
// child process on a temporary site, raw request paths, and after every
// attack a normal page still served by the same process.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../scripts/lib/infra/repo.js";

let tmp: string;
let child: ChildProcess;
let base: URL;

/** GET with the path sent exactly as written (no client-side normalisation). */
function get(path: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method: "GET", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, location: res.headers.location, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function stillServing() {
  const r = await get("/index.html");
  assert.equal(r.status, 200);
  assert.equal(r.body, "<!doctype html><title>home</title>");
  assert.equal(child.exitCode, null, "the docs server is still running");
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "docs-serve-"));
  const site = join(tmp, "site");
  mkdirSync(join(site, "pkg"), { recursive: true });
  writeFileSync(join(site, "index.html"), "<!doctype html><title>home</title>");
  writeFileSync(join(site, "pkg", "index.html"), "pkg");
  writeFileSync(join(site, "pkg", "empty.txt"), "");
  writeFileSync(join(tmp, "secret.txt"), "outside the site");
  mkdirSync(join(tmp, "outside-dir"));
  writeFileSync(join(tmp, "outside-dir", "index.html"), "outside index");
  symlinkSync(join(tmp, "secret.txt"), join(site, "leak.txt"));
  symlinkSync(join(tmp, "outside-dir"), join(site, "leakdir"));
  symlinkSync(join(site, "pkg"), join(site, "latest")); // a link that stays inside is fine (docs trees use them)
  mkdirSync(join(site, "broken", "index.html"), { recursive: true }); // a directory where the index file should be
  execFileSync("mkfifo", [join(site, "pipe.html")]);
  child = spawn(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "scripts", "docs-serve.ts"), "--dir", site, "--port", "0"],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout!.setEncoding("utf8");
  for await (const chunk of child.stdout!) {
    out += chunk;
    const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
    if (m) {
      base = new URL(m[1]);
      break;
    }
  }
  assert.ok(base, `docs:serve printed its URL: ${out}`);
});

after(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe("docs:serve", () => {
  it("serves files, directories as their index, and redirects a directory without its slash", async () => {
    assert.deepEqual(await get("/pkg/"), { status: 200, location: undefined, body: "pkg" });
    assert.deepEqual(await get("/pkg"), { status: 301, location: "/pkg/", body: "" });
    assert.deepEqual(await get("/pkg/empty.txt"), { status: 200, location: undefined, body: "" });
    assert.equal((await get("/latest/")).body, "pkg");
  });

  it("never redirects off-site: encoded slashes cannot make a protocol-relative location", async () => {
    for (const path of [
      "/%2Fevil.example%2F..%2Fpkg",
      "/%2F%2Fevil.example%2F..%2F..%2Fpkg",
      "/%5C%5Cevil.example/../pkg",
      "//evil.example/../pkg",
    ]) {
      const r = await get(path);
      if (r.status === 301) {
        assert.ok(
          r.location?.startsWith("/") && !r.location.startsWith("//") && !r.location.includes("\\"),
          `${path} → ${r.location}`,
        );
        assert.equal(new URL(r.location!, base).origin, base.origin, `${path} stays on this server`);
      } else {
        assert.ok([403, 404].includes(r.status), `${path} → ${r.status}`);
      }
    }
    assert.equal((await get("/%2Fevil.example%2F..%2Fpkg")).location, "/pkg/");
    await stillServing();
  });

  it("refuses paths and symlinks that lead out of the site", async () => {
    assert.equal((await get("/leak.txt")).status, 403);
    assert.equal((await get("/leakdir/")).status, 403);
    assert.equal((await get("/leakdir/index.html")).status, 403);
    assert.equal((await get("/..%2Fsecret.txt")).status, 403);
    assert.equal((await get("/%00")).status, 400);
    for (const p of ["/leak.txt", "/leakdir/index.html", "/..%2Fsecret.txt"])
      assert.doesNotMatch((await get(p)).body, /outside/);
    await stillServing();
  });

  it("answers files it cannot serve with an error status and keeps serving", async () => {
    // A directory named index.html crashed the process (EISDIR from a read stream after the stat).
    assert.equal((await get("/broken/")).status, 404);
    assert.equal((await get("/broken/index.html/")).status, 404);
    // A FIFO would block an open() forever; it is not a regular file.
    assert.equal((await get("/pipe.html")).status, 404);
    await stillServing();
  });

  it("only reads: other methods get 405", async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: base.hostname, port: base.port, path: "/index.html", method: "DELETE", agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.end();
    });
    assert.equal(r, 405);
  });
});
