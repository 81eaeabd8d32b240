// The HTML site: an index of packages and services, one page per proto
// package (so pages stay small on big schemas), a scalar table, and a
// client-side search index. Every asset is a relative file, so the site
// works from file://, from a sub-path, and offline.
import type { Enum, File, Message, MessageField, Service, ServiceMethod, Template } from "../model.js";
import { SITE_CSS, siteScript } from "./assets.js";
import { clientSample, installSnippet, messageSample, type NpmPackage } from "./code-sample.js";
import { escapeHtml as esc, plainText, renderComment, summaryOf, type CommentContext } from "./comment-markdown.js";

export type NpmPackages = Record<string, NpmPackage>;

export interface SiteOptions {
  /** Name of the index page, e.g. index.html. */
  indexFile: string;
  version?: string;
  title?: string;
  npm?: NpmPackages;
  /**
   * Render only these packages' pages (and every page that covers the whole schema: index,
   * scalars, assets, search index). Each page is the same as in a full render: an
   * incremental build keeps the other pages from a previous run.
   */
  only?: ReadonlySet<string>;
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
      p = {
        name: f.package,
        files: [],
        description: "",
        services: [],
        messages: [],
        enums: [],
        extensions: [],
        deprecated: true,
      };
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

/**
 * Every documented name, for type links and comment references: messages,
 * enums and services, and their fields, values and methods. A map entry
 * (hidden on the site) points at its parent message.
 */
function symbolTable(pkgs: PackageDocs[]): SymbolTable {
  const t: SymbolTable = new Map();
  for (const p of pkgs) {
    const page = pagePath(p.name);
    for (const m of p.messages) {
      t.set(m.fullName, `${page}#${m.fullName}`);
      for (const f of m.fields) t.set(`${m.fullName}.${f.name}`, `${page}#${m.fullName}.${f.name}`);
    }
    for (const e of p.enums) {
      t.set(e.fullName, `${page}#${e.fullName}`);
      for (const v of e.values) t.set(`${e.fullName}.${v.name}`, `${page}#${e.fullName}.${v.name}`);
    }
    for (const s of p.services) {
      t.set(s.fullName, `${page}#${s.fullName}`);
      for (const m of s.methods) t.set(`${s.fullName}.${m.name}`, `${page}#${s.fullName}.${m.name}`);
    }
    for (const x of p.extensions) {
      t.set(x.fullName, `${page}#${x.fullName}`);
      if (p.name) t.set(`${p.name}.${x.name}`, `${page}#${x.fullName}`);
    }
    for (const f of p.files) {
      for (const m of f.messages) {
        if (m.isMapEntry) t.set(m.fullName, `${page}#${m.fullName.slice(0, m.fullName.lastIndexOf("."))}`);
      }
    }
  }
  return t;
}

interface Reference {
  label: string;
  target: string;
}

/** Who uses each message and enum: fields (map values included), method requests and responses, extensions. */
function referencesOf(pkgs: PackageDocs[], symbols: SymbolTable): Map<string, Reference[]> {
  const refs = new Map<string, Reference[]>();
  const add = (type: string | undefined, label: string, member: string) => {
    const target = symbols.get(member);
    if (!type || !target || !symbols.has(type)) return;
    const list = refs.get(type) ?? [];
    if (!list.some((r) => r.label === label)) list.push({ label, target });
    refs.set(type, list);
  };
  for (const p of pkgs) {
    for (const m of p.messages) {
      for (const f of m.fields)
        add(f.ismap ? f.mapValueFullType : f.fullType, `${m.fullName}.${f.name}`, `${m.fullName}.${f.name}`);
    }
    for (const s of p.services) {
      for (const m of s.methods) {
        const id = `${s.fullName}.${m.name}`;
        add(m.requestFullType, `${id} (request)`, id);
        add(m.responseFullType, `${id} (response)`, id);
      }
    }
    for (const x of p.extensions) add(x.fullType, x.fullName.replace(/^\./, ""), x.fullName);
  }
  for (const list of refs.values()) list.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return refs;
}

class Linker {
  constructor(
    private readonly symbols: SymbolTable,
    private readonly root: string,
    private readonly currentPage: string,
    readonly refs: Map<string, Reference[]> = new Map(),
  ) {}

  /** A site-root-relative "page#id" as seen from the current page. */
  hrefOf(target: string): string {
    const [page, hash] = target.split("#");
    return page === this.currentPage ? `#${hash}` : `${this.root}${target}`;
  }

  href(fullName: string): string | undefined {
    const target = this.symbols.get(fullName);
    if (target) return this.hrefOf(target);
    if (fullName.startsWith("google.protobuf.") && !fullName.slice(16).includes("."))
      return `${WKT_DOCS}#${kebab(fullName.slice(16))}`;
    if (!fullName.includes(".")) return `${this.root}scalars.html#${fullName}`;
    return undefined;
  }

  type(label: string, fullName: string): string {
    const href = this.href(fullName);
    const shown = wrappable(label.replace(/^\./, ""));
    if (!href) return `<code>${shown}</code>`;
    const ext = href.startsWith("http") ? ' rel="noopener noreferrer"' : "";
    return `<a class="type" href="${esc(href)}"${ext} title="${esc(fullName)}"><code>${shown}</code></a>`;
  }

  /**
   * Comment rendering in the scope of `scope` (a full name): references
   * resolve as protobuf resolves names, innermost scope first, and a
   * comment's headings go below `headingLevel - 1`.
   */
  comment(text: string, scope: string, headingLevel: number): string {
    const ctx: CommentContext = {
      headingLevel,
      resolve: (name) => {
        if (this.symbols.has(name) || /^google\.protobuf\.[A-Z]\w*$/.test(name)) return this.href(name);
        const parts = scope.split(".");
        for (let i = parts.length; i > 0; i--) {
          const candidate = `${parts.slice(0, i).join(".")}.${name}`;
          if (this.symbols.has(candidate)) return this.href(candidate);
        }
        return undefined;
      },
    };
    return renderComment(text, ctx);
  }

  referencedBy(fullName: string): string {
    const list = this.refs.get(fullName) ?? [];
    if (!list.length) return `<p class="refs">Not used by any documented field or method.</p>`;
    return `<div class="refs"><p class="refs-title">Referenced by</p><ul>${list
      .map((r) => `<li><a href="${esc(this.hrefOf(r.target))}"><code>${wrappable(r.label)}</code></a></li>`)
      .join("")}</ul></div>`;
  }
}

/** Escaped, with a break opportunity after each dot and slash of a long name or path. */
function wrappable(s: string): string {
  return esc(s).replaceAll(".", ".<wbr>").replaceAll("/", "/<wbr>");
}

/** The visible "#" link to an element's own anchor. */
function permalink(id: string, what: string): string {
  return `<a class="permalink" href="#${esc(id)}" aria-label="Link to ${esc(what)}">#</a>`;
}

const badge = (text: string, cls = "") => `<span class="badge${cls ? ` ${cls}` : ""}">${esc(text)}</span>`;
const deprecatedBadge = (d: boolean) => (d ? ` ${badge("deprecated", "deprecated")}` : "");

function layout(o: {
  title: string;
  root: string;
  version: string;
  siteTitle: string;
  indexHref: string;
  nav: string;
  main: string;
  description?: string;
  page?: string;
}): string {
  return `<!doctype html>
<html lang="en" data-root="${esc(o.root)}" data-version="${esc(o.version)}"${o.page ? ` data-page="${esc(o.page)}"` : ""}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' file:; style-src 'self' file:; img-src 'self' file: https: data:; base-uri 'none'; form-action 'none'">
<meta name="generator" content="@acme/protoc-gen-doc">
${o.description ? `<meta name="description" content="${esc(o.description)}">\n` : ""}<title>${esc(o.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${o.root}assets/docs.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header" id="site-header">
<a class="brand" href="${o.indexHref}">${esc(o.siteTitle)}</a>
<span class="site-version" id="site-version">${esc(o.version ? `v${o.version.replace(/^v/, "")}` : "")}</span>
<label class="version-picker"><span class="visually-hidden">Documentation version</span><select id="version-switcher"><option value="" selected>${esc(o.version || "current")}</option></select></label>
<div class="search" role="search">
<label for="search-input" class="visually-hidden">Search names, comments and file names</label>
<input id="search-input" type="search" placeholder="Search (press /)" autocomplete="off" spellcheck="false" aria-describedby="search-status">
<div id="search-panel" hidden><ul id="search-results" aria-label="Search results"></ul></div>
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
        `<tr class="oneof-head" id="${esc(`${m.fullName}.${f.oneofdecl}`)}"><th scope="rowgroup" colspan="4">oneof <code>${esc(f.oneofdecl)}</code> <span class="hint">(at most one of these is set)</span>${o?.description ? `<div class="doc">${link.comment(o.description, m.fullName, 4)}</div>` : ""}</th></tr>`,
      );
    }
    openOneof = f.isoneof ? f.oneofdecl : "";
    rows.push(fieldRow(m, f, link));
  }
  return `<div class="table-wrap"><table class="fields cards">
<caption class="visually-hidden">Fields of ${esc(m.longName)}</caption>
<colgroup><col class="c-name"><col class="c-type"><col class="c-label"><col class="c-desc"></colgroup>
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
  const id = `${m.fullName}.${f.name}`;
  return `<tr id="${esc(id)}"${f.deprecated ? ' class="is-deprecated"' : ""}${f.isoneof ? ' data-oneof="true"' : ""}>
<td data-label="Field"><code class="name">${wrappable(f.name)}</code> <span class="number">= ${f.number}</span>${deprecatedBadge(f.deprecated)} ${permalink(id, `field ${f.name}`)}</td>
<td data-label="Type">${fieldType(f, link)}</td>
<td data-label="Label"${labels.length ? "" : ' class="empty-cell"'}>${labels.join(" ")}</td>
<td data-label="Description">${link.comment(f.description, m.fullName, 4)}${dflt}</td>
</tr>`;
}

/** Detached comments, each its own block before the element's own comment. */
function detached(comments: string[] | undefined, scope: string, link: Linker): string {
  return (comments ?? []).map((c) => `<div class="detached">${link.comment(c, scope, 4)}</div>\n`).join("");
}

function symbolHeading(kind: string, id: string, longName: string, deprecated: boolean): string {
  return `<h3 id="${esc(`h-${id}`)}"><span class="kind">${kind}</span> ${wrappable(longName)}${deprecatedBadge(deprecated)} ${permalink(id, `${kind} ${longName}`)}</h3>`;
}

function messageSection(m: Message, link: Linker): string {
  const exts = m.extensions.length ? `<h4>Extensions</h4>${extensionsTable(m.extensions, link)}` : "";
  return `<section class="symbol message${m.deprecated ? " is-deprecated" : ""}" id="${esc(m.fullName)}" aria-labelledby="${esc(`h-${m.fullName}`)}">
${symbolHeading("message", m.fullName, m.longName, m.deprecated)}
${detached(m.detachedComments, m.fullName, link)}${link.comment(m.description, m.fullName, 4)}
${fieldsTable(m, link)}
${exts}
${link.referencedBy(m.fullName)}
</section>`;
}

function extensionsTable(exts: File["extensions"], link: Linker): string {
  return `<div class="table-wrap"><table class="extensions cards">
<colgroup><col class="c-name"><col class="c-type"><col class="c-type"><col class="c-label"><col class="c-desc"></colgroup>
<thead><tr><th scope="col">Extension</th><th scope="col">Type</th><th scope="col">Extends</th><th scope="col">Number</th><th scope="col">Description</th></tr></thead>
<tbody>
${exts
  .map(
    (x) =>
      `<tr id="${esc(x.fullName)}"><td data-label="Extension"><code>${wrappable(x.longName.replace(/^\./, ""))}</code>${deprecatedBadge(x.deprecated)} ${permalink(x.fullName, `extension ${x.name}`)}</td><td data-label="Type">${x.label ? `${badge(x.label)} ` : ""}${link.type(x.longType, x.fullType)}</td><td data-label="Extends">${link.type(x.containingLongType, x.containingFullType)}</td><td data-label="Number">${x.number}</td><td data-label="Description">${link.comment(x.description, x.containingFullType, 4)}</td></tr>`,
  )
  .join("\n")}
</tbody></table></div>`;
}

function enumSection(e: Enum, link: Linker): string {
  return `<section class="symbol enum${e.deprecated ? " is-deprecated" : ""}" id="${esc(e.fullName)}" aria-labelledby="${esc(`h-${e.fullName}`)}">
${symbolHeading("enum", e.fullName, e.longName, e.deprecated)}
${detached(e.detachedComments, e.fullName, link)}${link.comment(e.description, e.fullName, 4)}
<div class="table-wrap"><table class="values cards">
<caption class="visually-hidden">Values of ${esc(e.longName)}</caption>
<colgroup><col class="c-value"><col class="c-label"><col class="c-desc"></colgroup>
<thead><tr><th scope="col">Name</th><th scope="col">Number</th><th scope="col">Description</th></tr></thead>
<tbody>
${e.values
  .map((v) => {
    const id = `${e.fullName}.${v.name}`;
    return `<tr id="${esc(id)}"${v.deprecated ? ' class="is-deprecated"' : ""}><td data-label="Name"><code>${wrappable(v.name)}</code>${deprecatedBadge(v.deprecated)} ${permalink(id, `value ${v.name}`)}</td><td data-label="Number">${esc(v.number)}</td><td data-label="Description">${link.comment(v.description, e.fullName, 4)}</td></tr>`;
  })
  .join("\n")}
</tbody></table></div>
${link.referencedBy(e.fullName)}
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
  const idem =
    typeof m.options?.idempotency_level === "string"
      ? ` ${badge(String(m.options.idempotency_level).toLowerCase().replace(/_/g, " "), "idempotency")}`
      : "";
  const http = m.http
    ? `<ul class="http" aria-label="HTTP bindings">${m.http.rules.map((r) => `<li><span class="verb">${esc(r.method)}</span> <code>${wrappable(r.pattern)}</code>${r.body ? ` <span class="hint">body: <code>${esc(r.body)}</code></span>` : ""}</li>`).join("")}</ul>`
    : "";
  return `<section class="method${m.deprecated ? " is-deprecated" : ""}" id="${esc(id)}" aria-labelledby="${esc(`h-${id}`)}">
<h4 id="${esc(`h-${id}`)}">${esc(m.name)} ${badge(streamingOf(m), m.requestStreaming || m.responseStreaming ? "streaming" : "unary")}${idem}${deprecatedBadge(m.deprecated)} ${permalink(id, `method ${m.name}`)}</h4>
<p class="signature"><code><span class="kw">rpc</span> ${esc(m.name)}(</code>${req}<code>) <span class="kw">returns</span> (</code>${res}<code>)</code></p>
${http}
${link.comment(m.description, s.fullName, 5)}
</section>`;
}

function serviceSection(s: Service, link: Linker): string {
  return `<section class="symbol service${s.deprecated ? " is-deprecated" : ""}" id="${esc(s.fullName)}" aria-labelledby="${esc(`h-${s.fullName}`)}">
${symbolHeading("service", s.fullName, s.longName, s.deprecated)}
${detached(s.detachedComments, s.fullName, link)}${link.comment(s.description, s.fullName, 4)}
${s.methods.map((m) => methodSection(s, m, link)).join("\n")}
</section>`;
}

// Collapsed by default, so a phone shows the content first; the script opens
// it on wide screens, where it is a sidebar.
function sidebar(label: string, summary: string, body: string): string {
  return `<nav class="sidebar" aria-label="${esc(label)}">
<details class="contents"><summary>${esc(summary)}</summary>
${body}
</details>
</nav>`;
}

function packageNav(p: PackageDocs, indexHref: string): string {
  const list = (title: string, items: { fullName: string; longName: string; deprecated: boolean }[]) =>
    items.length
      ? `<h2>${title}</h2><ul>${items.map((i) => `<li><a href="#${esc(i.fullName)}"${i.deprecated ? ' class="is-deprecated"' : ""}>${wrappable(i.longName)}</a></li>`).join("")}</ul>`
      : "";
  return sidebar(
    `Contents of ${p.name}`,
    "Contents",
    `<p><a href="${indexHref}">All packages</a></p>
${list("Services", p.services)}${list("Messages", p.messages)}${list("Enums", p.enums)}`,
  );
}

const fileAnchor = (name: string) => `file:${name}`;

function packagePage(p: PackageDocs, symbols: SymbolTable, refs: Map<string, Reference[]>, opts: SiteOptions): string {
  const page = pagePath(p.name);
  const link = new Linker(symbols, "../", page, refs);
  const npm = opts.npm?.[p.name];
  let install = "";
  if (npm) {
    const topMessage = p.messages.find((m) => !m.longName.includes("."));
    const sample = p.services[0]
      ? clientSample(npm, p.services[0])
      : topMessage
        ? messageSample(npm, topMessage.name)
        : "";
    install = `<section id="install" aria-labelledby="h-install">
<h2 id="h-install">Install</h2>
<div class="snippet"><pre class="code"><code>${esc(installSnippet(npm, opts.version))}</code></pre><button type="button" class="copy" hidden>Copy</button></div>
${sample ? `<h3>Use it</h3>\n<pre class="code"><code class="language-ts">${esc(sample)}</code></pre>` : ""}
</section>`;
  }
  const files = `<section id="files" aria-labelledby="h-files"><h2 id="h-files">Files</h2><ul>${p.files
    .map(
      (f) =>
        `<li id="${esc(fileAnchor(f.name))}"><code>${wrappable(f.name)}</code> <span class="hint">${esc(f.syntax === "editions" ? `edition ${f.edition}` : f.syntax)}</span>${deprecatedBadge(f.deprecated)}${f.description ? `<div class="doc">${link.comment(f.description, p.name, 3)}</div>` : ""}</li>`,
    )
    .join("")}</ul></section>`;
  const section = (id: string, title: string, body: string[]) =>
    body.length
      ? `<section id="${id}" aria-labelledby="h-${id}"><h2 id="h-${id}">${title}</h2>\n${body.join("\n")}\n</section>`
      : "";
  const main = `<h1 id="top"><span class="kind">package</span> ${wrappable(p.name || "(no package)")}${deprecatedBadge(p.deprecated)}</h1>
${link.comment(p.description, p.name, 2)}
${install}
${section(
  "services",
  "Services",
  p.services.map((s) => serviceSection(s, link)),
)}
${section(
  "messages",
  "Messages",
  p.messages.map((m) => messageSection(m, link)),
)}
${section(
  "enums",
  "Enums",
  p.enums.map((e) => enumSection(e, link)),
)}
${p.extensions.length ? `<section id="extensions" aria-labelledby="h-extensions"><h2 id="h-extensions">Extensions</h2>${extensionsTable(p.extensions, link)}</section>` : ""}
${files}`;
  return sitePage(opts, {
    title: p.name,
    root: "../",
    nav: packageNav(p, `../${opts.indexFile}`),
    main,
    description: summaryOf(p.description),
    page: "package",
  });
}

const siteTitle = (opts: SiteOptions) => opts.title ?? "API reference";

/**
 * A page of the site: the layout with the site's title, version and index link filled in from the options.
 * `root` leads from the page back to the site root; `title` (if any) comes before the site's title.
 */
function sitePage(
  opts: SiteOptions,
  o: { title?: string; root: string; nav: string; main: string; description?: string; page: string },
): string {
  const site = siteTitle(opts);
  return layout({
    ...o,
    title: o.title === undefined ? site : `${o.title} · ${site}`,
    version: opts.version ?? "",
    siteTitle: site,
    indexHref: `${o.root}${opts.indexFile}`,
  });
}

function indexPage(pkgs: PackageDocs[], symbols: SymbolTable, opts: SiteOptions): string {
  const link = new Linker(symbols, "", opts.indexFile);
  const items = pkgs
    .map((p) => {
      const npm = opts.npm?.[p.name];
      const services = p.services.length
        ? `<ul class="services">${p.services.map((s) => `<li><a href="${pagePath(p.name)}#${esc(s.fullName)}"><code>${esc(s.name)}</code></a>${deprecatedBadge(s.deprecated)}${s.description ? ` <span class="summary">${esc(summaryOf(plainText(s.description)))}</span>` : ""}</li>`).join("")}</ul>`
        : "";
      return `<li class="package"><h3><a href="${pagePath(p.name)}">${wrappable(p.name || "(no package)")}</a>${deprecatedBadge(p.deprecated)}</h3>
${npm ? `<p class="npm"><code>${esc(npm.npm)}${npm.subpath === "." ? "" : esc(npm.subpath.slice(1))}</code></p>` : ""}
${link.comment(p.description, p.name, 4)}
<p class="counts">${p.services.length} services · ${p.messages.length} messages · ${p.enums.length} enums</p>
${services}
</li>`;
    })
    .join("\n");
  const main = `<h1>${esc(siteTitle(opts))}</h1>
<p>${pkgs.length} packages, ${pkgs.reduce((n, p) => n + p.services.length, 0)} services. Search names, comments and file names with the box above, or press <kbd>/</kbd>.</p>
<section aria-labelledby="h-packages"><h2 id="h-packages">Packages</h2>
<ul class="packages">
${items}
</ul></section>
<p><a href="scalars.html">Scalar value types</a></p>`;
  const nav = sidebar(
    "Packages",
    "Packages",
    `<ul>${pkgs.map((p) => `<li><a href="${pagePath(p.name)}">${wrappable(p.name || "(no package)")}</a></li>`).join("")}</ul>`,
  );
  return sitePage(opts, { root: "", nav, main, page: "index" });
}

function scalarsPage(model: Template, opts: SiteOptions): string {
  const cols: [string, keyof Template["scalarValueTypes"][number]][] = [
    ["Notes", "notes"],
    ["C++", "cppType"],
    ["Java", "javaType"],
    ["Python", "pythonType"],
    ["Go", "goType"],
    ["C#", "csType"],
    ["PHP", "phpType"],
    ["Ruby", "rubyType"],
  ];
  const rows = model.scalarValueTypes
    .map(
      (s) =>
        `<tr id="${esc(s.protoType)}"><th scope="row" data-label=".proto type"><code>${esc(s.protoType)}</code></th>${cols.map(([label, key]) => `<td data-label="${esc(label)}"${s[key] ? "" : ' class="empty-cell"'}>${esc(s[key])}</td>`).join("")}</tr>`,
    )
    .join("\n");
  const main = `<h1>Scalar value types</h1>
<div class="table-wrap"><table class="scalars cards"><thead><tr><th scope="col">.proto type</th>${cols.map(([label]) => `<th scope="col">${esc(label)}</th>`).join("")}</tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
  const nav = `<nav class="sidebar" aria-label="Site"><p><a href="${opts.indexFile}">All packages</a></p></nav>`;
  return sitePage(opts, { title: "Scalar value types", root: "", nav, main, page: "scalars" });
}

// A script, not JSON: fetch() is blocked on file://. "<" is escaped so no
// "</script>" or "<!--" can appear.
const asScript = (name: string, value: unknown) =>
  `window.${name}=${JSON.stringify(value).replace(/</g, "\\u003c")};\n`;

/**
 * The search index: [kind, name, full name, href from the site root, text],
 * where text is the element's comment as plain text (file rows: the file's
 * comment). Names rank before comments in the page's search.
 */
function searchIndex(pkgs: PackageDocs[]): string {
  const rows: [string, string, string, string, string][] = [];
  const text = (d: string) => (d ? plainText(d) : "");
  for (const p of pkgs) {
    const page = pagePath(p.name);
    rows.push(["package", p.name, p.name, page, text(p.description)]);
    for (const f of p.files)
      rows.push([
        "file",
        f.name.slice(f.name.lastIndexOf("/") + 1),
        f.name,
        `${page}#${fileAnchor(f.name)}`,
        text(f.description),
      ]);
    for (const s of p.services) {
      rows.push(["service", s.name, s.fullName, `${page}#${s.fullName}`, text(s.description)]);
      for (const m of s.methods)
        rows.push([
          "method",
          m.name,
          `${s.fullName}.${m.name}`,
          `${page}#${s.fullName}.${m.name}`,
          text(m.description),
        ]);
    }
    for (const m of p.messages) {
      rows.push(["message", m.longName, m.fullName, `${page}#${m.fullName}`, text(m.description)]);
      for (const f of m.fields)
        rows.push(["field", f.name, `${m.fullName}.${f.name}`, `${page}#${m.fullName}.${f.name}`, text(f.description)]);
    }
    for (const e of p.enums) {
      rows.push(["enum", e.longName, e.fullName, `${page}#${e.fullName}`, text(e.description)]);
      for (const v of e.values)
        rows.push(["value", v.name, `${e.fullName}.${v.name}`, `${page}#${e.fullName}.${v.name}`, text(v.description)]);
    }
  }
  return asScript("__PGD_SEARCH__", rows);
}

/**
 * The Go plugin's anchors (one index.html: #<full name>, #<file name>,
 * #<file>-extensions, #<scalar>, #scalar-value-types) mapped to where each now
 * lives, so index.html#google.pubsub.v1.Topic still lands on Topic. Loaded by
 * the index page only when its hash names nothing on it.
 */
function goAnchors(pkgs: PackageDocs[], model: Template, symbols: SymbolTable): string {
  const map: Record<string, string> = { "scalar-value-types": "scalars.html" };
  for (const s of model.scalarValueTypes) map[s.protoType] = `scalars.html#${s.protoType}`;
  for (const p of pkgs) {
    const page = pagePath(p.name);
    for (const f of p.files) {
      map[f.name] = `${page}#${fileAnchor(f.name)}`;
      if (f.extensions.length) map[`${f.name}-extensions`] = `${page}#extensions`;
      for (const m of f.messages) map[m.fullName] = symbols.get(m.fullName) ?? `${page}#${m.fullName}`;
      for (const e of f.enums) map[e.fullName] = `${page}#${e.fullName}`;
      for (const s of f.services) map[s.fullName] = `${page}#${s.fullName}`;
      for (const x of f.extensions) map[x.fullName] = `${page}#${x.fullName}`;
    }
  }
  return asScript("__PGD_GO_ANCHORS__", map);
}

export function renderSite(model: Template, opts: SiteOptions): SiteFile[] {
  const pkgs = groupPackages(model);
  const symbols = symbolTable(pkgs);
  const refs = referencesOf(pkgs, symbols);
  return [
    { name: opts.indexFile, content: indexPage(pkgs, symbols, opts) },
    { name: "scalars.html", content: scalarsPage(model, opts) },
    ...pkgs
      .filter((p) => !opts.only || opts.only.has(p.name))
      .map((p) => ({ name: pagePath(p.name), content: packagePage(p, symbols, refs, opts) })),
    { name: "assets/docs.css", content: SITE_CSS },
    { name: "assets/docs.js", content: siteScript() },
    { name: "assets/search-index.js", content: searchIndex(pkgs) },
    { name: "assets/go-anchors.js", content: goAnchors(pkgs, model, symbols) },
  ];
}
