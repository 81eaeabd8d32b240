// Writes a synthetic proto tree for benchmarks: by default 1,000 files in 100
// packages, 5 messages and 1 enum per file (5,000 messages), and a service with
// two methods in 3 of every 5 files (600 services), every element commented.
// Usage: tsx scripts/synth-schema.ts <dir> [--files 1000]
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

export interface SynthStats {
  files: number;
  messages: number;
  services: number;
}

export function writeSyntheticSchema(dir: string, files = 1000, filesPerPackage = 10): SynthStats {
  const stats: SynthStats = { files: 0, messages: 0, services: 0 };
  writeFileSync(join(dir, "buf.yaml"), "version: v2\nmodules:\n  - path: proto\n");
  for (let i = 0; i < files; i++) {
    const p = Math.floor(i / filesPerPackage);
    const pkg = `synth.p${String(p).padStart(3, "0")}.v1`;
    const name = `f${String(i).padStart(4, "0")}`;
    const T = (k: number) => `${name.toUpperCase()}M${k}`;
    const prev = i % filesPerPackage > 0 ? `f${String(i - 1).padStart(4, "0")}` : undefined;
    const lines = [
      `// File ${name} of the synthetic benchmark schema.`,
      `syntax = "proto3";`,
      "",
      `// Package ${pkg}: synthetic.`,
      `package ${pkg};`,
      "",
      `import "google/protobuf/timestamp.proto";`,
      ...(prev ? [`import "${pkg.replace(/\./g, "/")}/${prev}.proto";`] : []),
      "",
      `// ${T(0)}Kind is an enum.`,
      `enum ${T(0)}Kind {`,
      `  // Unset.`,
      `  ${T(0)}_KIND_UNSPECIFIED = 0;`,
      `  // First.`,
      `  ${T(0)}_KIND_FIRST = 1;`,
      `  // Second, *deprecated*.`,
      `  ${T(0)}_KIND_SECOND = 2 [deprecated = true];`,
      `}`,
    ];
    for (let k = 0; k < 5; k++) {
      stats.messages++;
      lines.push(
        "",
        `// ${T(k)} is message ${k} of ${name}, with \`code\` and a [link](https://example.com).`,
        `message ${T(k)} {`,
        `  // The id.`,
        `  string id = 1;`,
        `  // A count with presence.`,
        `  optional int64 count = 2;`,
        `  // Labels.`,
        `  map<string, string> labels = 3;`,
        `  // The kind.`,
        `  ${T(0)}Kind kind = 4;`,
        `  // When.`,
        `  google.protobuf.Timestamp when = 5;`,
        `  // A choice.`,
        `  oneof choice {`,
        `    // By name.`,
        `    string by_name = 6;`,
        `    // By number.`,
        `    int32 by_number = 7;`,
        `  }`,
        k > 0 ? `  // The previous message.\n  ${T(k - 1)} previous = 8;` : prev ? `  // From the previous file.\n  ${prev.toUpperCase()}M4 other = 8;` : `  // Tags.\n  repeated string tags = 8;`,
        `}`,
      );
    }
    if (i % 5 < 3) {
      stats.services++;
      lines.push(
        "",
        `// ${T(0)}Service serves ${name}.`,
        `service ${T(0)}Service {`,
        `  // Get returns one.`,
        `  rpc Get${T(0)}(${T(1)}) returns (${T(2)});`,
        `  // Watch streams changes.`,
        `  rpc Watch${T(0)}(${T(3)}) returns (stream ${T(4)});`,
        `}`,
      );
    }
    const fileDir = join(dir, "proto", ...pkg.split("."));
    mkdirSync(fileDir, { recursive: true });
    writeFileSync(join(fileDir, `${name}.proto`), `${lines.join("\n")}\n`);
    stats.files++;
  }
  return stats;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { files: { type: "string" } } });
  if (!positionals[0]) {
    console.error("usage: tsx scripts/synth-schema.ts <dir> [--files 1000]");
    process.exit(1);
  }
  const dir = resolve(positionals[0]);
  mkdirSync(dir, { recursive: true });
  const s = writeSyntheticSchema(dir, values.files ? Number(values.files) : 1000);
  console.log(`synth-schema: ${s.files} files, ${s.messages} messages, ${s.services} services in ${dir}`);
}
