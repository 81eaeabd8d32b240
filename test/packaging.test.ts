// End to end: every workspace package is packed, linted as a published
// package (publint, attw), installed from its tarball into a throwaway
// consumer, compiled there under tsc --strict as ESM and as CommonJS, and
// used against a running server over gRPC (HTTP/2) and Connect JSON (HTTP/1.1).
// Needs `npm run build` first (it packs dist/).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { build } from "esbuild";
import { bin, npmCommand } from "../scripts/lib/infra/exec.js";
import { listProtoPackages } from "../scripts/lib/codegen/protos.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { listWorkspacePackages } from "../scripts/lib/infra/workspaces.js";
import { startGreeterServer, type GreeterServer } from "@acme/test-support/greeter";

const exec = promisify(execFile);
const npm = npmCommand();
const runNpm = (args: string[], cwd: string) => exec(npm.cmd, [...npm.prefix, ...args], { cwd, maxBuffer: 32 << 20 });
const rootPkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
const pin = (name: string) => rootPkg.devDependencies[name] as string;

const CLIENT = (mod: "esm" | "cjs") => `
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { GreeterService, type SayHelloResponse } from "@acme/greeter/v1";

async function main(): Promise<void> {
  const grpc = createClient(GreeterService, createGrpcTransport({ baseUrl: process.env.H2_URL! }));
  const connect = createClient(GreeterService, createConnectTransport({ baseUrl: process.env.H1_URL!, httpVersion: "1.1", useBinaryFormat: false }));
  const viaGrpc: SayHelloResponse = await grpc.sayHello({ name: "grpc-${mod}" });
  const viaConnect: SayHelloResponse = await connect.sayHello({ name: "connect-${mod}" });
  const stream: string[] = [];
  for await (const m of grpc.sayHelloStream({ name: "s", count: 2 })) stream.push(m.message);
  console.log(JSON.stringify({ grpc: viaGrpc.message, connect: viaConnect.message, stream }));
}
${mod === "esm" ? "await main();" : "main().catch((e) => { console.error(e); process.exitCode = 1; });"}
`;

// Server code type-checks against the same package: router.service must accept it.
const SERVER_TYPES = `
import type { ConnectRouter } from "@connectrpc/connect";
import { GreeterService } from "@acme/greeter/v1";
export default (router: ConnectRouter) =>
  router.service(GreeterService, {
    sayHello: (req) => ({ message: "Hi " + req.name }),
    async *sayHelloStream(req) { yield { message: req.name, index: 1 }; },
  });
`;

describe("packaging", () => {
  const work = mkdtempSync(join(tmpdir(), "packaging-"));
  const tarballs = new Map<string, string>();
  let server: GreeterServer;

  before(async () => {
    const out = join(work, "tarballs");
    mkdirSync(out);
    const { stdout } = await runNpm(["pack", "--workspaces", "--json", "--pack-destination", out], repoRoot);
    for (const p of JSON.parse(stdout) as { name: string; filename: string }[])
      tarballs.set(p.name, join(out, p.filename));
    server = await startGreeterServer();
  });
  after(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("packs every workspace package with its dist/ and README", () => {
    const names = listWorkspacePackages()
      .map((p) => p.name)
      .sort();
    assert.deepEqual([...tarballs.keys()].sort(), names);
    assert.ok(
      names.includes("@acme/greeter") && names.includes("@acme/httpgrpc") && names.includes("@acme/grpc-health"),
    );
  });

  it("passes publint for every package", async () => {
    for (const ws of listWorkspacePackages()) {
      const r = await exec(bin("publint"), ["--strict", join(repoRoot, ws.dir)]).catch(
        (e) => e as { code: number; stdout: string },
      );
      assert.ok(!("code" in r) || !r.code, `publint ${ws.name}:\n${r.stdout}`);
    }
  });

  it("passes attw (are the types wrong) for every built tarball", async () => {
    // A private package with no entry points (@acme/test-support: TypeScript sources for our own tests) is never
    // built or published, so it has no JavaScript or declarations to check.
    const built = new Set(
      listWorkspacePackages()
        .filter((ws) => ws.packageJson.private !== true || Object.keys(ws.packageJson.entryPoints ?? {}).length > 0)
        .map((ws) => ws.name),
    );
    assert.ok(built.has("@acme/schemas") && built.has("@acme/greeter") && built.has("@acme/h2"));
    for (const [name, tgz] of tarballs) {
      if (!built.has(name)) continue;
      // node10 resolution predates "exports" and cannot see subpaths like ./v1.
      const r = await exec(bin("attw"), [tgz, "--profile", "node16", "--format", "table-flipped"]).catch(
        (e) => e as { code: number; stdout: string },
      );
      assert.ok(!("code" in r) || !r.code, `attw ${name}:\n${r.stdout}`);
    }
  });

  it("installs from tarballs and works from ESM and CommonJS consumers under tsc --strict", async () => {
    const consumer = join(work, "consumer");
    mkdirSync(consumer);
    const deps: Record<string, string> = {
      "@bufbuild/protobuf": pin("@bufbuild/protobuf"),
      "@connectrpc/connect": pin("@connectrpc/connect"),
      "@connectrpc/connect-node": pin("@connectrpc/connect-node"),
      "@types/node": pin("@types/node"),
      "@acme/greeter": `file:${tarballs.get("@acme/greeter")}`,
    };
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", private: true, dependencies: deps }, null, 2),
    );
    await runNpm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], consumer);

    for (const mod of ["esm", "cjs"] as const) {
      const dir = join(consumer, mod);
      mkdirSync(dir);
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: mod === "esm" ? "module" : "commonjs" }));
      writeFileSync(join(dir, "client.ts"), CLIENT(mod));
      writeFileSync(join(dir, "server.ts"), SERVER_TYPES);
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: "nodenext",
            moduleResolution: "nodenext",
            target: "es2022",
            outDir: "out",
            skipLibCheck: false,
            types: ["node"],
          },
          include: ["*.ts"],
        }),
      );
      await exec(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", dir]).catch(
        (e: { stdout: string; stderr: string; message: string }) => {
          throw new Error(`tsc --strict failed for the ${mod} consumer:\n${e.stdout}${e.stderr || e.message}`);
        },
      );
      const emitted = readFileSync(join(dir, "out/client.js"), "utf8");
      assert.match(emitted, mod === "esm" ? /from "@acme\/greeter\/v1"/ : /require\("@acme\/greeter\/v1"\)/);
      const { stdout } = await exec(process.execPath, [join(dir, "out/client.js")], {
        env: { ...process.env, H2_URL: server.h2Url, H1_URL: server.h1Url },
      });
      assert.deepEqual(JSON.parse(stdout), {
        grpc: `Hello, grpc-${mod}!`,
        connect: `Hello, connect-${mod}!`,
        stream: ["Hello #1, s!", "Hello #2, s!"],
      });
    }
  });

  it("declares Connect and @bufbuild/protobuf as caret ranges of major 2 in every published package, never as pins", () => {
    const shared = /^@connectrpc\/|^@bufbuild\/protobuf$/;
    for (const ws of listWorkspacePackages()) {
      if (ws.packageJson.private === true) continue;
      const pj = ws.packageJson as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      for (const [name, range] of Object.entries(pj.peerDependencies ?? {})) {
        if (shared.test(name)) assert.match(range, /^\^2(\.\d+){0,2}$/, `${ws.name} peer ${name}@${range}`);
      }
      for (const [name, range] of Object.entries(pj.dependencies ?? {})) {
        if (shared.test(name))
          assert.match(range, /^\^2(\.\d+){0,2}$/, `${ws.name} dependency ${name}@${range} is pinned`);
      }
    }
  });

  it("installs @acme/platform, @acme/httpgrpc and a generated package beside the newest Connect 2.x and protobuf 2.x, and serves a call", async () => {
    const consumer = join(work, "newest");
    mkdirSync(consumer);
    // The newest 2.x on the registry, whatever it is today (not our pinned toolchain).
    const newest: Record<string, string> = {};
    for (const name of [
      "@connectrpc/connect",
      "@connectrpc/connect-node",
      "@connectrpc/connect-web",
      "@bufbuild/protobuf",
    ]) {
      const { stdout } = await runNpm(["view", `${name}@^2`, "version", "--json"], consumer);
      const versions = JSON.parse(stdout) as string | string[];
      newest[name] = Array.isArray(versions) ? versions[versions.length - 1] : versions;
      assert.match(newest[name], /^2\./);
    }
    // The three packages, and the workspace packages they depend on (from local tarballs: not on any registry).
    const workspaces = new Map(listWorkspacePackages().map((ws) => [ws.name, ws]));
    const ours = new Set<string>();
    const want = (name: string) => {
      const ws = workspaces.get(name);
      if (!ws || ours.has(name)) return;
      ours.add(name);
      for (const dep of Object.keys((ws.packageJson.dependencies as Record<string, string> | undefined) ?? {}))
        want(dep);
    };
    for (const n of ["@acme/platform", "@acme/httpgrpc", "@acme/greeter"]) want(n);
    const deps: Record<string, string> = { ...newest };
    for (const n of ours) deps[n] = `file:${tarballs.get(n)}`;
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify({ name: "newest-consumer", private: true, type: "module", dependencies: deps }, null, 2),
    );
    const install = await runNpm(["install", "--no-audit", "--no-fund", "--ignore-scripts"], consumer).catch(
      (e: { stdout: string; stderr: string }) => {
        throw new Error(`npm install failed (ERESOLVE?):\n${e.stdout}${e.stderr}`);
      },
    );
    assert.doesNotMatch(install.stderr, /ERESOLVE|overriding peer dependency/i, install.stderr);
    const ls = await runNpm(["ls", "--all"], consumer).catch((e: { stdout: string; stderr: string }) => {
      throw new Error(`npm ls reports a broken tree:\n${e.stdout}${e.stderr}`);
    });
    // An optional peer the consumer did not ask for (balancer's @kubernetes/client-node, loaded only
    // for kubernetes:// targets) is listed as "UNMET OPTIONAL DEPENDENCY": that is a clean tree.
    const problems = ls.stdout.split("\n").filter((l) => !l.includes("UNMET OPTIONAL DEPENDENCY"));
    assert.doesNotMatch(problems.join("\n"), /invalid|UNMET|extraneous/i, ls.stdout);
    for (const [name, version] of Object.entries(newest)) {
      const installed = JSON.parse(readFileSync(join(consumer, "node_modules", name, "package.json"), "utf8")) as {
        version: string;
      };
      assert.equal(installed.version, version, `${name} is the consumer's own ${version}`);
      // One copy only: none of our packages brought its own.
      const { stdout } = await runNpm(["ls", name, "--all", "--parseable"], consumer);
      assert.equal(new Set(stdout.trim().split("\n")).size, 1, `${name} is installed once:\n${stdout}`);
    }
    writeFileSync(
      join(consumer, "call.js"),
      `import { createServer, defineService } from "@acme/platform/server";
import { createClient } from "@acme/platform/client/node";
import { GreeterService } from "@acme/greeter/v1";
import { HTTP } from "@acme/httpgrpc";
import { createHTTPServiceImpl } from "@acme/httpgrpc/server";
const server = createServer({
  services: [
    defineService(GreeterService, { sayHello: (req) => ({ message: "Hello, " + req.name + "!" }) }),
    defineService(HTTP, createHTTPServiceImpl({ fetch: async (req) => new Response("via httpgrpc " + new URL(req.url).pathname) })),
  ],
  logger: { info() {}, warn() {}, error() {} },
});
const { url } = await server.listen(0, "127.0.0.1");
try {
  const greeter = createClient(GreeterService, { baseUrl: url, protocol: "grpc" });
  const res = await greeter.sayHello({ name: "newest" });
  const http = await createClient(HTTP, { baseUrl: url, protocol: "grpc" }).handle({ method: "GET", url: "/orders" });
  console.log(JSON.stringify({ message: res.message, httpgrpc: [http.Code, new TextDecoder().decode(http.body)] }));
} finally {
  await server.shutdown({ timeoutMs: 1000 });
}
`,
    );
    const { stdout } = await exec(process.execPath, [join(consumer, "call.js")], { cwd: consumer });
    assert.deepEqual(JSON.parse(stdout), { message: "Hello, newest!", httpgrpc: [200, "via httpgrpc /orders"] });
  });

  it("@acme/schemas installs from its tarball with every .proto of proto/ byte for byte, buf builds it, and its entry points name both", async () => {
    const consumer = join(work, "schemas-consumer");
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify({
        name: "schemas-consumer",
        private: true,
        dependencies: { "@acme/schemas": `file:${tarballs.get("@acme/schemas")}` },
      }),
    );
    await runNpm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], consumer);
    const installed = join(consumer, "node_modules/@acme/schemas");
    const own = (await listProtoPackages()).flatMap((p) => p.files);
    for (const f of own)
      assert.ok(
        readFileSync(join(installed, "dist/proto", f)).equals(readFileSync(join(repoRoot, "proto", f))),
        `${f} is the repo's own file`,
      );
    for (const f of ["google/api/annotations.proto", "google/rpc/status.proto", "buf/validate/validate.proto"])
      assert.ok(existsSync(join(installed, "dist/proto", f)), `${f} is shipped`);
    // buf over the installed include root alone: no buf.yaml, no .deps, no network.
    const out = join(consumer, "rebuilt.binpb");
    await exec(bin("buf"), ["build", join(installed, "dist/proto"), "-o", out], { cwd: consumer });
    const names = (set: Uint8Array) => fromBinary(FileDescriptorSetSchema, set).file.map((f) => f.name);
    const shipped = names(readFileSync(join(installed, "dist/image.binpb")));
    for (const f of own) assert.ok(shipped.includes(f), `the descriptor set has ${f}`);
    assert.deepEqual(
      names(readFileSync(out)).sort(),
      shipped.sort(),
      "the shipped set covers what buf builds from the shipped files",
    );
    for (const mod of ["mjs", "cjs"]) {
      const script = join(consumer, `paths.${mod}`);
      writeFileSync(
        script,
        mod === "mjs"
          ? `import { protoDir, descriptorSetPath, readDescriptorSet } from "@acme/schemas";\nconsole.log(JSON.stringify([protoDir, descriptorSetPath, readDescriptorSet().length]));\n`
          : `const { protoDir, descriptorSetPath, readDescriptorSet } = require("@acme/schemas");\nconsole.log(JSON.stringify([protoDir, descriptorSetPath, readDescriptorSet().length]));\n`,
      );
      const { stdout } = await exec(process.execPath, [script], { cwd: consumer });
      assert.deepEqual(
        JSON.parse(stdout),
        [
          join(installed, "dist/proto"),
          join(installed, "dist/image.binpb"),
          readFileSync(join(installed, "dist/image.binpb")).length,
        ],
        mod,
      );
    }
  });

  it("bundles every generated entry point for the browser without Node built-ins", async () => {
    for (const ws of listWorkspacePackages()) {
      const generated = Object.entries(ws.packageJson.entryPoints ?? {}).filter(([, src]) => src.includes("/gen/"));
      for (const [sub] of generated) {
        const spec = sub === "." ? ws.name : `${ws.name}/${sub.slice(2)}`;
        const r = await build({
          stdin: {
            contents: `import * as api from "${spec}";\nimport { createConnectTransport } from "@connectrpc/connect-web";\nconsole.log(Object.keys(api).length, createConnectTransport);`,
            resolveDir: repoRoot,
            loader: "ts",
          },
          bundle: true,
          platform: "browser",
          format: "esm",
          write: false,
          logLevel: "silent",
        });
        assert.equal(r.errors.length, 0, `${spec}: ${JSON.stringify(r.errors)}`);
        assert.doesNotMatch(r.outputFiles[0].text, /require\("node:|from "node:/, `${spec} pulls in a Node built-in`);
      }
    }
  });
});
