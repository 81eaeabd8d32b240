// The demo GreeterService implementation, served by createServer in the
// browser demo and the platform tests. Not part of any published package.
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { GreeterService, SayHelloResponseSchema, SayHelloStreamResponseSchema } from "@acme/greeter/v1";

export const greeterImpl: ServiceImpl<typeof GreeterService> = {
  sayHello(req) {
    return create(SayHelloResponseSchema, { message: `Hello, ${req.name || "world"}!` });
  },
  async *sayHelloStream(req) {
    const count = req.count || 3;
    for (let index = 1; index <= count; index++) {
      yield create(SayHelloStreamResponseSchema, { message: `Hello #${index}, ${req.name || "world"}!`, index });
    }
  },
};

export { GreeterService };
