import MarkdownIt from "markdown-it";

// html: false makes markdown-it escape every tag in a comment, and its
// validateLink refuses javascript:, vbscript:, file: and data: (but images)
// URLs, so nothing written in a .proto comment can run in the page.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
// Only links with a scheme: in API comments "pubsub.googleapis.com/Topic" is
// a resource name, not a link.
// The same for "//host/path" (full resource names start so) and mail/ftp.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: false }).add("//", null).add("mailto:", null).add("ftp:", null);

// Links from comments leave the docs: open them without handing over the opener.
const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const href = tokens[idx].attrGet("href") ?? "";
  if (/^https?:/i.test(href)) tokens[idx].attrSet("rel", "noopener noreferrer");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

export interface CommentContext {
  /** The href of a documented protobuf name (e.g. google.pubsub.v1.Topic), if any. */
  resolve?: (name: string) => string | undefined;
  /** The heading level a comment's top heading takes: one below the element's own heading. */
  headingLevel?: number;
}

// Most comments are plain sentences, maybe with `code` spans; rendering those
// without the Markdown parser keeps a googleapis-sized site fast (the parser was
// most of the plugin's time). Anything that could be other Markdown (or HTML)
// takes the full, safe path. Both paths give the same HTML for what the fast
// one accepts (tested).
const PLAIN = /^[\p{L}\p{N} .,;:'"()?!/=%+\n_{}@$^#-]*$/u;
// ...except lists, setext headings and rules, indented code, bare URLs (the
// parser links them), and "_" that could open or close emphasis.
const PLAIN_BUT_MARKDOWN =
  /^\s*(\d+[.)]\s|[-+]\s|=+\s*$|-+\s*$|#)|^ {4}| {2}$|^[ \t]+$|https?:|www\.|(^|[^\p{L}\p{N}])_|_($|[^\p{L}\p{N}])/mu;
// markdown-it's text escaping (it leaves ' alone), so both paths agree byte for byte.
const TEXT_ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const escapeText = (s: string) => s.replace(/[&<>"]/g, (c) => TEXT_ESC[c]);

function plainParagraphs(text: string): string | undefined {
  const parts = text.split("`");
  if (parts.length % 2 === 0) return undefined; // an unclosed backtick
  let html = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i % 2 === 1) {
      // A one-backtick code span on one line, as markdown-it renders it.
      if (!part || part.includes("\n")) return undefined;
      const inner = part.startsWith(" ") && part.endsWith(" ") && part.trim() ? part.slice(1, -1) : part;
      html += `<code>${escapeText(inner)}</code>`;
    } else {
      if (!PLAIN.test(part) || PLAIN_BUT_MARKDOWN.test(part)) return undefined;
      html += escapeText(part);
    }
  }
  return html
    .split(/\n{2,}/)
    .map((p) => `<p>${p.trim().replace(/ *\n */g, "\n")}</p>`)
    .join("\n");
}

// protobuf's cross-reference forms in comments (as in googleapis):
// [Text][google.pubsub.v1.Topic] and [google.pubsub.v1.Topic][]. The text may
// hold code spans and line breaks. Code spans and fences are matched first so
// that a reference inside code stays code.
const REFERENCE = /(```[\s\S]*?```|`[^`\n]*`)|\[((?:[^[\]`]|`[^`\n]*`)+)\]\[([A-Za-z_][\w.]*)?\]/g;

/** Turns resolvable references into Markdown links, outside code spans and fences. */
export function linkReferences(text: string, resolve: (name: string) => string | undefined): string {
  if (!text.includes("][")) return text;
  return text.replace(
    REFERENCE,
    (whole, code: string | undefined, label: string | undefined, target: string | undefined) => {
      if (code !== undefined || label === undefined) return whole;
      const name = target ?? label.trim();
      if (!/^[A-Za-z_][\w.]*$/.test(name)) return whole;
      const href = resolve(name);
      if (!href) return whole;
      return `[${target ? label : `\`${label}\``}](${href})`;
    },
  );
}

/** Shifts a comment's headings so that its top one lands on `level` (at most h6). */
function demoteHeadings(tokens: ReturnType<typeof md.parse>, level: number): void {
  let top = 7;
  for (const t of tokens) if (t.type === "heading_open") top = Math.min(top, Number(t.tag.slice(1)));
  if (top === 7) return;
  for (const t of tokens) {
    if (t.type === "heading_open" || t.type === "heading_close") {
      t.tag = `h${Math.min(6, Number(t.tag.slice(1)) - top + level)}`;
    }
  }
}

/** A comment as safe HTML: Markdown rendered, raw HTML shown as text, references linked, headings demoted. */
export function renderComment(text: string, ctx: CommentContext = {}): string {
  if (!text) return "";
  if (!text.includes("][")) {
    const fast = plainParagraphs(text);
    if (fast !== undefined) return fast;
  }
  return renderMarkdown(text, ctx);
}

/** The full path: markdown-it, references linked, headings demoted. */
export function renderMarkdown(text: string, ctx: CommentContext = {}): string {
  const source = ctx.resolve ? linkReferences(text, ctx.resolve) : text;
  const env = {};
  const tokens = md.parse(source, env);
  demoteHeadings(tokens, ctx.headingLevel ?? 4);
  return md.renderer.render(tokens, md.options, env).trim();
}

/** The first sentence-ish line of a comment, as plain text, for summaries. */
export function summaryOf(text: string): string {
  const first = text
    .split(/\n\s*\n/)[0]
    .replace(/\s+/g, " ")
    .trim();
  return first.length > 200 ? `${first.slice(0, 197)}…` : first;
}

/** A comment as plain searchable text: Markdown link targets, emphasis and code marks dropped. */
export function plainText(text: string): string {
  return text
    .replace(REFERENCE, (whole, code: string | undefined, label: string | undefined) =>
      code === undefined && label !== undefined ? label : whole,
    )
    .replace(/\]\([^)\s]*\)/g, "]")
    .replace(/[`*_#>[\]]+/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
