// @ts-check
// The site's only script, written as assets/docs.js beside the pages (the
// pages' CSP allows 'self' only: no inline code). Plain JavaScript that runs
// as it is in any current browser, type-checked through JSDoc
// (tsconfig.browser.json) and linted by Biome like the TypeScript.
//
// It reads three scripts the site ships as data (JSON would be blocked by
// fetch() on file://):
//   - versions.js, beside the published versions (window.__PGD_VERSIONS__; the contract is versions.ts);
//   - assets/search-index.js (window.__PGD_SEARCH__), on first use of search;
//   - assets/go-anchors.js (window.__PGD_GO_ANCHORS__), when a Go-era anchor names nothing here.

/** @typedef {import("./versions.js").PublishedVersionsGlobal} PublishedVersionsGlobal */
/** @typedef {[kind: string, name: string, full: string, href: string, text?: string]} SearchRow */
/** @typedef {{ kind: string, name: string, full: string, href: string, text: string, lname: string, lfull: string, ltext: string }} Entry */
/** @typedef {{ e: Entry, s: number, terms: string[] }} Hit */

(() => {
  /** @type {Window & PublishedVersionsGlobal & { __PGD_SEARCH__?: SearchRow[], __PGD_GO_ANCHORS__?: Record<string, string> }} */
  const win = window;
  const html = document.documentElement;
  const rootRel = html.getAttribute("data-root") || "";
  const siteRoot = new URL(rootRel || "./", location.href);

  /**
   * @param {string} url
   * @param {(ok: boolean) => void} done
   */
  function loadScript(url, done) {
    const s = document.createElement("script");
    s.src = url;
    s.onload = () => done(true);
    s.onerror = () => done(false);
    document.head.appendChild(s);
  }

  /** @param {string} h */
  function decodeHash(h) {
    try {
      return decodeURIComponent(h.slice(1));
    } catch {
      return h.slice(1);
    }
  }

  // ---- version switcher: fed by the docs tree's versions.js (versions.json as a script, for file://)
  const select = /** @type {HTMLSelectElement | null} */ (document.getElementById("version-switcher"));
  const rootDir = siteRoot.pathname.replace(/\/$/, "").split("/").pop() || "";
  const published = rootDir === "latest" || /^v\d+\.\d+\.\d+/.test(rootDir);
  if (select && published) {
    const treeRoot = new URL("../", siteRoot);
    loadScript(new URL("versions.js", treeRoot).href, (ok) => {
      const list = ok && Array.isArray(win.__PGD_VERSIONS__) ? win.__PGD_VERSIONS__ : null;
      if (!list?.length) return;
      select.textContent = "";
      const latest = list.filter((v) => v.latest)[0];
      if (latest) {
        const lo = new Option(`latest (${latest.version})`, "latest/");
        lo.selected = rootDir === "latest";
        select.appendChild(lo);
      }
      for (const v of list) {
        const o = new Option(v.version + (v.prerelease ? " (pre-release)" : ""), v.path);
        o.selected = rootDir !== "latest" && v.path === `${rootDir}/`;
        select.appendChild(o);
      }
      select.addEventListener("change", () => {
        const page = location.pathname.slice(siteRoot.pathname.length);
        location.href = new URL(select.value + page + location.hash, treeRoot).href;
      });
    });
  }

  // ---- layout: the header's real height (it wraps on phones) keeps anchors
  // from landing under it; the contents list is open only where it is a sidebar.
  const header = document.getElementById("site-header");
  function fitHeader() {
    if (header) html.style.setProperty("--header-h", `${header.offsetHeight}px`);
  }
  fitHeader();
  window.addEventListener("resize", fitHeader);
  if (location.hash.length > 1) {
    const landed = document.getElementById(decodeHash(location.hash));
    if (landed) landed.scrollIntoView();
  }
  const wide = window.matchMedia("(min-width: 60rem)");
  const contents = /** @type {NodeListOf<HTMLDetailsElement>} */ (document.querySelectorAll("details.contents"));
  function fitContents() {
    for (const c of contents) c.open = wide.matches;
  }
  fitContents();
  if (wide.addEventListener) wide.addEventListener("change", fitContents);

  // ---- the Go plugin's anchors: index.html#<full.name> (one page for all) redirects to the element's page
  if (html.getAttribute("data-page") === "index") {
    const goRedirect = () => {
      const id = decodeHash(location.hash);
      if (!id || document.getElementById(id)) return;
      loadScript(new URL("assets/go-anchors.js", siteRoot).href, () => {
        const map = win.__PGD_GO_ANCHORS__ || {};
        if (Object.hasOwn(map, id)) location.replace(new URL(map[id], siteRoot).href);
      });
    };
    goRedirect();
    window.addEventListener("hashchange", goRedirect);
  }

  // ---- copy buttons on install snippets
  if (navigator.clipboard) {
    for (const box of document.querySelectorAll(".snippet")) {
      const button = /** @type {HTMLButtonElement | null} */ (box.querySelector("button.copy"));
      const code = box.querySelector("pre");
      if (!button || !code) continue;
      button.hidden = false;
      button.addEventListener("click", () => {
        navigator.clipboard.writeText(code.textContent || "").then(
          () => {
            button.textContent = "Copied";
            setTimeout(() => {
              button.textContent = "Copy";
            }, 1500);
          },
          () => {
            button.textContent = "Copy failed";
          },
        );
      });
    }
  }

  // ---- search: names, comments and file names; the index loads on first use, so pages stay light
  const input = /** @type {HTMLInputElement | null} */ (document.getElementById("search-input"));
  const panel = document.getElementById("search-panel");
  const results = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  if (!input || !panel || !results || !status) return;
  /** @type {Entry[] | null} */
  let index = null;
  let loading = false;
  /** @type {Record<string, number>} */
  const KIND_RANK = { package: 0, service: 1, file: 2, method: 3, message: 4, enum: 5, field: 6, value: 7 };
  /** @type {(() => void)[]} */
  let pending = [];
  const MAX_HITS = 50;

  /** @param {() => void} then */
  function ensureIndex(then) {
    if (index) return then();
    pending.push(then);
    if (loading) return;
    loading = true;
    loadScript(new URL("assets/search-index.js", siteRoot).href, () => {
      index = (win.__PGD_SEARCH__ || []).map((r) => {
        const text = r[4] || "";
        return {
          kind: r[0],
          name: r[1],
          full: r[2],
          href: r[3],
          text,
          lname: r[1].toLowerCase(),
          lfull: r[2].toLowerCase(),
          ltext: text.toLowerCase(),
        };
      });
      loading = false;
      const waiting = pending;
      pending = [];
      for (const f of waiting) f();
    });
  }

  /**
   * Lower is better: 0-3 match the name, 4 the full name, 5 the comment; -1 no match.
   * @param {Entry} e
   * @param {string} q
   * @param {string[]} terms
   */
  function score(e, q, terms) {
    if (e.lname === q) return 0;
    if (e.lname.indexOf(q) === 0) return 1;
    if (e.lname.indexOf(q) > 0) return 2;
    if (e.lfull.indexOf(q) >= 0) return 3;
    let inNames = true;
    for (const t of terms) {
      if (e.lfull.indexOf(t) < 0) {
        inNames = false;
        if (e.ltext.indexOf(t) < 0) return -1;
      }
    }
    return inNames ? 4 : 5;
  }

  /**
   * @param {Entry[]} entries
   * @param {string} query
   * @returns {Hit[]}
   */
  function search(entries, query) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const terms = q.split(/\s+/);
    /** @type {Hit[]} */
    const hits = [];
    for (const e of entries) {
      const s = score(e, q, terms);
      if (s >= 0) hits.push({ e, s, terms });
    }
    hits.sort(
      (a, b) =>
        a.s - b.s ||
        KIND_RANK[a.e.kind] - KIND_RANK[b.e.kind] ||
        a.e.full.length - b.e.full.length ||
        (a.e.full < b.e.full ? -1 : 1),
    );
    return hits.slice(0, MAX_HITS);
  }

  /**
   * The comment around the first term, with the terms marked (built as DOM nodes, never as HTML).
   * @param {Entry} e
   * @param {string[]} terms
   */
  function snippet(e, terms) {
    let at = -1;
    let len = 0;
    for (let i = 0; i < terms.length && at < 0; i++) {
      at = e.ltext.indexOf(terms[i]);
      len = terms[i].length;
    }
    const span = document.createElement("span");
    span.className = "snip";
    if (at < 0) return span;
    const from = Math.max(0, at - 60);
    const to = Math.min(e.text.length, at + len + 80);
    if (from > 0) span.appendChild(document.createTextNode("…"));
    span.appendChild(document.createTextNode(e.text.slice(from, at)));
    const mark = document.createElement("mark");
    mark.textContent = e.text.slice(at, at + len);
    span.appendChild(mark);
    span.appendChild(document.createTextNode(e.text.slice(at + len, to) + (to < e.text.length ? "…" : "")));
    return span;
  }

  /**
   * @param {string} tag
   * @param {string} className
   * @param {string} text
   */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function render() {
    if (!input || !results || !panel || !status || !index) return;
    const q = input.value;
    results.textContent = "";
    if (!q.trim()) {
      close();
      return;
    }
    const hits = search(index, q);
    for (const h of hits) {
      const e = h.e;
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = new URL(e.href, siteRoot).href;
      a.className = `hit${h.s === 5 ? " in-comment" : ""}`;
      a.appendChild(el("span", "k", e.kind));
      a.appendChild(el("span", "n", e.name));
      a.appendChild(el("span", "full", e.full));
      if (h.s === 5) a.appendChild(snippet(e, h.terms));
      a.addEventListener("click", close);
      li.appendChild(a);
      results.appendChild(li);
    }
    if (!hits.length) results.appendChild(el("li", "none", "No matches"));
    panel.hidden = false;
    status.textContent = hits.length === MAX_HITS ? `${MAX_HITS} or more results` : `${hits.length} results`;
  }

  function close() {
    if (panel) panel.hidden = true;
  }

  /** @returns {HTMLAnchorElement[]} */
  function links() {
    return results ? Array.from(results.querySelectorAll("a.hit")) : [];
  }

  input.addEventListener("focus", () => ensureIndex(() => {}));
  input.addEventListener("input", () => ensureIndex(render));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") {
      const l = links();
      if (l.length) {
        ev.preventDefault();
        l[0].focus();
      }
    } else if (ev.key === "Enter") {
      const first = links()[0];
      if (first) {
        ev.preventDefault();
        close();
        location.href = first.href;
      }
    } else if (ev.key === "Escape") {
      close();
    }
  });
  results.addEventListener("keydown", (ev) => {
    const l = links();
    const i = l.indexOf(/** @type {HTMLAnchorElement} */ (document.activeElement));
    if (ev.key === "ArrowDown" && i < l.length - 1) {
      ev.preventDefault();
      l[i + 1].focus();
    } else if (ev.key === "ArrowUp") {
      ev.preventDefault();
      if (i > 0) l[i - 1].focus();
      else input.focus();
    } else if (ev.key === "Escape") {
      close();
      input.focus();
    }
  });
  document.addEventListener("keydown", (ev) => {
    const active = document.activeElement;
    if (ev.key === "/" && active !== input && !/^(INPUT|TEXTAREA|SELECT)$/.test(active ? active.tagName : "")) {
      ev.preventDefault();
      input.focus();
    }
  });
  document.addEventListener("click", (ev) => {
    const target = /** @type {Element | null} */ (ev.target);
    if (!target?.closest(".search")) close();
  });
})();
