import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import { HTTPRequestSchema, HTTPResponseSchema } from "./gen/httpgrpc/index.js";
const req = create(HTTPRequestSchema, { method: "GET", url: "/bytes/1024", headers: [{ key: "Accept", values: ["*/*"] }, { key: "User-Agent", values: ["autocannon"] }, { key: "X-Scope-Orgid", values: ["t"] }] });
const resp = create(HTTPResponseSchema, { Code: 200, headers: [{ key: "Content-Type", values: ["application/octet-stream"] }], body: new Uint8Array(1024) });
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  for (let i = 0; i < 20000; i++) fromBinary(HTTPRequestSchema, toBinary(HTTPRequestSchema, req));
  const a = (performance.now() - t) / 20000 * 1000;
  t = performance.now();
  for (let i = 0; i < 20000; i++) fromBinary(HTTPResponseSchema, toBinary(HTTPResponseSchema, resp));
  console.log("req enc+dec us", a.toFixed(1), "resp enc+dec us", ((performance.now() - t) / 20000 * 1000).toFixed(1));
}
