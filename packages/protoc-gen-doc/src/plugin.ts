import { readFileSync } from "node:fs";
import { isAbsolute, posix, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { PluginRequest } from "./descriptor.js";
import { buildTemplate, type Template } from "./model.js";
import { packageVersion } from "./package-files.js";
import { ParameterError, parseParameter, type DocOptions } from "./params.js";
import { renderJson } from "./render/json.js";
import { renderMarkdown } from "./render/markdown.js";
import type { NpmPackages } from "./render/site.js";

export const PLUGIN_NAME = "protoc-gen-doc";
export const PLUGIN_VERSION = packageVersion();

/** A custom template: a JavaScript module whose default export turns the model into the output file's text. */
export type TemplateFn = (model: Template, options: { version?: string; title?: string }) => string | Promise<string>;

/** CodeGeneratorResponse.Feature: PROTO3_OPTIONAL | SUPPORTS_EDITIONS. */
const SUPPORTED_FEATURES = 1 | 2;
/** Editions read: proto2 (998) to 2024 (1001), as protobuf-es reads them. */
const MINIMUM_EDITION = 998;
const MAXIMUM_EDITION = 1001;

export interface PluginResponse {
  error?: string;
  supportedFeatures: number;
  minimumEdition: number;
  maximumEdition: number;
  file: { name: string; content: string }[];
}

/** The CodeGeneratorResponse on the wire (google/protobuf/compiler/plugin.proto), in one buffer: each file's text is encoded once and copied once. */
export function encodeResponse(res: PluginResponse): Uint8Array {
  const head = new BinaryWriter();
  if (res.error !== undefined) head.tag(1, WireType.LengthDelimited).string(res.error);
  head.tag(2, WireType.Varint).uint64(res.supportedFeatures);
  head.tag(3, WireType.Varint).int32(res.minimumEdition);
  head.tag(4, WireType.Varint).int32(res.maximumEdition);
  const parts: Uint8Array[] = [head.finish()];
  for (const f of res.file) {
    const content = Buffer.from(f.content, "utf8");
    const name = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .string(f.name)
      .tag(15, WireType.LengthDelimited)
      .uint32(content.length)
      .finish();
    parts.push(
      new BinaryWriter()
        .tag(15, WireType.LengthDelimited)
        .uint32(name.length + content.length)
        .finish(),
      name,
      content,
    );
  }
  return Buffer.concat(parts);
}

/**
 * Runs the plugin on one request. Errors in the parameter or the templates go
 * in the response's error field, as protoc and buf expect.
 */
export async function generate(req: PluginRequest): Promise<PluginResponse> {
  const res: PluginResponse = {
    supportedFeatures: SUPPORTED_FEATURES,
    minimumEdition: MINIMUM_EDITION,
    maximumEdition: MAXIMUM_EDITION,
    file: [],
  };
  try {
    const opts = parseParameter(req.parameter ?? "");
    const groups = groupByDirectory(req.fileToGenerate, opts.sourceRelative);
    const npm = opts.npmPackages ? readNpmPackages(opts.npmPackages) : {};
    const custom = opts.template ? await loadTemplate(opts.template) : undefined;
    const only = opts.packages !== undefined && opts.format === "html" ? readPackageList(opts.packages) : undefined;
    for (const [dir, names] of groups) {
      const model = buildTemplate(req.protoFile, names, opts.exclude, { sort: opts.sort });
      const out = (name: string, content: string) =>
        res.file.push({ name: dir ? posix.join(dir, name) : name, content });
      if (custom) out(opts.outFile, await custom(model, { version: opts.version, title: opts.title }));
      else if (opts.format === "json") out(opts.outFile, renderJson(model));
      else if (opts.format === "markdown") out(opts.outFile, renderMarkdown(model));
      else {
        // Loaded only for html: the Markdown parser is most of the plugin's load time.
        const { renderSite } = await import("./render/site.js");
        for (const f of renderSite(model, { ...siteOptions(opts), npm, only })) out(f.name, f.content);
      }
    }
  } catch (err) {
    res.error = err instanceof ParameterError ? err.message : ((err as Error).stack ?? String(err));
    res.file = [];
  }
  return res;
}

function siteOptions(opts: DocOptions) {
  return { indexFile: opts.outFile, version: opts.version, title: opts.title };
}

function groupByDirectory(names: string[], sourceRelative: boolean): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const n of names) {
    const dir = sourceRelative ? posix.dirname(n).replace(/^\.$/, "") : "";
    groups.set(dir, [...(groups.get(dir) ?? []), n]);
  }
  return groups;
}

function readNpmPackages(path: string): NpmPackages {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ParameterError(
      `npm_packages=${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    return JSON.parse(text) as NpmPackages;
  } catch (err) {
    throw new ParameterError(`npm_packages=${path}: not valid JSON (${(err as Error).message})`);
  }
}

function readPackageList(path: string): Set<string> {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ParameterError(
      `packages=${path}: cannot read it as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  if (!Array.isArray(list) || !list.every((p) => typeof p === "string"))
    throw new ParameterError(`packages=${path}: must hold a JSON array of proto package names`);
  return new Set(list);
}

async function loadTemplate(path: string): Promise<TemplateFn> {
  const abs = isAbsolute(path) ? path : resolve(process.cwd(), path);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  } catch (err) {
    throw new ParameterError(`template ${path}: cannot load it: ${(err as Error).message}`);
  }
  if (typeof mod.default !== "function")
    throw new ParameterError(`template ${path}: its default export must be a function (model) => string`);
  return mod.default as TemplateFn;
}
