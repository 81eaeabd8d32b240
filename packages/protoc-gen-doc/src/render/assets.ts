// The site's only stylesheet and script, shipped as files next to the pages
// (no CDN, no inline code: the pages' CSP allows 'self' only).

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

// Plain ES2017, no template strings: it runs as-is in any current browser.
export const SITE_JS = `(function () {
  "use strict";
  var html = document.documentElement;
  var rootRel = html.getAttribute("data-root") || "";
  var version = html.getAttribute("data-version") || "";
  var siteRoot = new URL(rootRel || "./", location.href);

  function loadScript(url, done) {
    var s = document.createElement("script");
    s.src = url;
    s.onload = function () { done(true); };
    s.onerror = function () { done(false); };
    document.head.appendChild(s);
  }

  // ---- version switcher: fed by the docs tree's versions.js (versions.json as a script, for file://)
  var select = document.getElementById("version-switcher");
  var rootDir = siteRoot.pathname.replace(/\\/$/, "").split("/").pop();
  var published = rootDir === "latest" || /^v\\d+\\.\\d+\\.\\d+/.test(rootDir);
  if (select && published) {
    var treeRoot = new URL("../", siteRoot);
    loadScript(new URL("versions.js", treeRoot).href, function (ok) {
      var list = ok && Array.isArray(window.__PGD_VERSIONS__) ? window.__PGD_VERSIONS__ : null;
      if (!list || !list.length) return;
      select.textContent = "";
      var latest = list.filter(function (v) { return v.latest; })[0];
      if (latest) {
        var lo = new Option("latest (" + latest.version + ")", "latest/");
        lo.selected = rootDir === "latest";
        select.appendChild(lo);
      }
      list.forEach(function (v) {
        var label = v.version + (v.prerelease ? " (pre-release)" : "");
        var o = new Option(label, v.path);
        o.selected = rootDir !== "latest" && v.path === rootDir + "/";
        select.appendChild(o);
      });
      select.addEventListener("change", function () {
        var page = location.pathname.slice(siteRoot.pathname.length);
        location.href = new URL(select.value + page + location.hash, treeRoot).href;
      });
    });
  }

  // ---- layout: the header's real height (it wraps on phones) keeps anchors
  // from landing under it; the contents list is open only where it is a sidebar.
  var header = document.getElementById("site-header");
  function fitHeader() {
    if (header) html.style.setProperty("--header-h", header.offsetHeight + "px");
  }
  fitHeader();
  window.addEventListener("resize", fitHeader);
  if (location.hash.length > 1) {
    var landed = document.getElementById(decodeHash(location.hash));
    if (landed) landed.scrollIntoView();
  }
  var wide = window.matchMedia("(min-width: 60rem)");
  var contents = document.querySelectorAll("details.contents");
  function fitContents() {
    for (var i = 0; i < contents.length; i++) contents[i].open = wide.matches;
  }
  fitContents();
  if (wide.addEventListener) wide.addEventListener("change", fitContents);

  function decodeHash(h) {
    try { return decodeURIComponent(h.slice(1)); } catch (e) { return h.slice(1); }
  }

  // ---- the Go plugin's anchors: index.html#<full.name> (one page for all) redirects to the element's page
  if (html.getAttribute("data-page") === "index") {
    var goRedirect = function () {
      var id = decodeHash(location.hash);
      if (!id || document.getElementById(id)) return;
      loadScript(new URL("assets/go-anchors.js", siteRoot).href, function () {
        var map = window.__PGD_GO_ANCHORS__ || {};
        if (Object.prototype.hasOwnProperty.call(map, id)) location.replace(new URL(map[id], siteRoot).href);
      });
    };
    goRedirect();
    window.addEventListener("hashchange", goRedirect);
  }

  // ---- copy buttons on install snippets
  if (navigator.clipboard) {
    Array.prototype.forEach.call(document.querySelectorAll(".snippet"), function (box) {
      var button = box.querySelector("button.copy");
      var code = box.querySelector("pre");
      if (!button || !code) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(code.textContent).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 1500);
        }, function () { button.textContent = "Copy failed"; });
      });
    });
  }

  // ---- search: names, comments and file names; the index loads on first use, so pages stay light
  var input = document.getElementById("search-input");
  var panel = document.getElementById("search-panel");
  var results = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var index = null;
  var loading = false;
  var KIND_RANK = { package: 0, service: 1, file: 2, method: 3, message: 4, enum: 5, field: 6, value: 7 };
  var pending = [];

  function ensureIndex(then) {
    if (index) return then();
    pending.push(then);
    if (loading) return;
    loading = true;
    loadScript(new URL("assets/search-index.js", siteRoot).href, function () {
      index = (window.__PGD_SEARCH__ || []).map(function (r) {
        var text = r[4] || "";
        return { kind: r[0], name: r[1], full: r[2], href: r[3], text: text, lname: r[1].toLowerCase(), lfull: r[2].toLowerCase(), ltext: text.toLowerCase() };
      });
      loading = false;
      var waiting = pending; pending = [];
      waiting.forEach(function (f) { f(); });
    });
  }

  // Lower is better: 0-3 match the name, 4 the full name, 5 the comment.
  function score(e, q, terms) {
    if (e.lname === q) return 0;
    if (e.lname.indexOf(q) === 0) return 1;
    if (e.lname.indexOf(q) > 0) return 2;
    if (e.lfull.indexOf(q) >= 0) return 3;
    var inNames = true, anywhere = true;
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      if (e.lfull.indexOf(t) < 0) { inNames = false; if (e.ltext.indexOf(t) < 0) { anywhere = false; break; } }
    }
    if (inNames) return 4;
    return anywhere ? 5 : -1;
  }

  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var terms = q.split(/\\s+/);
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var s = score(index[i], q, terms);
      if (s >= 0) hits.push({ e: index[i], s: s, terms: terms });
    }
    hits.sort(function (a, b) {
      return a.s - b.s || KIND_RANK[a.e.kind] - KIND_RANK[b.e.kind] || a.e.full.length - b.e.full.length || (a.e.full < b.e.full ? -1 : 1);
    });
    return hits.slice(0, 50);
  }

  // The comment around the first term, with the terms marked (built as DOM nodes, never as HTML).
  function snippet(e, terms) {
    var at = -1, len = 0;
    for (var i = 0; i < terms.length && at < 0; i++) { at = e.ltext.indexOf(terms[i]); len = terms[i].length; }
    var span = document.createElement("span");
    span.className = "snip";
    if (at < 0) return span;
    var from = Math.max(0, at - 60), to = Math.min(e.text.length, at + len + 80);
    if (from > 0) span.appendChild(document.createTextNode("…"));
    span.appendChild(document.createTextNode(e.text.slice(from, at)));
    var mark = document.createElement("mark");
    mark.textContent = e.text.slice(at, at + len);
    span.appendChild(mark);
    span.appendChild(document.createTextNode(e.text.slice(at + len, to) + (to < e.text.length ? "…" : "")));
    return span;
  }

  function render() {
    var q = input.value;
    results.textContent = "";
    if (!q.trim()) { close(); return; }
    var hits = search(q);
    hits.forEach(function (h) {
      var e = h.e;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = new URL(e.href, siteRoot).href;
      a.className = "hit" + (h.s === 5 ? " in-comment" : "");
      var k = document.createElement("span"); k.className = "k"; k.textContent = e.kind;
      var n = document.createElement("span"); n.className = "n"; n.textContent = e.name;
      var f = document.createElement("span"); f.className = "full"; f.textContent = e.full;
      a.appendChild(k); a.appendChild(n); a.appendChild(f);
      if (h.s === 5) a.appendChild(snippet(e, h.terms));
      a.addEventListener("click", function () { close(); });
      li.appendChild(a);
      results.appendChild(li);
    });
    if (!hits.length) {
      var none = document.createElement("li");
      none.className = "none"; none.textContent = "No matches";
      results.appendChild(none);
    }
    panel.hidden = false;
    status.textContent = hits.length === 50 ? "50 or more results" : hits.length + " results";
  }

  function close() {
    panel.hidden = true;
  }

  function links() { return Array.prototype.slice.call(results.querySelectorAll("a.hit")); }

  if (input && results && panel) {
    input.addEventListener("focus", function () { ensureIndex(function () {}); });
    input.addEventListener("input", function () { ensureIndex(render); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { var l = links(); if (l.length) { ev.preventDefault(); l[0].focus(); } }
      else if (ev.key === "Enter") { var first = links()[0]; if (first) { ev.preventDefault(); close(); location.href = first.href; } }
      else if (ev.key === "Escape") { close(); }
    });
    results.addEventListener("keydown", function (ev) {
      var l = links(); var i = l.indexOf(document.activeElement);
      if (ev.key === "ArrowDown" && i < l.length - 1) { ev.preventDefault(); l[i + 1].focus(); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); if (i > 0) l[i - 1].focus(); else input.focus(); }
      else if (ev.key === "Escape") { close(); input.focus(); }
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "/" && document.activeElement !== input && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) { ev.preventDefault(); input.focus(); }
    });
    document.addEventListener("click", function (ev) { if (!ev.target.closest(".search")) close(); });
  }
})();
`;
