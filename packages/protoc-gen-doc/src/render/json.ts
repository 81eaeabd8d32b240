import type { Template } from "../model.js";

/** The model as protoc-gen-doc's JSON renderer prints it: two-space indent. */
export function renderJson(model: Template): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
