import type * as net from "node:net";

/** What a shutdown waits for in-flight calls before it cuts them, when the caller gives no timeoutMs. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Where a server listens: the bound port and host, and the URL to reach it. */
export interface ListenAddress {
  port: number;
  host: string;
  url: string;
}

/**
 * Listens on `port` and `host` and resolves with the bound address (port 0 gives a random
 * one); rejects with the listen error (EADDRINUSE, ...) and leaves no listener behind.
 */
export function listenOn(
  server: net.Server,
  port: number,
  host: string,
  scheme: "http" | "https",
): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const addr = server.address() as net.AddressInfo;
      // An IPv6 literal goes in brackets in a URL.
      const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
      resolve({ port: addr.port, host: addr.address, url: `${scheme}://${shownHost}:${addr.port}` });
    });
  });
}
