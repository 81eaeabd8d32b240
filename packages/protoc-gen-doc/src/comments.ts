import type { FileProto as FileDescriptorProto, Location as SourceCodeInfo_Location } from "./descriptor.js";

/** Path numbers into FileDescriptorProto / DescriptorProto, as in SourceCodeInfo. */
export const PATH = {
  file: { syntax: 12, edition: 14, package: 2, message: 4, enum: 5, service: 6, extension: 7 },
  message: { field: 2, nested: 3, enum: 4, extension: 6, oneof: 8 },
  enum: { value: 2 },
  service: { method: 2 },
} as const;

/**
 * Looks up an element's comments by its source path in O(1). The plugin API's
 * getComments() scans every location of the file per call, which is quadratic
 * on a large file.
 */
export class CommentIndex {
  private readonly byPath = new Map<string, SourceCodeInfo_Location>();

  constructor(file: FileDescriptorProto) {
    for (const loc of file.sourceCodeInfo?.location ?? []) {
      if (
        loc.leadingComments === undefined &&
        loc.trailingComments === undefined &&
        !loc.leadingDetachedComments?.length
      )
        continue;
      const key = loc.path.join(".");
      if (!this.byPath.has(key)) this.byPath.set(key, loc);
    }
  }

  /** Comments separated from the element by a blank line, each scrubbed as a description ([] when none; Go drops them). */
  detached(path: readonly number[]): string[] {
    const loc = this.byPath.get(path.join("."));
    return (loc?.leadingDetachedComments ?? []).map((c) => describe(c, "")).filter(Boolean);
  }

  /** The element's description as protoc-gen-doc computes it; "" when it has none. */
  description(path: readonly number[]): string {
    const loc = this.byPath.get(path.join("."));
    return loc ? describe(loc.leadingComments ?? "", loc.trailingComments ?? "") : "";
  }
}

// protokit strips the one space protoc leaves after each "//" (and after a
// block comment's "*"); protoc-gen-doc then joins leading and trailing
// comments with a blank line (so they stay separate paragraphs) and trims the
// markers that "///" and "/**" leave behind.
function scrub(s: string): string {
  return s.replace(/\n /g, "\n").trim();
}

export function describe(leading: string, trailing: string): string {
  const lead = scrub(leading);
  const joined = `${lead ? `${lead}\n\n` : ""}${scrub(trailing)}`.trim();
  return joined.replace(/^[*/\n ]+/, "");
}

/** Whether a description asks for its element to be left out of the docs. */
export function isExcluded(description: string): boolean {
  return description.startsWith("@exclude");
}
