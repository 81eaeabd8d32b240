// Writes a synthetic proto tree for benchmarks: by default 1,000 files in 200
// packages, lint-clean, with nested types, maps, oneofs, well-known types,
// imports within and across packages and services of 1-10 rpcs (see
// writeSyntheticProtos), every element commented.
// Usage: tsx scripts/synth-schema.ts <dir> [--files 1000]
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runIfEntryPoint } from "./lib/infra/entry.js";

export interface SynthStats {
  files: number;
  packages: number;
  messages: number;
  services: number;
  rpcs: number;
}

/** Where the one-file benchmark edits land: a file of the last package, which no other package imports. */
export function editableFile(files: number, filesPerPackage = 5): string {
  const i = files - 1;
  const p = Math.floor(i / filesPerPackage);
  return `synth/p${String(p).padStart(3, "0")}/v1/f${String(i).padStart(4, "0")}.proto`;
}

/**
 * Writes `files` .proto files under `protoDir`/synth/, `filesPerPackage` per
 * proto package (so files/5 packages, each its own npm family), clean under
 * buf lint STANDARD: nested messages and enums, maps, oneofs, optional,
 * well-known types, imports within a package and across packages (every
 * package p that is not a multiple of 10 imports the "common" package
 * p - p % 10, so no package has more than 9 dependents), services with 1-10
 * rpcs, and a comment on every element.
 */
export function writeSyntheticProtos(protoDir: string, files = 1000, filesPerPackage = 5): SynthStats {
  const stats: SynthStats = { files: 0, packages: 0, messages: 0, services: 0, rpcs: 0 };
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  for (let i = 0; i < files; i++) {
    const p = Math.floor(i / filesPerPackage);
    if (i % filesPerPackage === 0) stats.packages++;
    const pkg = `synth.p${pad(p, 3)}.v1`;
    const name = `f${pad(i, 4)}`;
    const P = `F${pad(i, 4)}`;
    const prev = i % filesPerPackage > 0 ? i - 1 : undefined;
    const common = p % 10 !== 0 ? p - (p % 10) : undefined;
    const lines = [
      `// File ${name} of the synthetic benchmark schema.`,
      `syntax = "proto3";`,
      "",
      `// Package ${pkg}: synthetic.`,
      `package ${pkg};`,
      "",
      `import "google/protobuf/duration.proto";`,
      `import "google/protobuf/timestamp.proto";`,
      ...(prev !== undefined ? [`import "synth/p${pad(p, 3)}/v1/f${pad(prev, 4)}.proto";`] : []),
      ...(common !== undefined && i % filesPerPackage === 0
        ? [`import "synth/p${pad(common, 3)}/v1/f${pad(common * filesPerPackage, 4)}.proto";`]
        : []),
    ];
    for (let k = 0; k < 4; k++) {
      stats.messages += 2;
      const ref =
        k > 0
          ? `${P}Item${k - 1}`
          : prev !== undefined
            ? `F${pad(prev, 4)}Item3`
            : common !== undefined
              ? `synth.p${pad(common, 3)}.v1.F${pad(common * filesPerPackage, 4)}Item3`
              : "google.protobuf.Duration";
      lines.push(
        "",
        `// ${P}Item${k} is message ${k} of ${name}, with \`code\` and a [link](https://example.com).`,
        `message ${P}Item${k} {`,
        `  // Kind says what it is.`,
        `  enum Kind {`,
        `    // Unset.`,
        `    KIND_UNSPECIFIED = 0;`,
        `    // First.`,
        `    KIND_FIRST = 1;`,
        `    // Second, *deprecated*.`,
        `    KIND_SECOND = 2 [deprecated = true];`,
        `  }`,
        `  // Detail is a nested message.`,
        `  message Detail {`,
        `    // A note.`,
        `    string note = 1;`,
        `    // How long.`,
        `    google.protobuf.Duration ttl = 2;`,
        `  }`,
        `  // The id.`,
        `  string id = 1;`,
        `  // A count with presence.`,
        `  optional int64 count = 2;`,
        `  // Labels.`,
        `  map<string, string> labels = 3;`,
        `  // The kind.`,
        `  Kind kind = 4;`,
        `  // When.`,
        `  google.protobuf.Timestamp when = 5;`,
        `  // A choice.`,
        `  oneof choice {`,
        `    // By name.`,
        `    string by_name = 6;`,
        `    // By number.`,
        `    int32 by_number = 7;`,
        `  }`,
        `  // The detail.`,
        `  Detail detail = 8;`,
        `  // A related message.`,
        `  ${ref} related = 9;`,
        `  // Tags.`,
        `  repeated string tags = 10;`,
        `}`,
      );
    }
    if (i % 5 < 3) {
      stats.services++;
      const rpcs = 1 + (i % 10);
      lines.push("", `// ${P}Service serves ${name}.`, `service ${P}Service {`);
      for (let r = 0; r < rpcs; r++) {
        lines.push(
          `  // Get${P}Thing${r} returns one thing.`,
          `  rpc Get${P}Thing${r}(Get${P}Thing${r}Request) returns (${r % 3 === 2 ? "stream " : ""}Get${P}Thing${r}Response);`,
        );
      }
      lines.push(`}`);
      for (let r = 0; r < rpcs; r++) {
        stats.rpcs++;
        stats.messages += 2;
        lines.push(
          "",
          `// Get${P}Thing${r}Request asks for thing ${r}.`,
          `message Get${P}Thing${r}Request {`,
          `  // The id.`,
          `  string id = 1;`,
          `}`,
          "",
          `// Get${P}Thing${r}Response holds thing ${r}.`,
          `message Get${P}Thing${r}Response {`,
          `  // The item.`,
          `  ${P}Item${r % 4} item = 1;`,
          `}`,
        );
      }
    }
    const fileDir = join(protoDir, "synth", `p${pad(p, 3)}`, "v1");
    mkdirSync(fileDir, { recursive: true });
    writeFileSync(join(fileDir, `${name}.proto`), `${lines.join("\n")}\n`);
    stats.files++;
  }
  return stats;
}

/** A standalone buf module (buf.yaml + proto/) holding the synthetic schema, for generator benchmarks. */
export function writeSyntheticSchema(dir: string, files = 1000): SynthStats {
  writeFileSync(join(dir, "buf.yaml"), "version: v2\nmodules:\n  - path: proto\n");
  return writeSyntheticProtos(join(dir, "proto"), files);
}

function main(): number {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { files: { type: "string" } } });
  if (!positionals[0]) throw new Error("usage: tsx scripts/synth-schema.ts <dir> [--files 1000]");
  const dir = resolve(positionals[0]);
  mkdirSync(dir, { recursive: true });
  const s = writeSyntheticSchema(dir, values.files ? Number(values.files) : 1000);
  console.log(
    `synth-schema: ${s.files} files, ${s.packages} packages, ${s.messages} messages, ${s.services} services, ${s.rpcs} rpcs in ${dir}`,
  );
  return 0;
}

runIfEntryPoint(import.meta.url, "synth-schema", main);
