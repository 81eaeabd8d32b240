// npm run bench:validate: what createServer's protovalidate interceptor costs
// per call, measured on the validator itself with the payments schema's rules
// (CPU per validate(), after the first call compiled the rules). The
// interceptor adds one await to this; bench:platform shows the whole call.
import { create } from "@bufbuild/protobuf";
import { createValidator } from "@bufbuild/protovalidate";
import { CreatePaymentRequestSchema } from "@acme/payments/v1";

const N = Number(process.env.BENCH_CALLS ?? 20_000);
const validator = createValidator();
const valid = create(CreatePaymentRequestSchema, {
  idempotencyKey: "k-1",
  payment: {
    amount: { currencyCode: "EUR", amountMinor: 100n },
    customerId: "cus_1",
    tip: 0n,
    metadata: { a: "b" },
    statementDescriptor: "ACME",
  },
});
const invalid = create(CreatePaymentRequestSchema, {
  idempotencyKey: "",
  payment: { amount: { currencyCode: "eur" }, customerId: "c".repeat(65) },
});

function measure(label: string, message: typeof valid, expect: "valid" | "invalid") {
  if (validator.validate(CreatePaymentRequestSchema, message).kind !== expect)
    throw new Error(`${label}: expected ${expect}`);
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) validator.validate(CreatePaymentRequestSchema, message);
  const t = process.cpuUsage(t0);
  console.log(`| ${label} | ${((t.user + t.system) / N).toFixed(1)} |`);
}

console.log(
  `protovalidate on acme.payments.v1.CreatePaymentRequest, ${N} calls each\n\n| message | CPU µs per validate() |\n| --- | --- |`,
);
measure("valid", valid, "valid");
measure("invalid (4 violations)", invalid, "invalid");
