// Serves the bundled demo page as the REST fallback of createServer, so the
// page and the RPCs share one origin (no CORS needed).
import { readFile } from "node:fs/promises";
import type * as http from "node:http";
import { join, normalize } from "node:path";

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

export function staticFiles(dir: string): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const rel = normalize(path === "/" ? "/index.html" : path);
    const ext = rel.slice(rel.lastIndexOf("."));
    if (req.method !== "GET" || rel.includes("..") || !TYPES[ext]) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(dir, rel)).then(
      (body) => res.writeHead(200, { "content-type": TYPES[ext] }).end(body),
      () => res.writeHead(404).end(),
    );
  };
}
