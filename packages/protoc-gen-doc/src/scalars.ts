import { readPackageFile } from "./package-files.js";

/** protoc-gen-doc's scalarValueTypes table, field for field. */
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

/** The table, from src/scalars.json: data, kept as upstream keeps it (resources/scalars.json), a fresh copy a call. */
export function scalarValueTypes(): ScalarValue[] {
  return JSON.parse(readPackageFile("src/scalars.json")) as ScalarValue[];
}
