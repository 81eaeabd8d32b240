import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { AnySchema } from "@bufbuild/protobuf/wkt";

/**
 * google.rpc.Status, the payload of the `grpc-status-details-bin` trailer:
 * code=1 int32, message=2 string, details=3 repeated google.protobuf.Any.
 * It is not in proto/ (no googleapis dependency), so it is encoded here by hand.
 */
export interface RpcStatus {
  code: number;
  message: string;
  details: RpcAny[];
}

/** google.protobuf.Any: type_url=1, value=2. */
export interface RpcAny {
  typeUrl: string;
  value: Uint8Array;
}

/** Serializes a Status the way proto3 marshallers do: fields in number order, defaults omitted. */
export function encodeStatus(status: RpcStatus): Uint8Array {
  const w = new BinaryWriter();
  if (status.code !== 0) w.tag(1, WireType.Varint).int32(status.code);
  if (status.message !== "") w.tag(2, WireType.LengthDelimited).string(status.message);
  for (const d of status.details) {
    w.tag(3, WireType.LengthDelimited).bytes(
      toBinary(AnySchema, create(AnySchema, { typeUrl: d.typeUrl, value: d.value })),
    );
  }
  return w.finish();
}

/** Parses a Status; unknown fields are skipped, as by every proto3 parser. Throws on malformed bytes. */
export function decodeStatus(bytes: Uint8Array): RpcStatus {
  const r = new BinaryReader(bytes);
  const out: RpcStatus = { code: 0, message: "", details: [] };
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Varint) out.code = r.int32();
    else if (field === 2 && wire === WireType.LengthDelimited) out.message = r.string();
    else if (field === 3 && wire === WireType.LengthDelimited) {
      const any = fromBinary(AnySchema, r.bytes());
      out.details.push({ typeUrl: any.typeUrl, value: any.value });
    } else r.skip(wire, field);
  }
  return out;
}
