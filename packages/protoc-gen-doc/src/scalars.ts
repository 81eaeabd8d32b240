/** protoc-gen-doc's scalarValueTypes table, field for field (resources/scalars.json upstream). */
export interface ScalarValue {
  protoType: string;
  notes: string;
  cppType: string;
  csType: string;
  goType: string;
  javaType: string;
  phpType: string;
  pythonType: string;
  rubyType: string;
}

const ROWS: [string, string, string, string, string, string, string, string, string][] = [
  // protoType, notes, C++, C#, Go, Java, PHP, Python, Ruby
  ["double", "", "double", "double", "float64", "double", "float", "float", "Float"],
  ["float", "", "float", "float", "float32", "float", "float", "float", "Float"],
  [
    "int32",
    "Uses variable-length encoding. Inefficient for encoding negative numbers – if your field is likely to have negative values, use sint32 instead.",
    "int32",
    "int",
    "int32",
    "int",
    "integer",
    "int",
    "Bignum or Fixnum (as required)",
  ],
  [
    "int64",
    "Uses variable-length encoding. Inefficient for encoding negative numbers – if your field is likely to have negative values, use sint64 instead.",
    "int64",
    "long",
    "int64",
    "long",
    "integer/string",
    "int/long",
    "Bignum",
  ],
  [
    "uint32",
    "Uses variable-length encoding.",
    "uint32",
    "uint",
    "uint32",
    "int",
    "integer",
    "int/long",
    "Bignum or Fixnum (as required)",
  ],
  [
    "uint64",
    "Uses variable-length encoding.",
    "uint64",
    "ulong",
    "uint64",
    "long",
    "integer/string",
    "int/long",
    "Bignum or Fixnum (as required)",
  ],
  [
    "sint32",
    "Uses variable-length encoding. Signed int value. These more efficiently encode negative numbers than regular int32s.",
    "int32",
    "int",
    "int32",
    "int",
    "integer",
    "int",
    "Bignum or Fixnum (as required)",
  ],
  [
    "sint64",
    "Uses variable-length encoding. Signed int value. These more efficiently encode negative numbers than regular int64s.",
    "int64",
    "long",
    "int64",
    "long",
    "integer/string",
    "int/long",
    "Bignum",
  ],
  [
    "fixed32",
    "Always four bytes. More efficient than uint32 if values are often greater than 2^28.",
    "uint32",
    "uint",
    "uint32",
    "int",
    "integer",
    "int",
    "Bignum or Fixnum (as required)",
  ],
  [
    "fixed64",
    "Always eight bytes. More efficient than uint64 if values are often greater than 2^56.",
    "uint64",
    "ulong",
    "uint64",
    "long",
    "integer/string",
    "int/long",
    "Bignum",
  ],
  [
    "sfixed32",
    "Always four bytes.",
    "int32",
    "int",
    "int32",
    "int",
    "integer",
    "int",
    "Bignum or Fixnum (as required)",
  ],
  ["sfixed64", "Always eight bytes.", "int64", "long", "int64", "long", "integer/string", "int/long", "Bignum"],
  ["bool", "", "bool", "bool", "bool", "boolean", "boolean", "boolean", "TrueClass/FalseClass"],
  [
    "string",
    "A string must always contain UTF-8 encoded or 7-bit ASCII text.",
    "string",
    "string",
    "string",
    "String",
    "string",
    "str/unicode",
    "String (UTF-8)",
  ],
  [
    "bytes",
    "May contain any arbitrary sequence of bytes.",
    "string",
    "ByteString",
    "[]byte",
    "ByteString",
    "string",
    "str",
    "String (ASCII-8BIT)",
  ],
];

export function scalarValueTypes(): ScalarValue[] {
  return ROWS.map(([protoType, notes, cppType, csType, goType, javaType, phpType, pythonType, rubyType]) => ({
    protoType,
    notes,
    cppType,
    csType,
    goType,
    javaType,
    phpType,
    pythonType,
    rubyType,
  }));
}

export const SCALAR_NAMES: ReadonlySet<string> = new Set(ROWS.map((r) => r[0]));
