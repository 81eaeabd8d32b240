// The site's only stylesheet and script, shipped as files next to the pages
// (no CDN, no inline code: the pages' CSP allows 'self' only).
import { readPackageFile } from "../package-files.js";

export const SITE_CSS = `:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--accent:#0b5cad;--warn:#9a6700;--bad:#b42318;--focus:#1a73e8;--kw:#8250df;--stream:#6639ba;--hit:#e7f0fb;--target:#fff8c5;--oneof:#f0f4ff;--header-bg:#0d1b2a;--header-fg:#fff;--header-h:4rem}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--panel:#161b22;--line:#3d444d;--accent:#6cb6ff;--warn:#e3b341;--bad:#ff7b72;--focus:#79c0ff;--kw:#d2a8ff;--stream:#d2a8ff;--hit:#1f2d3d;--target:#3b2e00;--oneof:#161f33;--header-bg:#010409}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;scroll-padding-top:calc(var(--header-h) + .5rem)}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible,main:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
code,pre,kbd{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
code{overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
pre.code{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.75rem;margin:.5rem 0}
.snippet{position:relative}
.snippet pre.code{padding-right:4.5rem}
.copy{position:absolute;top:.4rem;right:.4rem;font:inherit;font-size:.8rem;padding:.15rem .5rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg);cursor:pointer}
.skip-link{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem;z-index:10}
.skip-link:focus{left:.5rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.site-header{position:sticky;top:0;z-index:5;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.5rem 1rem;background:var(--header-bg);color:var(--header-fg)}
.site-header a{color:var(--header-fg)}
.brand{font-weight:700;text-decoration:none}
.site-version{font-size:.85rem;padding:.1rem .4rem;border:1px solid #8aa;border-radius:4px}
.site-version:empty{display:none}
.version-picker select{font:inherit;font-size:.85rem;max-width:14rem}
.search{position:relative;flex:1 1 16rem;max-width:32rem;margin-left:auto}
.search input{width:100%;font:inherit;padding:.35rem .6rem;border-radius:6px;border:1px solid var(--line);background:var(--bg);color:var(--fg)}
#search-panel{position:absolute;left:0;right:0;top:100%;margin:.25rem 0 0;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:6px;max-height:70vh;overflow-y:auto;box-shadow:0 8px 24px rgba(0,0,0,.25)}
#search-results{list-style:none;margin:0;padding:0}
#search-results li a{display:block;padding:.35rem .6rem;color:var(--fg);text-decoration:none;border-bottom:1px solid var(--panel)}
#search-results li a:hover,#search-results li a:focus{background:var(--hit)}
#search-results .k{display:inline-block;min-width:4.5rem;font-size:.75rem;color:var(--muted);text-transform:uppercase}
#search-results .full,#search-results .snip{display:block;font-size:.8rem;color:var(--muted);overflow-wrap:anywhere}
#search-results mark{background:var(--target);color:inherit}
#search-results .none{padding:.5rem .6rem;color:var(--muted)}
.layout{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem;max-width:80rem;margin:0 auto;padding:0 1rem}
@media (min-width:60rem){.layout{grid-template-columns:16rem minmax(0,1fr)}.sidebar{position:sticky;top:calc(var(--header-h) + .5rem);max-height:calc(100vh - var(--header-h) - 1rem);overflow-y:auto}}
.sidebar{font-size:.9rem;padding-top:1rem;min-width:0}
.sidebar summary{cursor:pointer;font-weight:600}
.sidebar h2{font-size:.8rem;text-transform:uppercase;color:var(--muted);margin:1rem 0 .25rem}
.sidebar ul{list-style:none;padding:0;margin:0}
.sidebar li a{display:block;padding:.1rem 0;overflow-wrap:anywhere}
main{min-width:0;padding-bottom:3rem;overflow-wrap:anywhere}
h1{font-size:1.7rem}
h2{border-bottom:1px solid var(--line);padding-bottom:.25rem;margin-top:2rem}
.kind{font-size:.75rem;font-weight:600;text-transform:uppercase;color:var(--muted);letter-spacing:.03em}
.symbol{margin:1.5rem 0;padding-top:.25rem}
.method{margin:1rem 0 1rem .5rem;padding-left:.75rem;border-left:3px solid var(--line)}
.signature code{white-space:pre-wrap}
.kw{color:var(--kw)}
.permalink{margin-left:.25rem;font-weight:400;font-size:.85rem;color:var(--muted);text-decoration:none}
.permalink:hover,.permalink:focus{color:var(--accent);text-decoration:underline}
section:target>h3,section:target>h4,tr:target,li:target{background:var(--target)}
.badge{display:inline-block;font-size:.72rem;font-weight:600;line-height:1.4;padding:0 .4rem;border-radius:999px;border:1px solid var(--line);color:var(--muted);vertical-align:middle;white-space:nowrap}
td .badge,th .badge{white-space:normal;overflow-wrap:anywhere}
.badge.deprecated{color:var(--bad);border-color:var(--bad)}
.badge.streaming{color:var(--stream);border-color:var(--stream)}
.badge.required{color:var(--warn);border-color:var(--warn)}
.is-deprecated>td:first-child code.name,a.is-deprecated{text-decoration:line-through}
.refs{font-size:.9rem;color:var(--muted);margin:.5rem 0}
.refs-title{margin:.25rem 0;font-weight:600}
.refs ul{margin:0;padding-left:1.25rem}
table{border-collapse:collapse;width:100%;font-size:.92rem;table-layout:fixed}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
thead th{background:var(--panel)}
col.c-name{width:24%}col.c-type{width:22%}col.c-label{width:12%}col.c-value{width:38%}
td p{margin:0 0 .4rem}td p:last-child{margin-bottom:0}
tr.oneof-head th{background:var(--oneof);font-weight:600}
tr[data-oneof] td:first-child{padding-left:1.5rem}
.number,.hint,.counts,.summary{color:var(--muted);font-size:.85rem}
.packages{list-style:none;padding:0}
.package{border:1px solid var(--line);border-radius:8px;padding:.25rem 1rem;margin:1rem 0}
.package h3{margin:.5rem 0}
.http{list-style:none;padding:0;margin:.25rem 0}
.verb{font-weight:700;font-size:.8rem}
.site-footer{border-top:1px solid var(--line);color:var(--muted);font-size:.85rem;padding:1rem;text-align:center}
@media (max-width:40rem){
body{font-size:15px}
.layout{padding:0 .75rem}
.search{flex-basis:100%;max-width:none}
table.cards,table.cards tbody,table.cards tr,table.cards td,table.cards th{display:block;width:auto}
table.cards thead,table.cards colgroup{display:none}
table.cards tr{border:1px solid var(--line);border-radius:6px;margin:.6rem 0;padding:.3rem .6rem}
table.cards td,table.cards th{border:0;padding:.15rem 0}
table.cards td[data-label]::before,table.cards th[data-label]::before{content:attr(data-label);display:block;font-size:.72rem;font-weight:600;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
table.cards td[data-label="Field"]::before,table.cards td[data-label="Name"]::before,table.cards td[data-label="Extension"]::before{display:none}
table.cards td.empty-cell{display:none}
table.cards tr.oneof-head{background:var(--oneof)}
tr[data-oneof] td:first-child{padding-left:0}
tr[data-oneof]{margin-left:.75rem}
.method{margin-left:0;padding-left:.5rem}
}
`;

/** The site's script: src/site/browser.js, shipped as it is (a real file, linted and type-checked). */
export function siteScript(): string {
  return readPackageFile("src/site/browser.js");
}
