import { isAbsolute, posix } from "node:path";

export type Format = "html" | "markdown" | "json";

export interface DocOptions {
  /** Built-in renderer, or undefined when `template` names a custom one. */
  format: Format | undefined;
  /** Path of a custom JavaScript template module (`export default (model) => string`). */
  template: string | undefined;
  /** Output file name, e.g. index.html. */
  outFile: string;
  /** One output per source directory instead of one for everything. */
  sourceRelative: boolean;
  /** Files whose name matches any of these are left out. */
  exclude: RegExp[];
  /** Extras beyond protoc-gen-doc: key=value after the output name. */
  version: string | undefined;
  title: string | undefined;
  /** Path of a JSON file mapping proto package -> { npm, subpath } for install snippets. */
  npmPackages: string | undefined;
  /** Messages, enums, extensions and services sorted by long name, as Go does (sort=false keeps declaration order). */
  sort: boolean;
  /**
   * Path of a JSON array of proto package names: the html site renders only these packages'
   * pages (plus every page that covers the whole schema), for an incremental build that keeps
   * the other pages from a previous run. Other formats ignore it.
   */
  packages: string | undefined;
}

export class ParameterError extends Error {}

const FORMATS: Record<string, Format> = { html: "html", markdown: "markdown", md: "markdown", json: "json" };
const EXTRA_KEYS = new Set(["version", "title", "npm_packages", "sort", "packages"]);

/**
 * Parses protoc-gen-doc's parameter:
 * `<html|markdown|json|TEMPLATE>,<OUT>[,default|source_relative][,key=value...][:EXCLUDE_REGEX,...]`.
 * The key=value extras are ours; the Go plugin would reject them.
 */
export function parseParameter(parameter: string): DocOptions {
  const opts: DocOptions = {
    format: "html",
    template: undefined,
    outFile: "index.html",
    sourceRelative: false,
    exclude: [],
    version: undefined,
    title: undefined,
    npmPackages: undefined,
    sort: true,
    packages: undefined,
  };
  const colon = parameter.indexOf(":");
  const fileParams = colon < 0 ? parameter : parameter.slice(0, colon);
  const excludes = colon < 0 ? "" : parameter.slice(colon + 1);
  for (const pattern of excludes.split(",").filter(Boolean)) {
    try {
      opts.exclude.push(new RegExp(pattern));
    } catch (err) {
      throw new ParameterError(
        `invalid exclude pattern ${JSON.stringify(pattern)} in parameter ${JSON.stringify(parameter)}: ${(err as Error).message}`,
      );
    }
  }
  if (fileParams.trim() === "") return opts;
  const parts = fileParams.split(",").map((p) => p.trim());
  const positional = parts.filter((p) => !p.includes("="));
  const extras = parts.filter((p) => p.includes("="));
  if (positional.length < 2 || positional.length > 3) {
    throw new ParameterError(
      `invalid parameter ${JSON.stringify(parameter)}: expected <html|markdown|json|template.js>,<out file>[,default|source_relative][,key=value...], e.g. "html,index.html"`,
    );
  }
  const [kind, out, mode] = positional;
  if (FORMATS[kind]) opts.format = FORMATS[kind];
  else if (/\.(m|c)?js$/.test(kind)) {
    opts.format = undefined;
    opts.template = kind;
  } else {
    throw new ParameterError(
      `unknown format or template ${JSON.stringify(kind)} in parameter ${JSON.stringify(parameter)}: use html, markdown, json, or a JavaScript template module (*.js, *.mjs); Go text/template files are not supported`,
    );
  }
  if (!out || out.endsWith("/"))
    throw new ParameterError(`invalid parameter ${JSON.stringify(parameter)}: missing output file name`);
  opts.outFile = posix.basename(out);
  if (mode !== undefined) {
    if (mode !== "default" && mode !== "source_relative") {
      throw new ParameterError(
        `invalid parameter ${JSON.stringify(parameter)}: third part must be "default" or "source_relative", got ${JSON.stringify(mode)}`,
      );
    }
    opts.sourceRelative = mode === "source_relative";
  }
  for (const kv of extras) {
    const eq = kv.indexOf("=");
    const key = kv.slice(0, eq);
    const value = kv.slice(eq + 1);
    if (!EXTRA_KEYS.has(key)) {
      throw new ParameterError(
        `unknown option ${JSON.stringify(key)} in parameter ${JSON.stringify(parameter)}; known: ${[...EXTRA_KEYS].join(", ")}`,
      );
    }
    if (key === "version") opts.version = value;
    else if (key === "title") opts.title = value;
    else if (key === "sort") {
      if (value !== "true" && value !== "false")
        throw new ParameterError(`sort=${value}: must be true or false, in parameter ${JSON.stringify(parameter)}`);
      opts.sort = value === "true";
    } else if (key === "packages") opts.packages = value;
    else opts.npmPackages = value;
  }
  if (opts.template && !isAbsolute(opts.template)) opts.template = posix.normalize(opts.template);
  return opts;
}
