// protovalidate on the real payments schema (its buf.validate rules), through
// createServer's default chain and a gRPC client.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, defineService } from "@acme/platform/server";
import { createClient } from "@acme/platform/client/node";
import { CreatePaymentResponseSchema, PaymentService } from "@acme/payments/v1";
import { startServer, type Started } from "@acme/test-support/platform-server";

let s: Started;
const created: string[] = [];
before(async () => {
  s = await startServer({
    services: [
      defineService(PaymentService, {
        createPayment(req) {
          created.push(req.idempotencyKey);
          const payment = req.payment;
          if (payment) payment.id = "pay_1";
          return create(CreatePaymentResponseSchema, { payment });
        },
      }),
    ],
  });
});
after(() => s.close());

test("an invalid CreatePayment is INVALID_ARGUMENT whose BadRequest lists each violated field path", async () => {
  const client = createClient(PaymentService, { baseUrl: s.url, protocol: "grpc", retries: false, timeoutMs: 0 });
  const err = await client
    .createPayment({
      idempotencyKey: "",
      payment: {
        amount: { currencyCode: "eur", amountMinor: 100n },
        customerId: "c".repeat(65),
        tip: -1n,
        statementDescriptor: "s".repeat(23),
      },
    })
    .then(
      () => assert.fail("accepted"),
      (e: unknown) => ConnectError.from(e),
    );
  assert.equal(err.code, Code.InvalidArgument);
  const [bad] = err.findDetails(BadRequestSchema);
  assert.ok(bad, "a google.rpc.BadRequest detail");
  assert.deepEqual(
    bad.fieldViolations.map((v) => [v.field, v.reason]).sort(),
    [
      ["idempotency_key", "string.min_len"],
      ["payment.amount.currency_code", "string.pattern"],
      ["payment.customer_id", "string.max_len"],
      ["payment.statement_descriptor", "string.max_len"],
      ["payment.tip", "int64.gte"],
    ].sort(),
  );
  for (const v of bad.fieldViolations) assert.ok(v.description.length > 0, `${v.field} has a description`);
  assert.deepEqual(created, [], "the handler never ran");
});

test("a valid CreatePayment passes to the handler", async () => {
  const client = createClient(PaymentService, { baseUrl: s.url, protocol: "grpc", retries: false, timeoutMs: 0 });
  const res = await client.createPayment({
    idempotencyKey: "k-1",
    payment: { amount: { currencyCode: "EUR", amountMinor: 100n }, customerId: "cus_1", tip: 0n },
  });
  assert.equal(res.payment?.id, "pay_1");
  assert.deepEqual(created, ["k-1"]);
});
