// A bench server in its own process, so that its CPU time per request is
// measured apart from the load generator. bench/platform.ts forks it with a
// variant name; it answers "cpu" with the CPU time it has used so far.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createServer, defineService, silentLogger } from "@acme/platform/server";
import { greeterImpl, GreeterService } from "@acme/test-support/greeter";

export type Variant = "bare" | "platform" | "platform-unscoped" | "platform-novalidate";

async function start(variant: Variant): Promise<string> {
  if (variant === "bare") {
    const server = http.createServer(
      connectNodeAdapter({ routes: (router) => router.service(GreeterService, greeterImpl) }),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const platform = createServer({
    services: [defineService(GreeterService, greeterImpl)],
    logger: silentLogger,
    traceScope: variant !== "platform-unscoped",
    validate: variant !== "platform-novalidate",
  });
  return (await platform.listen()).url;
}

if (process.send) {
  const url = await start(process.argv[2] as Variant);
  process.on("message", (m) => {
    if (m === "cpu") {
      const u = process.cpuUsage();
      process.send!({ cpuMicros: u.user + u.system });
    } else if (m === "exit") process.exit(0);
  });
  process.send({ url });
}
