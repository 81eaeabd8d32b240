import { readFileSync } from "node:fs";
import { isAbsolute, posix, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { create, maximumEdition, minimumEdition, protoInt64 } from "@bufbuild/protobuf";
import {
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponseSchema,
  CodeGeneratorResponse_FileSchema,
  type CodeGeneratorRequest,
  type CodeGeneratorResponse,
} from "@bufbuild/protobuf/wkt";
import { buildTemplate, type Template } from "./model.js";
import { ParameterError, parseParameter, type DocOptions } from "./params.js";
import { renderJson } from "./render/json.js";
import { renderMarkdown } from "./render/markdown.js";
import { renderSite, type NpmPackages } from "./render/site.js";

export const PLUGIN_NAME = "protoc-gen-doc";
export const PLUGIN_VERSION = "2.0.0";

/** A custom template: a JavaScript module whose default export turns the model into the output file's text. */
export type TemplateFn = (model: Template, options: { version?: string; title?: string }) => string | Promise<string>;

/**
 * Runs the plugin on one request. Errors in the parameter or the templates go
 * in the response's error field, as protoc and buf expect.
 */
export async function generate(req: CodeGeneratorRequest): Promise<CodeGeneratorResponse> {
  const res = create(CodeGeneratorResponseSchema, {
    supportedFeatures: protoInt64.parse(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL | CodeGeneratorResponse_Feature.SUPPORTS_EDITIONS),
    minimumEdition,
    maximumEdition,
  });
  try {
    const opts = parseParameter(req.parameter ?? "");
    const groups = groupByDirectory(req.fileToGenerate, opts.sourceRelative);
    const npm = opts.npmPackages ? readNpmPackages(opts.npmPackages) : {};
    const custom = opts.template ? await loadTemplate(opts.template) : undefined;
    for (const [dir, names] of groups) {
      const model = buildTemplate(req.protoFile, names, opts.exclude);
      const out = (name: string, content: string) =>
        res.file.push(create(CodeGeneratorResponse_FileSchema, { name: dir ? posix.join(dir, name) : name, content }));
      if (custom) out(opts.outFile, await custom(model, { version: opts.version, title: opts.title }));
      else if (opts.format === "json") out(opts.outFile, renderJson(model));
      else if (opts.format === "markdown") out(opts.outFile, renderMarkdown(model));
      else for (const f of renderSite(model, { ...siteOptions(opts), npm })) out(f.name, f.content);
    }
  } catch (err) {
    res.error = err instanceof ParameterError ? err.message : (err as Error).stack ?? String(err);
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
    throw new ParameterError(`npm_packages=${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text) as NpmPackages;
  } catch (err) {
    throw new ParameterError(`npm_packages=${path}: not valid JSON (${(err as Error).message})`);
  }
}

async function loadTemplate(path: string): Promise<TemplateFn> {
  const abs = isAbsolute(path) ? path : resolve(process.cwd(), path);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  } catch (err) {
    throw new ParameterError(`template ${path}: cannot load it: ${(err as Error).message}`);
  }
  if (typeof mod.default !== "function") throw new ParameterError(`template ${path}: its default export must be a function (model) => string`);
  return mod.default as TemplateFn;
}
