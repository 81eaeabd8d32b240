// The browser demo: calls GreeterService through Connect and through gRPC-web
// with @acme/platform/client (connect-web), and shows what came back.
// Bundled for the browser by build.ts (esbuild).
import { createClient, type Protocol } from "@acme/platform/client";
import { GreeterService } from "@acme/greeter/v1";

function show(protocol: string, text: string, cls = "ok"): void {
  const li = document.createElement("li");
  li.className = cls;
  li.textContent = text;
  document.querySelector(`#${protocol} ol`)!.append(li);
}

// The API may live on another origin (?api=http://host:port); createServer's `cors` option lets it answer.
const baseUrl = new URLSearchParams(location.search).get("api") ?? location.origin;

async function demo(protocol: Protocol): Promise<void> {
  const client = createClient(GreeterService, { baseUrl, protocol, meshService: "greeter" });
  const hello = await client.sayHello({ name: `browser (${protocol})` });
  show(protocol, hello.message);
  for await (const m of client.sayHelloStream({ name: protocol, count: 3 })) show(protocol, `${m.index}: ${m.message}`);
}

const status = document.getElementById("status")!;
Promise.all(
  (["connect", "grpc-web"] as const).map((p) =>
    demo(p).catch((err: Error) => {
      show(p, String(err), "error");
      throw err;
    }),
  ),
).then(
  () => {
    status.textContent = "done";
    document.body.dataset.state = "done";
  },
  (err: Error) => {
    status.textContent = `failed: ${err.message}`;
    document.body.dataset.state = "failed";
  },
);
