import { constants, createReadStream, realpathSync } from "node:fs";
import { open, realpath } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, relative, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".md": "text/markdown; charset=utf-8",
};

export interface StaticServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a directory read-only on 127.0.0.1: never outside it (`..`, encoded
 * slashes and symlinks that lead out are refused), directories as their
 * index.html, redirects only to paths on this server, and a file that cannot
 * be read answers 500 instead of taking the process down.
 */
export function serveStatic(dir: string, port = 0): Promise<StaticServer> {
  // The real root, so that a symlinked site directory still serves and a link inside it is judged by where it leads.
  const root = realpathSync(resolve(dir));
  // A browser reuses an idle connection for its next page: closing it after Node's default 5 s
  // races that reuse, and the page fails with an empty response (seen under load in the Chromium test).
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    serveOne(root, req, res).catch((err: unknown) =>
      fail(res, 500, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`),
    );
  });
  return new Promise((ok, failListen) => {
    server.once("error", failListen);
    server.listen(port, "127.0.0.1", () => {
      const { port: p } = server.address() as AddressInfo;
      ok({
        server,
        url: `http://127.0.0.1:${p}/`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

async function serveOne(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD")
    return fail(res, 405, "method not allowed", { allow: "GET, HEAD" });
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
  } catch {
    return fail(res, 400, "bad request");
  }
  if (path.includes("\0")) return fail(res, 400, "bad request");
  const asked = resolve(join(root, path));
  if (!inside(root, asked)) return fail(res, 403, "forbidden");
  let file: string;
  try {
    file = await realpath(asked);
  } catch {
    return fail(res, 404, "not found");
  }
  // A symlink is followed only while it stays in the site.
  if (!inside(root, file)) return fail(res, 403, "forbidden");
  let handle = await openOrNull(file);
  if (!handle) return fail(res, 404, "not found");
  let stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    if (!path.endsWith("/")) {
      // Built from the resolved path inside the root, never from the request: a decoded "//host" would be
      // protocol-relative, an open redirect.
      return void res.writeHead(301, { location: `${sitePath(root, asked)}/` }).end();
    }
    const index = join(file, "index.html");
    const indexReal = await realpath(index).catch(() => undefined);
    if (!indexReal || !inside(root, indexReal))
      return fail(res, indexReal ? 403 : 404, indexReal ? "forbidden" : "not found");
    handle = await openOrNull(indexReal);
    if (!handle) return fail(res, 404, "not found");
    stat = await handle.stat();
    file = indexReal;
  }
  if (!stat.isFile()) {
    await handle.close();
    return fail(res, 404, "not found");
  }
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "content-length": stat.size,
    "cache-control": "no-cache",
  });
  if (req.method === "HEAD" || stat.size === 0) {
    await handle.close();
    return void res.end();
  }
  // Read from the descriptor that was checked; an error now (the disk, a file truncated meanwhile) can only cut this response.
  const fd = handle;
  const stream = createReadStream("", { fd: fd.fd, autoClose: false, start: 0, end: stat.size - 1 });
  let closed = false;
  const done = () => {
    if (closed) return;
    closed = true;
    fd.close().catch(() => {});
  };
  stream.once("error", () => {
    done();
    res.destroy();
  });
  stream.once("end", done);
  res.once("close", () => {
    stream.destroy();
    done();
  });
  stream.pipe(res);
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + sep);
}

function sitePath(root: string, p: string): string {
  const rel = relative(root, p);
  return rel === "" ? "" : `/${rel.split(sep).map(encodeURIComponent).join("/")}`;
}

async function openOrNull(file: string) {
  try {
    // Non-blocking, so that a FIFO in the tree is refused by the type check instead of blocking a thread.
    return await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return undefined;
    throw err;
  }
}

function fail(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers }).end(`${text}\n`);
}
