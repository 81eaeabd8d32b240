// gRPC server reflection in createServer, seen by real clients: `buf curl`
// (which knows no schema but what reflection tells it) and a plain
// @grpc/grpc-js client speaking grpc.reflection.v1 and v1alpha from the
// .proto files @grpc/reflection ships.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create, createFileRegistry, fromBinary, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { defineService } from "@acme/platform/server";
import { greeterImpl, GreeterService } from "@acme/test-support/greeter";
import { bin, run, runOrThrow } from "@acme/test-support/exec";
import { repoRoot } from "@acme/test-support/repo";
import { startServer, type Started } from "@acme/test-support/platform-server";

// A schema three files deep, with a custom option (an extension), compiled
// by buf at test time: order.proto -> money.proto -> google/protobuf/timestamp.proto,
// and order.proto -> labels.proto -> google/protobuf/descriptor.proto.
const PROTOS: Record<string, string> = {
  "shop/v1/labels.proto": `syntax = "proto3";
package shop.v1;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { string label = 50001; }
`,
  "shop/v1/money.proto": `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
message Money { string currency = 1; int64 units = 2; google.protobuf.Timestamp as_of = 3; }
enum Rounding { ROUNDING_UNSPECIFIED = 0; ROUNDING_HALF_EVEN = 1; }
`,
  "shop/v1/order.proto": `syntax = "proto3";
package shop.v1;
import "shop/v1/labels.proto";
import "shop/v1/money.proto";
service OrderService { rpc GetOrder(GetOrderRequest) returns (GetOrderResponse); }
message GetOrderRequest { string id = 1 [(shop.v1.label) = "order id"]; }
message GetOrderResponse { string id = 1; Money total = 2; Rounding rounding = 3; message Line { string sku = 1; } repeated Line lines = 4; }
`,
};

async function buildShopService(dir: string): Promise<DescService> {
  for (const [name, text] of Object.entries(PROTOS)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const image = join(dir, "image.binpb");
  await runOrThrow(bin("buf"), ["build", dir, "-o", image], { cwd: dir });
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(image))).getService(
    "shop.v1.OrderService",
  )!;
}

function shopImpl(service: DescService) {
  const out = service.methods[0].output as DescMessage;
  return {
    getOrder: (req: { id: string }) =>
      create(out, {
        id: req.id,
        total: { currency: "EUR", units: 42n },
        rounding: 1,
        lines: [{ sku: "a" }, { sku: "b" }],
      } as never),
  };
}

const bufCurl = (url: string, ...args: string[]) =>
  run(bin("buf"), ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args, url], { cwd: tmpdir() });

type Version = "v1" | "v1alpha";

/** A ServerReflectionResponse as proto-loader decodes it (keepCase, oneofs): the fields these tests read. */
interface ReflectionResponse {
  valid_host: string;
  original_request: { list_services?: string };
  message_response: string;
  list_services_response: { service: { name: string }[] };
  file_descriptor_response: { file_descriptor_proto: Buffer[] };
  all_extension_numbers_response: { base_type_name: string; extension_number: number[] };
  error_response: { error_code: number; error_message: string };
}

type ReflectionClient = grpc.Client & {
  ServerReflectionInfo(options: grpc.CallOptions): grpc.ClientDuplexStream<object, ReflectionResponse>;
};

/** A grpc-js reflection client; `ask` sends requests on one stream and collects one response per request. */
function reflectionClient(port: number, version: Version) {
  const file = join(repoRoot, `node_modules/@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`);
  const def = protoLoader.loadSync(file, { keepCase: true, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as {
    grpc: { reflection: Record<Version, { ServerReflection: grpc.ServiceClientConstructor }> };
  };
  const client = new pkg.grpc.reflection[version].ServerReflection(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as ReflectionClient;
  return {
    client,
    ask(...requests: object[]): Promise<ReflectionResponse[]> {
      return new Promise((resolve, reject) => {
        const call = client.ServerReflectionInfo({ deadline: Date.now() + 30_000 });
        const got: ReflectionResponse[] = [];
        call.on("data", (m: ReflectionResponse) => got.push(m));
        call.on("error", reject);
        call.on("end", () => resolve(got));
        for (const r of requests) call.write(r);
        call.end();
      });
    },
  };
}

/** The files of a file_descriptor_response, decoded. */
function decodeFiles(res: ReflectionResponse) {
  assert.equal(
    res.message_response,
    "file_descriptor_response",
    `expected files, got ${JSON.stringify(res.error_response ?? res.message_response)}`,
  );
  return res.file_descriptor_response.file_descriptor_proto.map((b) => fromBinary(FileDescriptorProtoSchema, b));
}

/** Links decoded files as a client would: every import and type reference must resolve, or this throws. */
function link(files: FileDescriptorProto[]) {
  const byName = new Map(files.map((f) => [f.name, f]));
  return createFileRegistry(files[0], (name) => byName.get(name));
}

describe("server reflection", () => {
  let s: Started;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "reflection-"));
    const shop = await buildShopService(dir);
    s = await startServer({
      services: [defineService(GreeterService, greeterImpl), { service: shop, impl: shopImpl(shop) as never }],
    });
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const reflect of ["grpc-v1", "grpc-v1alpha"]) {
    test(`buf curl (${reflect}) lists every served service with no schema given`, async () => {
      const r = await bufCurl(s.url, "--reflect-protocol", reflect, "--list-services");
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), [
        "acme.greeter.v1.GreeterService",
        "acme.monitoring.v1.MonitoringService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "shop.v1.OrderService",
      ]);
    });
  }

  test("buf curl lists the methods it learnt by reflection", async () => {
    const r = await bufCurl(s.url, "--list-methods");
    assert.equal(r.code, 0, r.stderr);
    for (const m of [
      "acme.greeter.v1.GreeterService/SayHello",
      "acme.greeter.v1.GreeterService/SayHelloStream",
      "shop.v1.OrderService/GetOrder",
      "grpc.health.v1.Health/Watch",
    ]) {
      assert.ok(r.stdout.split("\n").includes(m), `${m} missing from:\n${r.stdout}`);
    }
  });

  test("buf curl calls a unary and a streaming method with only reflection to go on", async () => {
    const hello = await bufCurl(`${s.url}/acme.greeter.v1.GreeterService/SayHello`, "-d", '{"name":"reflection"}');
    assert.equal(hello.code, 0, hello.stderr);
    assert.deepEqual(JSON.parse(hello.stdout), { message: "Hello, reflection!" });

    const stream = await bufCurl(
      `${s.url}/acme.greeter.v1.GreeterService/SayHelloStream`,
      "-d",
      '{"name":"s","count":2}',
    );
    assert.equal(stream.code, 0, stream.stderr);
    assert.match(stream.stdout, /Hello #1, s![\s\S]*Hello #2, s!/);
  });

  test("buf curl calls a method whose messages live three files deep (nested types, enums, well-known types)", async () => {
    const r = await bufCurl(`${s.url}/shop.v1.OrderService/GetOrder`, "-d", '{"id":"o-1"}');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      id: "o-1",
      total: { currency: "EUR", units: "42" },
      rounding: "ROUNDING_HALF_EVEN",
      lines: [{ sku: "a" }, { sku: "b" }],
    });
  });

  for (const version of ["v1", "v1alpha"] as const) {
    describe(`@grpc/grpc-js client, grpc.reflection.${version}`, () => {
      let rc: ReturnType<typeof reflectionClient>;
      before(() => (rc = reflectionClient(s.port, version)));
      after(() => rc.client.close());

      test("list_services", async () => {
        const [res] = await rc.ask({ host: "h", list_services: "" });
        assert.equal(res.valid_host, "h");
        assert.deepEqual(res.original_request.list_services, "");
        assert.ok(res.list_services_response.service.some((x: { name: string }) => x.name === "shop.v1.OrderService"));
      });

      for (const symbol of [
        "shop.v1.OrderService",
        "shop.v1.OrderService.GetOrder",
        "shop.v1.GetOrderResponse.Line",
        "shop.v1.GetOrderRequest.id",
      ]) {
        test(`file_containing_symbol ${symbol}: the file and all it imports, which decode and link`, async () => {
          const [res] = await rc.ask({ file_containing_symbol: symbol });
          const files = decodeFiles(res);
          assert.equal(files[0].name, "shop/v1/order.proto", "the file declaring the symbol comes first");
          assert.deepEqual(files.map((f) => f.name).sort(), [
            "google/protobuf/descriptor.proto",
            "google/protobuf/timestamp.proto",
            "shop/v1/labels.proto",
            "shop/v1/money.proto",
            "shop/v1/order.proto",
          ]);
          const registry = link(files);
          const resp = registry.getMessage("shop.v1.GetOrderResponse")!;
          assert.equal(resp.field.total.message?.typeName, "shop.v1.Money");
          assert.equal(registry.getMessage("shop.v1.Money")!.field.asOf.message?.typeName, "google.protobuf.Timestamp");
          assert.equal(
            registry.getService("shop.v1.OrderService")!.methods[0].input.typeName,
            "shop.v1.GetOrderRequest",
          );
          const ext = registry.getExtension("shop.v1.label")!;
          assert.equal(ext.extendee.typeName, "google.protobuf.FieldOptions");
        });
      }

      test("file_containing_symbol for an enum value and a symbol of a well-known type", async () => {
        const [a, b] = await rc.ask(
          { file_containing_symbol: "shop.v1.ROUNDING_HALF_EVEN" },
          { file_containing_symbol: "google.protobuf.Timestamp" },
        );
        assert.equal(decodeFiles(a)[0].name, "shop/v1/money.proto");
        assert.equal(decodeFiles(b)[0].name, "google/protobuf/timestamp.proto");
      });

      test("file_by_filename, and files already sent on the stream are not sent again", async () => {
        const [first, second] = await rc.ask(
          { file_by_filename: "shop/v1/money.proto" },
          { file_by_filename: "shop/v1/order.proto" },
        );
        assert.deepEqual(
          decodeFiles(first).map((f) => f.name),
          ["shop/v1/money.proto", "google/protobuf/timestamp.proto"],
        );
        assert.deepEqual(
          decodeFiles(second).map((f) => f.name),
          ["shop/v1/order.proto", "shop/v1/labels.proto", "google/protobuf/descriptor.proto"],
        );
      });

      test("file_containing_extension and all_extension_numbers_of_type", async () => {
        const [byExt, numbers] = await rc.ask(
          { file_containing_extension: { containing_type: "google.protobuf.FieldOptions", extension_number: 50001 } },
          { all_extension_numbers_of_type: "google.protobuf.FieldOptions" },
        );
        assert.equal(decodeFiles(byExt)[0].name, "shop/v1/labels.proto");
        assert.equal(numbers.all_extension_numbers_response.base_type_name, "google.protobuf.FieldOptions");
        assert.deepEqual(numbers.all_extension_numbers_response.extension_number, [50001]);
      });

      test("unknown names get NOT_FOUND error responses and the stream goes on", async () => {
        const res = await rc.ask(
          { file_containing_symbol: "no.such.Symbol" },
          { file_by_filename: "no/such.proto" },
          { file_containing_extension: { containing_type: "google.protobuf.FieldOptions", extension_number: 1 } },
          { all_extension_numbers_of_type: "no.such.Message" },
          { list_services: "" },
        );
        assert.equal(res.length, 5);
        for (const r of res.slice(0, 4)) {
          assert.equal(r.message_response, "error_response");
          assert.equal(r.error_response.error_code, grpc.status.NOT_FOUND);
          assert.match(r.error_response.error_message, /not found/);
        }
        assert.equal(res[4].message_response, "list_services_response");
      });

      test("a request that asks nothing ends the stream with INVALID_ARGUMENT", async () => {
        await assert.rejects(rc.ask({ host: "h" }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT);
      });
    });
  }
});

describe("server reflection turned off", () => {
  let s: Started;
  before(async () => (s = await startServer({ reflection: false })));
  after(() => s.close());

  test("reflection requests are UNIMPLEMENTED and buf curl cannot list services", async () => {
    const rc = reflectionClient(s.port, "v1");
    try {
      await assert.rejects(
        rc.ask({ list_services: "" }),
        (e: grpc.ServiceError) => e.code === grpc.status.UNIMPLEMENTED,
      );
    } finally {
      rc.client.close();
    }
    const r = await bufCurl(s.url, "--list-services");
    assert.notEqual(r.code, 0);
  });
});
