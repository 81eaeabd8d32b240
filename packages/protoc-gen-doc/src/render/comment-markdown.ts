import MarkdownIt from "markdown-it";

// html: false makes markdown-it escape every tag in a comment, and its
// validateLink refuses javascript:, vbscript:, file: and data: (but images)
// URLs, so nothing written in a .proto comment can run in the page.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

// Links from comments leave the docs: open them without handing over the opener.
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const href = tokens[idx].attrGet("href") ?? "";
  if (/^https?:/i.test(href)) tokens[idx].attrSet("rel", "noopener noreferrer");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

// Most comments are plain sentences; rendering those without the Markdown
// parser keeps a 4,000-message site fast. Anything that could be Markdown
// (or HTML) takes the full, safe path.
const PLAIN = /^[\p{L}\p{N} .,;:'"()?!\/=%+\n]*$/u;

/** A comment as safe HTML: Markdown rendered, raw HTML shown as text. */
export function renderComment(text: string): string {
  if (!text) return "";
  if (PLAIN.test(text) && !/^\s*\d+[.)]\s/m.test(text)) {
    return text
      .split(/\n{2,}/)
      .map((p) => `<p>${escapeHtml(p.trim())}</p>`)
      .join("\n");
  }
  return md.render(text).trim();
}

/** The first sentence-ish line of a comment, as plain text, for summaries. */
export function summaryOf(text: string): string {
  const first = text.split(/\n\s*\n/)[0].replace(/\s+/g, " ").trim();
  return first.length > 200 ? `${first.slice(0, 197)}…` : first;
}
