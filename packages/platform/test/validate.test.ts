// protovalidate in createServer's default chain and as a client option:
// invalid requests are refused with INVALID_ARGUMENT and a google.rpc.BadRequest
// listing each violated field; valid ones pass. The rules live in a schema
// built here (buf.validate options set on its descriptor), so that every kind
// of rule and call shape is covered whatever the repo's own protos declare.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  create,
  createFileRegistry,
  setExtension,
  type DescMessage,
  type DescService,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FieldDescriptorProtoSchema,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  type FieldDescriptorProto,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient as createConnectClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  field as fieldRules,
  FieldRulesSchema,
  file_buf_validate_validate,
  ViolationsSchema,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { BadRequestSchema } from "@acme/platform/server";
import { createClient } from "@acme/platform/client/node";
import { startServer, type Started } from "@acme/test-support/platform-server";

type RulesInit = Parameters<typeof create<typeof FieldRulesSchema>>[1];

function ruled(
  f: MessageInitShape<typeof FieldDescriptorProtoSchema> & { name: string },
  rules?: RulesInit,
): FieldDescriptorProto {
  const field = create(FieldDescriptorProtoSchema, { label: Label.OPTIONAL, jsonName: f.name, ...f });
  if (rules) {
    field.options = create(FieldOptionsSchema);
    setExtension(field.options, fieldRules, create(FieldRulesSchema, rules));
  }
  return field;
}

/** vtest.v1.ThingService: CreateThing (unary) and CreateThings (client streaming), with rules on nested and repeated fields. */
function thingService(): DescService {
  const file = create(FileDescriptorProtoSchema, {
    name: "vtest/v1/things.proto",
    package: "vtest.v1",
    syntax: "proto3",
    dependency: ["buf/validate/validate.proto"],
    messageType: [
      {
        name: "Item",
        field: [
          ruled({ name: "sku", number: 1, type: Type.STRING }, { type: { case: "string", value: { minLen: 1n } } }),
        ],
      },
      {
        name: "CreateThingRequest",
        field: [
          ruled(
            { name: "name", number: 1, type: Type.STRING },
            { type: { case: "string", value: { minLen: 3n, maxLen: 10n } } },
          ),
          ruled(
            { name: "quantity", number: 2, type: Type.INT32 },
            { type: { case: "int32", value: { greaterThan: { case: "gt", value: 0 } } } },
          ),
          ruled({ name: "items", number: 3, type: Type.MESSAGE, typeName: ".vtest.v1.Item", label: Label.REPEATED }),
        ],
      },
      { name: "CreateThingResponse", field: [ruled({ name: "count", number: 1, type: Type.INT32 })] },
    ],
    service: [
      {
        name: "ThingService",
        method: [
          {
            name: "CreateThing",
            inputType: ".vtest.v1.CreateThingRequest",
            outputType: ".vtest.v1.CreateThingResponse",
          },
          {
            name: "CreateThings",
            inputType: ".vtest.v1.CreateThingRequest",
            outputType: ".vtest.v1.CreateThingResponse",
            clientStreaming: true,
          },
        ],
      },
    ],
  });
  const registry = createFileRegistry(file, (name) =>
    name === "buf/validate/validate.proto" ? file_buf_validate_validate : undefined,
  );
  return registry.getService("vtest.v1.ThingService")!;
}

const ThingService = thingService();

/** A client of ThingService: the schema is built at run time, so its methods are typed here. */
interface ThingClient {
  createThing(req: object): Promise<{ count: number }>;
  createThings(reqs: AsyncIterable<object>): Promise<{ count: number }>;
}
const Response = ThingService.method.createThing.output as DescMessage;
const VALID = { name: "widget", quantity: 2, items: [{ sku: "a-1" }] };
const INVALID = { name: "x", quantity: 0, items: [{ sku: "ok" }, { sku: "" }] };

function implCounting(seen: unknown[]) {
  return {
    createThing: (req: { name: string }) => {
      seen.push(req.name);
      return create(Response, { count: 1 } as never);
    },
    async createThings(reqs: AsyncIterable<{ name: string }>) {
      let n = 0;
      for await (const r of reqs) {
        seen.push(r.name);
        n++;
      }
      return create(Response, { count: n } as never);
    },
  };
}

function violations(err: unknown) {
  const ce = ConnectError.from(err);
  assert.equal(ce.code, Code.InvalidArgument, `expected INVALID_ARGUMENT, got ${Code[ce.code]}: ${ce.message}`);
  const [bad] = ce.findDetails(BadRequestSchema);
  assert.ok(bad, "a google.rpc.BadRequest detail");
  return bad.fieldViolations.map((v) => ({ field: v.field, reason: v.reason }));
}

const EXPECTED = [
  { field: "name", reason: "string.min_len" },
  { field: "quantity", reason: "int32.gt" },
  { field: "items[1].sku", reason: "string.min_len" },
];

describe("protovalidate in createServer (on by default)", () => {
  let s: Started;
  const seen: unknown[] = [];
  before(
    async () => (s = await startServer({ services: [{ service: ThingService, impl: implCounting(seen) as never }] })),
  );
  after(() => s.close());

  for (const protocol of ["grpc", "grpc-web", "connect"] as const) {
    test(`${protocol}: an invalid request is INVALID_ARGUMENT with every violated field, and the handler never runs`, async () => {
      const client = createClient(ThingService, {
        baseUrl: s.url,
        protocol,
        retries: false,
        timeoutMs: 0,
      }) as unknown as ThingClient;
      const before = seen.length;
      const err = await client.createThing(INVALID).then(
        () => assert.fail("accepted"),
        (e: unknown) => e,
      );
      assert.deepEqual(violations(err), EXPECTED);
      assert.match(ConnectError.from(err).rawMessage, /^invalid request: name: .*; quantity: .*; items\[1\]\.sku: /);
      assert.equal(
        ConnectError.from(err).findDetails(ViolationsSchema)[0]?.violations.length,
        3,
        "buf.validate.Violations too",
      );
      assert.equal(seen.length, before);
    });
  }

  test("a valid request reaches the handler", async () => {
    const client = createClient(ThingService, {
      baseUrl: s.url,
      protocol: "grpc",
      retries: false,
      timeoutMs: 0,
    }) as unknown as ThingClient;
    const res = await client.createThing(VALID);
    assert.equal(res.count, 1);
    assert.equal(seen.at(-1), "widget");
  });

  test("client streaming: each message is checked as it arrives; the first invalid one ends the call", async () => {
    const client = createConnectClient(ThingService, createGrpcTransport({ baseUrl: s.url })) as unknown as ThingClient;
    const before = seen.length;
    async function* messages() {
      yield VALID;
      yield { ...VALID, name: "a-name-far-too-long" };
      yield VALID;
    }
    const err = await client.createThings(messages()).then(
      () => assert.fail("accepted"),
      (e: unknown) => e,
    );
    assert.deepEqual(violations(err), [{ field: "name", reason: "string.max_len" }]);
    assert.deepEqual(seen.slice(before), ["widget"], "the handler saw the valid message only");
    const ok = await client.createThings(
      (async function* () {
        yield VALID;
        yield VALID;
      })(),
    );
    assert.equal(ok.count, 2);
  });
});

describe("protovalidate turned off, and on the client", () => {
  let s: Started;
  const seen: unknown[] = [];
  before(
    async () =>
      (s = await startServer({
        validate: false,
        services: [{ service: ThingService, impl: implCounting(seen) as never }],
      })),
  );
  after(() => s.close());

  test("validate: false lets an invalid request through to the handler", async () => {
    const client = createClient(ThingService, {
      baseUrl: s.url,
      protocol: "grpc",
      retries: false,
      timeoutMs: 0,
    }) as unknown as ThingClient;
    assert.equal((await client.createThing(INVALID)).count, 1);
    assert.equal(seen.at(-1), "x");
  });

  test("the client's validate option refuses an invalid request before sending it, with the same error", async () => {
    const client = createClient(ThingService, {
      baseUrl: s.url,
      protocol: "grpc",
      retries: false,
      validate: true,
      timeoutMs: 0,
    }) as unknown as ThingClient;
    const calls = s.logger.lines.filter((l) => l.msg === "rpc").length;
    const before = seen.length;
    const err = await client.createThing(INVALID).then(
      () => assert.fail("accepted"),
      (e: unknown) => e,
    );
    assert.deepEqual(violations(err), EXPECTED);
    assert.equal(seen.length, before, "nothing reached the server");
    assert.equal(s.logger.lines.filter((l) => l.msg === "rpc").length, calls, "the server logged no call");
    assert.equal((await client.createThing(VALID)).count, 1);
  });
});
