// The HTML site: an index of packages and services, one page per proto
// package (so pages stay small on big schemas), a scalar table, and a
// client-side search index. Every asset is a relative file, so the site
// works from file://, from a sub-path, and offline.
import type { Enum, File, Message, MessageField, Service, ServiceMethod, Template } from "../model.js";
import { SITE_CSS, SITE_JS } from "./assets.js";
import { clientSample, installSnippet, messageSample, type NpmPackage } from "./code-sample.js";
import { escapeHtml as esc, renderComment, summaryOf } from "./comment-markdown.js";

export type NpmPackages = Record<string, NpmPackage>;

export interface SiteOptions {
  /** Name of the index page, e.g. index.html. */
  indexFile: string;
  version?: string;
  title?: string;
  npm?: NpmPackages;
}

export interface SiteFile {
  name: string;
  content: string;
}

interface PackageDocs {
  name: string;
  files: File[];
  description: string;
  services: Service[];
  messages: Message[];
  enums: Enum[];
  extensions: File["extensions"];
  deprecated: boolean;
}

/** Where each documented symbol lives: full name -> page path (relative to the site root) + anchor. */
type SymbolTable = Map<string, string>;

export const pagePath = (pkg: string) => `pkg/${pkg || "_"}.html`;

const WKT_DOCS = "https://protobuf.dev/reference/protobuf/google.protobuf/";
const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();

function groupPackages(model: Template): PackageDocs[] {
  const byName = new Map<string, PackageDocs>();
  for (const f of model.files) {
    let p = byName.get(f.package);
    if (!p) {
      p = { name: f.package, files: [], description: "", services: [], messages: [], enums: [], extensions: [], deprecated: true };
      byName.set(f.package, p);
    }
    p.files.push(f);
    if (!p.description && f.packageDescription) p.description = f.packageDescription;
    p.services.push(...f.services);
    p.messages.push(...f.messages.filter((m) => !m.isMapEntry));
    p.enums.push(...f.enums);
    p.extensions.push(...f.extensions);
    p.deprecated &&= f.deprecated;
  }
  for (const p of byName.values()) {
    if (!p.description) p.description = p.files.find((f) => f.description)?.description ?? "";
    p.messages.sort((a, b) => a.fullName.localeCompare(b.fullName));
    p.enums.sort((a, b) => a.fullName.localeCompare(b.fullName));
    p.services.sort((a, b) => a.fullName.localeCompare(b.fullName));
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function symbolTable(pkgs: PackageDocs[]): SymbolTable {
  const t: SymbolTable = new Map();
  for (const p of pkgs) {
    const page = pagePath(p.name);
    for (const m of p.messages) t.set(m.fullName, `${page}#${m.fullName}`);
    for (const e of p.enums) t.set(e.fullName, `${page}#${e.fullName}`);
    for (const s of p.services) t.set(s.fullName, `${page}#${s.fullName}`);
  }
  return t;
}

class Linker {
  constructor(private readonly symbols: SymbolTable, private readonly root: string, private readonly currentPage: string) {}

  href(fullName: string): string | undefined {
    const target = this.symbols.get(fullName);
    if (target) {
      const [page, hash] = target.split("#");
      return page === this.currentPage ? `#${hash}` : `${this.root}${target}`;
    }
    if (fullName.startsWith("google.protobuf.") && !fullName.slice(16).includes(".")) return `${WKT_DOCS}#${kebab(fullName.slice(16))}`;
    if (!fullName.includes(".")) return `${this.root}scalars.html#${fullName}`;
    return undefined;
  }

  type(label: string, fullName: string): string {
    const href = this.href(fullName);
    if (!href) return `<code>${esc(label)}</code>`;
    const ext = href.startsWith("http") ? ' rel="noopener noreferrer"' : "";
    return `<a class="type" href="${esc(href)}"${ext} title="${esc(fullName)}"><code>${esc(label)}</code></a>`;
  }
}

const badge = (text: string, cls = "") => `<span class="badge${cls ? ` ${cls}` : ""}">${esc(text)}</span>`;
const deprecatedBadge = (d: boolean) => (d ? ` ${badge("deprecated", "deprecated")}` : "");

function layout(o: { title: string; root: string; version: string; siteTitle: string; indexHref: string; nav: string; main: string; description?: string }): string {
  return `<!doctype html>
<html lang="en" data-root="${esc(o.root)}" data-version="${esc(o.version)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' file:; style-src 'self' file:; img-src 'self' file: https: data:; base-uri 'none'; form-action 'none'">
<meta name="generator" content="@acme/protoc-gen-doc">
${o.description ? `<meta name="description" content="${esc(o.description)}">\n` : ""}<title>${esc(o.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${o.root}assets/docs.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
<a class="brand" href="${o.indexHref}">${esc(o.siteTitle)}</a>
<span class="site-version" id="site-version">${esc(o.version ? `v${o.version.replace(/^v/, "")}` : "")}</span>
<label class="version-picker"><span class="visually-hidden">Documentation version</span><select id="version-switcher" aria-label="Documentation version"><option value="" selected>${esc(o.version || "current")}</option></select></label>
<div class="search" role="search">
<label for="search-input" class="visually-hidden">Search packages, services, methods, messages, enums and fields</label>
<input id="search-input" type="search" placeholder="Search (press /)" autocomplete="off" spellcheck="false" aria-controls="search-results" aria-expanded="false" aria-autocomplete="list" role="combobox">
<ul id="search-results" role="listbox" aria-label="Search results" hidden></ul>
<p id="search-status" class="visually-hidden" aria-live="polite"></p>
</div>
</header>
<div class="layout">
${o.nav}
<main id="main" tabindex="-1">
${o.main}
</main>
</div>
<footer class="site-footer"><p>Generated by <a href="https://www.npmjs.com/package/@acme/protoc-gen-doc" rel="noopener noreferrer">protoc-gen-doc</a>${o.version ? ` for version ${esc(o.version)}` : ""}.</p></footer>
<script src="${o.root}assets/docs.js"></script>
</body>
</html>
`;
}

function fieldsTable(m: Message, link: Linker): string {
  if (!m.fields.length) return `<p class="empty">No fields.</p>`;
  const rows: string[] = [];
  let openOneof = "";
  for (const f of m.fields) {
    if (f.isoneof && f.oneofdecl !== openOneof) {
      const o = m.oneofs.find((x) => x.name === f.oneofdecl);
      rows.push(
        `<tr class="oneof-head" id="${esc(`${m.fullName}.${f.oneofdecl}`)}"><th scope="rowgroup" colspan="4">oneof <code>${esc(f.oneofdecl)}</code> <span class="hint">(at most one of these is set)</span>${o?.description ? `<div class="doc">${renderComment(o.description)}</div>` : ""}</th></tr>`,
      );
    }
    openOneof = f.isoneof ? f.oneofdecl : "";
    rows.push(fieldRow(m, f, link));
  }
  return `<div class="table-wrap"><table class="fields">
<caption class="visually-hidden">Fields of ${esc(m.longName)}</caption>
<thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Label</th><th scope="col">Description</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></div>`;
}

function fieldType(f: MessageField, link: Linker): string {
  if (f.ismap && f.mapKeyType && f.mapValueFullType) {
    return `<code>map&lt;</code>${link.type(f.mapKeyType, f.mapKeyType)}<code>, </code>${link.type(f.mapValueLongType!, f.mapValueFullType)}<code>&gt;</code>`;
  }
  return link.type(f.longType, f.fullType);
}

function fieldRow(m: Message, f: MessageField, link: Linker): string {
  const isMessage = f.fullType.includes(".") && !f.ismap;
  const labels: string[] = [];
  if (f.ismap) labels.push(badge("map"));
  else if (f.label) labels.push(badge(f.label, f.label === "required" ? "required" : ""));
  if (f.isoneof) labels.push(badge(`oneof ${f.oneofdecl}`, "oneof"));
  if (!isMessage && !f.isoneof && (f.presence === "explicit" || f.presence === "implicit")) {
    labels.push(
      f.presence === "explicit"
        ? `<span class="badge presence" title="Explicit presence: unset differs from the zero value">has presence</span>`
        : `<span class="badge presence implicit" title="Implicit presence: the zero value means unset">no presence</span>`,
    );
  }
  const dflt = f.defaultValue ? `<p class="default">Default: <code>${esc(f.defaultValue)}</code></p>` : "";
  return `<tr id="${esc(`${m.fullName}.${f.name}`)}"${f.deprecated ? ' class="is-deprecated"' : ""}${f.isoneof ? ' data-oneof="true"' : ""}>
<td><code class="name">${esc(f.name)}</code> <span class="number">= ${f.number}</span>${deprecatedBadge(f.deprecated)}</td>
<td>${fieldType(f, link)}</td>
<td>${labels.join(" ")}</td>
<td>${renderComment(f.description)}${dflt}</td>
</tr>`;
}

function messageSection(m: Message, link: Linker): string {
  const exts = m.extensions.length
    ? `<h4>Extensions</h4>${extensionsTable(m.extensions, link)}`
    : "";
  return `<section class="symbol message${m.deprecated ? " is-deprecated" : ""}" id="${esc(m.fullName)}" aria-labelledby="${esc(`h-${m.fullName}`)}">
<h3 id="${esc(`h-${m.fullName}`)}"><span class="kind">message</span> ${esc(m.longName)}${deprecatedBadge(m.deprecated)}</h3>
${renderComment(m.description)}
${fieldsTable(m, link)}
${exts}
</section>`;
}

function extensionsTable(exts: File["extensions"], link: Linker): string {
  return `<div class="table-wrap"><table class="extensions">
<thead><tr><th scope="col">Extension</th><th scope="col">Type</th><th scope="col">Extends</th><th scope="col">Number</th><th scope="col">Description</th></tr></thead>
<tbody>
${exts
  .map(
    (x) => `<tr id="${esc(x.fullName)}"><td><code>${esc(x.longName)}</code>${deprecatedBadge(x.deprecated)}</td><td>${x.label ? `${badge(x.label)} ` : ""}${link.type(x.longType, x.fullType)}</td><td>${link.type(x.containingLongType, x.containingFullType)}</td><td>${x.number}</td><td>${renderComment(x.description)}</td></tr>`,
  )
  .join("\n")}
</tbody></table></div>`;
}

function enumSection(e: Enum): string {
  return `<section class="symbol enum${e.deprecated ? " is-deprecated" : ""}" id="${esc(e.fullName)}" aria-labelledby="${esc(`h-${e.fullName}`)}">
<h3 id="${esc(`h-${e.fullName}`)}"><span class="kind">enum</span> ${esc(e.longName)}${deprecatedBadge(e.deprecated)}</h3>
${renderComment(e.description)}
<div class="table-wrap"><table class="values">
<caption class="visually-hidden">Values of ${esc(e.longName)}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Number</th><th scope="col">Description</th></tr></thead>
<tbody>
${e.values
  .map(
    (v) => `<tr id="${esc(`${e.fullName}.${v.name}`)}"${v.deprecated ? ' class="is-deprecated"' : ""}><td><code>${esc(v.name)}</code>${deprecatedBadge(v.deprecated)}</td><td>${esc(v.number)}</td><td>${renderComment(v.description)}</td></tr>`,
  )
  .join("\n")}
</tbody></table></div>
</section>`;
}

function streamingOf(m: ServiceMethod): string {
  if (m.requestStreaming && m.responseStreaming) return "bidirectional streaming";
  if (m.requestStreaming) return "client streaming";
  if (m.responseStreaming) return "server streaming";
  return "unary";
}

function methodSection(s: Service, m: ServiceMethod, link: Linker): string {
  const id = `${s.fullName}.${m.name}`;
  const req = `${m.requestStreaming ? '<span class="kw">stream</span> ' : ""}${link.type(m.requestLongType, m.requestFullType)}`;
  const res = `${m.responseStreaming ? '<span class="kw">stream</span> ' : ""}${link.type(m.responseLongType, m.responseFullType)}`;
  const idem = typeof m.options?.idempotency_level === "string" ? ` ${badge(String(m.options.idempotency_level).toLowerCase().replace(/_/g, " "), "idempotency")}` : "";
  const http = m.http
    ? `<ul class="http" aria-label="HTTP bindings">${m.http.rules.map((r) => `<li><span class="verb">${esc(r.method)}</span> <code>${esc(r.pattern)}</code>${r.body ? ` <span class="hint">body: <code>${esc(r.body)}</code></span>` : ""}</li>`).join("")}</ul>`
    : "";
  return `<section class="method${m.deprecated ? " is-deprecated" : ""}" id="${esc(id)}" aria-labelledby="${esc(`h-${id}`)}">
<h4 id="${esc(`h-${id}`)}">${esc(m.name)} ${badge(streamingOf(m), m.requestStreaming || m.responseStreaming ? "streaming" : "unary")}${idem}${deprecatedBadge(m.deprecated)}</h4>
<p class="signature"><code><span class="kw">rpc</span> ${esc(m.name)}(</code>${req}<code>) <span class="kw">returns</span> (</code>${res}<code>)</code></p>
${http}
${renderComment(m.description)}
</section>`;
}

function serviceSection(s: Service, link: Linker): string {
  return `<section class="symbol service${s.deprecated ? " is-deprecated" : ""}" id="${esc(s.fullName)}" aria-labelledby="${esc(`h-${s.fullName}`)}">
<h3 id="${esc(`h-${s.fullName}`)}"><span class="kind">service</span> ${esc(s.longName)}${deprecatedBadge(s.deprecated)}</h3>
${renderComment(s.description)}
${s.methods.map((m) => methodSection(s, m, link)).join("\n")}
</section>`;
}

function packageNav(p: PackageDocs, indexHref: string): string {
  const list = (title: string, items: { fullName: string; longName: string; deprecated: boolean }[]) =>
    items.length
      ? `<h2>${title}</h2><ul>${items.map((i) => `<li><a href="#${esc(i.fullName)}"${i.deprecated ? ' class="is-deprecated"' : ""}>${esc(i.longName)}</a></li>`).join("")}</ul>`
      : "";
  return `<nav class="sidebar" aria-label="Contents of ${esc(p.name)}">
<details open><summary>Contents</summary>
<p><a href="${indexHref}">All packages</a></p>
${list("Services", p.services)}${list("Messages", p.messages)}${list("Enums", p.enums)}
</details>
</nav>`;
}

function packagePage(p: PackageDocs, symbols: SymbolTable, opts: SiteOptions): string {
  const page = pagePath(p.name);
  const link = new Linker(symbols, "../", page);
  const npm = opts.npm?.[p.name];
  let install = "";
  if (npm) {
    const topMessage = p.messages.find((m) => !m.longName.includes("."));
    const sample = p.services[0] ? clientSample(npm, p.services[0]) : topMessage ? messageSample(npm, topMessage.name) : "";
    install = `<section id="install" aria-labelledby="h-install">
<h2 id="h-install">Install</h2>
<pre class="code"><code>${esc(installSnippet(npm, opts.version))}</code></pre>
${sample ? `<h3>Use it</h3>\n<pre class="code"><code class="language-ts">${esc(sample)}</code></pre>` : ""}
</section>`;
  }
  const files = `<section id="files" aria-labelledby="h-files"><h2 id="h-files">Files</h2><ul>${p.files
    .map((f) => `<li><code>${esc(f.name)}</code> <span class="hint">${esc(f.syntax === "editions" ? `edition ${f.edition}` : f.syntax)}</span>${deprecatedBadge(f.deprecated)}${f.description ? `<div class="doc">${renderComment(f.description)}</div>` : ""}</li>`)
    .join("")}</ul></section>`;
  const section = (id: string, title: string, body: string[]) =>
    body.length ? `<section id="${id}" aria-labelledby="h-${id}"><h2 id="h-${id}">${title}</h2>\n${body.join("\n")}\n</section>` : "";
  const main = `<h1 id="top"><span class="kind">package</span> ${esc(p.name || "(no package)")}${deprecatedBadge(p.deprecated)}</h1>
${renderComment(p.description)}
${install}
${section("services", "Services", p.services.map((s) => serviceSection(s, link)))}
${section("messages", "Messages", p.messages.map((m) => messageSection(m, link)))}
${section("enums", "Enums", p.enums.map((e) => enumSection(e)))}
${p.extensions.length ? `<section id="extensions" aria-labelledby="h-extensions"><h2 id="h-extensions">Extensions</h2>${extensionsTable(p.extensions, link)}</section>` : ""}
${files}`;
  return layout({
    title: `${p.name} · ${siteTitle(opts)}`,
    root: "../",
    version: opts.version ?? "",
    siteTitle: siteTitle(opts),
    indexHref: `../${opts.indexFile}`,
    nav: packageNav(p, `../${opts.indexFile}`),
    main,
    description: summaryOf(p.description),
  });
}

const siteTitle = (opts: SiteOptions) => opts.title ?? "API reference";

function indexPage(pkgs: PackageDocs[], opts: SiteOptions): string {
  const items = pkgs
    .map((p) => {
      const npm = opts.npm?.[p.name];
      const services = p.services.length
        ? `<ul class="services">${p.services.map((s) => `<li><a href="${pagePath(p.name)}#${esc(s.fullName)}"><code>${esc(s.name)}</code></a>${deprecatedBadge(s.deprecated)}${s.description ? ` <span class="summary">${esc(summaryOf(s.description))}</span>` : ""}</li>`).join("")}</ul>`
        : "";
      return `<li class="package"><h3><a href="${pagePath(p.name)}">${esc(p.name || "(no package)")}</a>${deprecatedBadge(p.deprecated)}</h3>
${npm ? `<p class="npm"><code>${esc(npm.npm)}${npm.subpath === "." ? "" : esc(npm.subpath.slice(1))}</code></p>` : ""}
${renderComment(p.description)}
<p class="counts">${p.services.length} services · ${p.messages.length} messages · ${p.enums.length} enums</p>
${services}
</li>`;
    })
    .join("\n");
  const main = `<h1>${esc(siteTitle(opts))}</h1>
<p>${pkgs.length} packages, ${pkgs.reduce((n, p) => n + p.services.length, 0)} services. Search with the box above, or press <kbd>/</kbd>.</p>
<section aria-labelledby="h-packages"><h2 id="h-packages">Packages</h2>
<ul class="packages">
${items}
</ul></section>
<p><a href="scalars.html">Scalar value types</a></p>`;
  const nav = `<nav class="sidebar" aria-label="Packages"><details open><summary>Packages</summary><ul>${pkgs.map((p) => `<li><a href="${pagePath(p.name)}">${esc(p.name || "(no package)")}</a></li>`).join("")}</ul></details></nav>`;
  return layout({ title: siteTitle(opts), root: "", version: opts.version ?? "", siteTitle: siteTitle(opts), indexHref: opts.indexFile, nav, main });
}

function scalarsPage(model: Template, opts: SiteOptions): string {
  const rows = model.scalarValueTypes
    .map((s) => `<tr id="${esc(s.protoType)}"><th scope="row"><code>${esc(s.protoType)}</code></th><td>${esc(s.notes)}</td><td>${esc(s.cppType)}</td><td>${esc(s.javaType)}</td><td>${esc(s.pythonType)}</td><td>${esc(s.goType)}</td><td>${esc(s.csType)}</td><td>${esc(s.phpType)}</td><td>${esc(s.rubyType)}</td></tr>`)
    .join("\n");
  const main = `<h1>Scalar value types</h1>
<div class="table-wrap"><table class="scalars"><thead><tr><th scope="col">.proto type</th><th scope="col">Notes</th><th scope="col">C++</th><th scope="col">Java</th><th scope="col">Python</th><th scope="col">Go</th><th scope="col">C#</th><th scope="col">PHP</th><th scope="col">Ruby</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
  const nav = `<nav class="sidebar" aria-label="Site"><p><a href="${opts.indexFile}">All packages</a></p></nav>`;
  return layout({ title: `Scalar value types · ${siteTitle(opts)}`, root: "", version: opts.version ?? "", siteTitle: siteTitle(opts), indexHref: opts.indexFile, nav, main });
}

/**
 * The search index as a script (not JSON: fetch() is blocked on file://).
 * Each entry: [kind, name, full name, href from the site root].
 */
function searchIndex(pkgs: PackageDocs[]): string {
  const rows: [string, string, string, string][] = [];
  for (const p of pkgs) {
    const page = pagePath(p.name);
    rows.push(["package", p.name, p.name, page]);
    for (const s of p.services) {
      rows.push(["service", s.name, s.fullName, `${page}#${s.fullName}`]);
      for (const m of s.methods) rows.push(["method", m.name, `${s.fullName}.${m.name}`, `${page}#${s.fullName}.${m.name}`]);
    }
    for (const m of p.messages) {
      rows.push(["message", m.longName, m.fullName, `${page}#${m.fullName}`]);
      for (const f of m.fields) rows.push(["field", f.name, `${m.fullName}.${f.name}`, `${page}#${m.fullName}.${f.name}`]);
    }
    for (const e of p.enums) {
      rows.push(["enum", e.longName, e.fullName, `${page}#${e.fullName}`]);
      for (const v of e.values) rows.push(["value", v.name, `${e.fullName}.${v.name}`, `${page}#${e.fullName}.${v.name}`]);
    }
  }
  // JSON inside a script: "<" escaped so no "</script>" or "<!--" can appear.
  return `window.__PGD_SEARCH__=${JSON.stringify(rows).replace(/</g, "\\u003c")};\n`;
}

export function renderSite(model: Template, opts: SiteOptions): SiteFile[] {
  const pkgs = groupPackages(model);
  const symbols = symbolTable(pkgs);
  return [
    { name: opts.indexFile, content: indexPage(pkgs, opts) },
    { name: "scalars.html", content: scalarsPage(model, opts) },
    ...pkgs.map((p) => ({ name: pagePath(p.name), content: packagePage(p, symbols, opts) })),
    { name: "assets/docs.css", content: SITE_CSS },
    { name: "assets/docs.js", content: SITE_JS },
    { name: "assets/search-index.js", content: searchIndex(pkgs) },
  ];
}
