// The site's only stylesheet and script, shipped as files next to the pages
// (no CDN, no inline code: the pages' CSP allows 'self' only).

export const SITE_CSS = `:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--accent:#0b5cad;--warn:#9a6700;--bad:#b42318;--focus:#1a73e8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible,main:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
code,pre,kbd{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
pre.code{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.75rem;overflow-x:auto}
.skip-link{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem;z-index:10}
.skip-link:focus{left:.5rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.site-header{position:sticky;top:0;z-index:5;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.5rem 1rem;background:#0d1b2a;color:#fff}
.site-header a{color:#fff}
.brand{font-weight:700;text-decoration:none}
.site-version{font-size:.85rem;padding:.1rem .4rem;border:1px solid #8aa;border-radius:4px}
.version-picker select{font:inherit;font-size:.85rem;max-width:14rem}
.search{position:relative;flex:1 1 16rem;max-width:32rem;margin-left:auto}
.search input{width:100%;font:inherit;padding:.35rem .6rem;border-radius:6px;border:1px solid var(--line)}
#search-results{position:absolute;left:0;right:0;top:100%;margin:.25rem 0 0;padding:0;list-style:none;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:6px;max-height:70vh;overflow-y:auto;box-shadow:0 8px 24px rgba(0,0,0,.15)}
#search-results li a{display:block;padding:.35rem .6rem;color:var(--fg);text-decoration:none;border-bottom:1px solid var(--panel)}
#search-results li a:hover,#search-results li a:focus{background:#e7f0fb}
#search-results .k{display:inline-block;min-width:4.5rem;font-size:.75rem;color:var(--muted);text-transform:uppercase}
#search-results .full{display:block;font-size:.8rem;color:var(--muted);overflow-wrap:anywhere}
#search-results .none{padding:.5rem .6rem;color:var(--muted)}
.layout{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem;max-width:80rem;margin:0 auto;padding:0 1rem}
@media (min-width:60rem){.layout{grid-template-columns:16rem minmax(0,1fr)}.sidebar{position:sticky;top:3.5rem;max-height:calc(100vh - 4rem);overflow-y:auto}}
.sidebar{font-size:.9rem;padding-top:1rem}
.sidebar h2{font-size:.8rem;text-transform:uppercase;color:var(--muted);margin:1rem 0 .25rem}
.sidebar ul{list-style:none;padding:0;margin:0}
.sidebar li a{display:block;padding:.1rem 0;overflow-wrap:anywhere}
main{min-width:0;padding-bottom:3rem}
h1{font-size:1.7rem;overflow-wrap:anywhere}
h2{border-bottom:1px solid var(--line);padding-bottom:.25rem;margin-top:2rem}
h3,h4{overflow-wrap:anywhere}
.kind{font-size:.75rem;font-weight:600;text-transform:uppercase;color:var(--muted);letter-spacing:.03em}
.symbol{margin:1.5rem 0;padding-top:.25rem}
.method{margin:1rem 0 1rem .5rem;padding-left:.75rem;border-left:3px solid var(--line)}
.signature code{white-space:pre-wrap}
.kw{color:#8250df}
:target{scroll-margin-top:4rem}
section:target>h3,section:target>h4,tr:target{background:#fff8c5}
.badge{display:inline-block;font-size:.72rem;font-weight:600;line-height:1.4;padding:0 .4rem;border-radius:999px;border:1px solid var(--line);color:var(--muted);vertical-align:middle;white-space:nowrap}
.badge.deprecated{color:var(--bad);border-color:var(--bad)}
.badge.streaming{color:#6639ba;border-color:#6639ba}
.badge.required{color:var(--warn);border-color:var(--warn)}
.is-deprecated>td:first-child code.name,a.is-deprecated{text-decoration:line-through}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--panel)}
td p{margin:0 0 .4rem}td p:last-child{margin-bottom:0}
tr.oneof-head th{background:#f0f4ff;font-weight:600}
tr[data-oneof] td:first-child{padding-left:1.5rem}
.number,.hint,.counts,.summary{color:var(--muted);font-size:.85rem}
.packages{list-style:none;padding:0}
.package{border:1px solid var(--line);border-radius:8px;padding:.25rem 1rem;margin:1rem 0}
.package h3{margin:.5rem 0}
.http{list-style:none;padding:0;margin:.25rem 0}
.verb{font-weight:700;font-size:.8rem}
.site-footer{border-top:1px solid var(--line);color:var(--muted);font-size:.85rem;padding:1rem;text-align:center}
@media (max-width:40rem){body{font-size:15px}.search{flex-basis:100%;max-width:none}th,td{padding:.3rem}}
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

  // ---- search: the index loads on first use, so pages stay light
  var input = document.getElementById("search-input");
  var results = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var index = null;
  var loading = false;
  var KIND_RANK = { package: 0, service: 1, method: 2, message: 3, enum: 4, field: 5, value: 6 };

  function ensureIndex(then) {
    if (index) return then();
    if (loading) return;
    loading = true;
    loadScript(new URL("assets/search-index.js", siteRoot).href, function () {
      index = (window.__PGD_SEARCH__ || []).map(function (r) {
        return { kind: r[0], name: r[1], full: r[2], href: r[3], lname: r[1].toLowerCase(), lfull: r[2].toLowerCase() };
      });
      loading = false;
      then();
    });
  }

  function score(e, q) {
    if (e.lname === q) return 0;
    if (e.lname.indexOf(q) === 0) return 1;
    if (e.lname.indexOf(q) > 0) return 2;
    if (e.lfull.indexOf(q) >= 0) return 3;
    return -1;
  }

  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var s = score(index[i], q);
      if (s >= 0) hits.push({ e: index[i], s: s });
    }
    hits.sort(function (a, b) {
      return a.s - b.s || KIND_RANK[a.e.kind] - KIND_RANK[b.e.kind] || a.e.full.length - b.e.full.length || (a.e.full < b.e.full ? -1 : 1);
    });
    return hits.slice(0, 50).map(function (h) { return h.e; });
  }

  function render() {
    var q = input.value;
    results.textContent = "";
    if (!q.trim()) { close(); return; }
    var hits = search(q);
    hits.forEach(function (e, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "search-hit-" + i;
      var a = document.createElement("a");
      a.href = new URL(e.href, siteRoot).href;
      a.className = "hit";
      var k = document.createElement("span"); k.className = "k"; k.textContent = e.kind;
      var n = document.createElement("span"); n.className = "n"; n.textContent = e.name;
      var f = document.createElement("span"); f.className = "full"; f.textContent = e.full;
      a.appendChild(k); a.appendChild(n); a.appendChild(f);
      a.addEventListener("click", function () { close(); });
      li.appendChild(a);
      results.appendChild(li);
    });
    if (!hits.length) {
      var none = document.createElement("li");
      none.className = "none"; none.textContent = "No matches";
      results.appendChild(none);
    }
    results.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = hits.length + " results";
  }

  function close() {
    results.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function links() { return Array.prototype.slice.call(results.querySelectorAll("a.hit")); }

  if (input && results) {
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
