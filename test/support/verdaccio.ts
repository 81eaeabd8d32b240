// A real npm registry for tests: verdaccio in this process, on a random
// loopback port, with a throwaway storage and htpasswd file, no uplinks (so
// it serves only what the test publishes), and real users with real tokens.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runServer } from "verdaccio";

export interface PackageRule {
  access: string;
  publish: string;
}

export interface TestRegistry {
  /** e.g. http://127.0.0.1:41234/ */
  url: string;
  dir: string;
  /** Adds a user to the htpasswd file and returns a token from logging in at /-/user/. */
  addUser(name: string, password: string): Promise<string>;
  close(): Promise<void>;
}

/** Rules by package pattern, first match wins; the default lets any authenticated user publish @acme/*. */
export async function startVerdaccio(rules: Record<string, PackageRule> = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "verdaccio-"));
  const htpasswd = join(dir, "htpasswd");
  writeFileSync(htpasswd, "");
  const config = {
    self_path: join(dir, "config.yaml"),
    storage: join(dir, "storage"),
    auth: { htpasswd: { file: htpasswd, max_users: -1 } },
    uplinks: {},
    packages: {
      ...rules,
      "@*/*": { access: "$all", publish: "$authenticated" },
      "**": { access: "$all", publish: "$authenticated" },
    },
    security: { api: { legacy: true } },
    log: { type: "stdout", format: "pretty", level: "fatal" },
    web: { enable: false },
  };
  const server = (await runServer(config as never)) as unknown as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    dir,
    async addUser(name, password) {
      appendFileSync(
        htpasswd,
        `${name}:{SHA}${createHash("sha1").update(password).digest("base64")}:autocreated ${new Date().toISOString()}\n`,
      );
      const res = await fetch(`${url}-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
        method: "PUT",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${Buffer.from(`${name}:${password}`).toString("base64")}`,
        },
        body: JSON.stringify({ name, password }),
      });
      const body = (await res.json()) as { token?: string; error?: string };
      if (!res.ok || !body.token)
        throw new Error(`verdaccio login of ${name} failed: ${res.status} ${JSON.stringify(body)}`);
      return body.token;
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
