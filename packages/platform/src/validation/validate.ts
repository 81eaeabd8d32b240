// protovalidate for Connect: request messages checked against their
// buf.validate rules, and the violations as an INVALID_ARGUMENT error with a
// google.rpc.BadRequest detail. Shared by the server interceptor and the
// client option; no Node built-ins. @bufbuild/protovalidate is loaded on
// first use, so browsers that never validate never download it.
import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Validator, ValidatorOptions, Violation, violationsToProto } from "@bufbuild/protovalidate";
import { BadRequestSchema } from "./gen.js";

export type { ValidatorOptions };

/**
 * Validates messages, loading and creating the validator once: on first
 * use, or at once with `eager` (a server, so its first call does not wait).
 */
export function lazyValidator(
  options: ValidatorOptions = {},
  eager = false,
): (schema: DescMessage, message: Message) => Promise<void> {
  let loaded: Promise<{ validator: Validator; toProto: typeof violationsToProto }> | undefined;
  const load = () =>
    (loaded ??= import("@bufbuild/protovalidate").then((m) => ({
      validator: m.createValidator(options),
      toProto: m.violationsToProto,
    })));
  if (eager) load().catch(() => {}); // a failed load is reported by every call that waits for it
  return async (schema, message) => {
    const { validator, toProto } = await load();
    const result = validator.validate(schema, message);
    if (result.kind === "invalid") throw invalidArgument(result.violations, toProto);
    // A rule that does not compile or cannot be evaluated is a fault of the schema, not the caller's.
    if (result.kind === "error") throw result.error;
  };
}

/**
 * INVALID_ARGUMENT listing every violation: a google.rpc.BadRequest detail
 * (field path, message, rule id as the reason), buf.validate.Violations as
 * connect-go's validate interceptor sends it, and a summary in the message.
 */
export function invalidArgument(violations: Violation[], toProto: typeof violationsToProto): ConnectError {
  const fieldViolations = violations.map((v) => ({
    field: pathToString(v.field),
    description: v.message,
    reason: v.ruleId,
  }));
  const summary = fieldViolations.map((f) => `${f.field || "(message)"}: ${f.description}`).join("; ");
  const [proto, schema] = toProto(violations);
  return new ConnectError(`invalid request: ${summary}`, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations }) },
    { desc: schema, value: proto },
  ]);
}

/**
 * Validates every request message, unary or streamed, before it goes on:
 * on a server, before the handler sees it; on a client, before it is sent.
 */
export function validationInterceptor(options?: ValidatorOptions, eager = false): Interceptor {
  const validate = lazyValidator(options, eager);
  return (next) => async (req) => {
    const input = req.method.input;
    if (!req.stream) {
      await validate(input, req.message);
      return next(req);
    }
    const source = req.message;
    async function* checked() {
      for await (const m of source) {
        await validate(input, m);
        yield m;
      }
    }
    return next({ ...req, message: checked() });
  };
}
