// 企业搜索: one box with instant (debounced) results, highlighted matches and facets for region,
// tag, chain link and registered capital; the state lives in the URL so a search can be shared.
// Facet counts cost most of a broad query, so keystrokes ask for hits only: facets come with the
// first load, with every filter change, and once the typing has settled (SPEC §5).

import { api } from "../api.js";
import { html, raw, mount, setTitle, capital, debounce, errorBox } from "../ui.js";

const PAGE = 20;
const CAPITAL_PRESETS = [
  ["", "", "不限"],
  ["", "1000", "1000万元以下"],
  ["1000", "10000", "1000万–1亿元"],
  ["10000", "100000", "1亿–10亿元"],
  ["100000", "", "10亿元以上"],
];
const FIELD = { name: "名称", aliases: "简称", products: "主营产品", description: "简介", address: "地址", tags: "标签", credit_code: "信用代码", stock_code: "股票代码" };

function readState(query) {
  return {
    q: query.get("q") || "",
    region: query.get("region") || "",
    tags: query.getAll("tag"),
    link: query.get("link") || "",
    capital_min: query.get("capital_min") || "",
    capital_max: query.get("capital_max") || "",
    listed: query.get("listed") || "",
    sort: query.get("sort") || "relevance",
  };
}

function toQuery(s) {
  const q = new URLSearchParams();
  for (const k of ["q", "region", "link", "capital_min", "capital_max", "listed"]) if (s[k]) q.set(k, s[k]);
  s.tags.forEach((t) => q.append("tag", t));
  if (s.sort !== "relevance") q.set("sort", s.sort);
  return q;
}

function hit(h) {
  const name = h.highlight.name ? raw(h.highlight.name) : h.name;
  const extra = Object.entries(h.highlight).filter(([f]) => f !== "name");
  return html`<li class="hit" data-id="${h.id}">
    <a class="hit-name" href="/enterprises/${h.id}">${name}</a>
    <div class="hit-meta"><span>${h.region_name}</span><span>注册资本 ${capital(h.registered_capital)}</span>${h.tags.map((t) => html`<span class="tag">${t}</span>`)}</div>
    ${extra.map(([f, text]) => html`<div class="hit-snippet"><span class="snippet-field">${FIELD[f] || f}</span>${raw(text)}</div>`)}
  </li>`;
}

function facetList(title, items, active, attr) {
  if (!items.length) return "";
  return html`<div class="facet"><h3>${title}</h3><ul>${items.slice(0, 12).map(
    (f) => html`<li><button type="button" class="facet-item ${active(f.key) ? "active" : ""}" data-${attr}="${f.key}"><span>${f.name || f.key}</span><span class="count">${f.count}</span></button></li>`,
  )}</ul></div>`;
}

export async function render(main, { query }) {
  const state = readState(query);
  let offset = 0;
  let hits = [];
  let seq = 0;
  setTitle("企业搜索");
  mount(main, html`
    <section class="search-head">
      <h1>企业搜索</h1>
      <input id="q" type="search" value="${state.q}" placeholder="输入企业名称、简称、产品或信用代码，如：宁德时代、正极材料" autocomplete="off" autofocus aria-label="搜索企业">
      <div id="related" class="related"></div>
    </section>
    <div class="search-layout">
      <aside class="card facets" id="facets"></aside>
      <section class="card">
        <div class="results-head"><span id="summary" class="hint"></span>
          <label>排序 <select id="sort"><option value="relevance">相关度</option><option value="capital">注册资本</option></select></label></div>
        <ol class="hits" id="hits"></ol>
        <p><button type="button" class="secondary" id="more" hidden>加载更多</button></p>
      </section>
    </div>`);
  const el = (id) => main.querySelector(`#${id}`);
  el("sort").value = state.sort;

  function drawFacets(f) {
    const capitalActive = (min, max) => state.capital_min === min && state.capital_max === max;
    mount(el("facets"), html`
      ${facetList("省份", f.region.filter((r) => r.level !== "city"), (k) => k === state.region, "region")}
      ${facetList("城市", f.region.filter((r) => r.level === "city"), (k) => k === state.region, "region")}
      ${facetList("标签", f.tag, (k) => state.tags.includes(k), "tag")}
      ${facetList("产业链环节", f.link, (k) => k === state.link, "link")}
      <div class="facet"><h3>注册资本</h3><ul>${CAPITAL_PRESETS.map(
        ([min, max, label]) => html`<li><button type="button" class="facet-item ${capitalActive(min, max) ? "active" : ""}" data-min="${min}" data-max="${max}"><span>${label}</span></button></li>`,
      )}</ul>
      <form class="range" id="range"><input name="min" inputmode="decimal" placeholder="最低" value="${state.capital_min}" aria-label="最低注册资本（万元）">–<input name="max" inputmode="decimal" placeholder="最高" value="${state.capital_max}" aria-label="最高注册资本（万元）"><span>万元</span><button class="secondary">确定</button></form></div>
      <div class="facet"><label><input type="checkbox" id="listed" ${state.listed === "true" ? "checked" : ""}> 仅看上市公司</label></div>`);
    el("facets").querySelectorAll("[data-region]").forEach((b) => (b.onclick = () => set({ region: state.region === b.dataset.region ? "" : b.dataset.region })));
    el("facets").querySelectorAll("[data-link]").forEach((b) => (b.onclick = () => set({ link: state.link === b.dataset.link ? "" : b.dataset.link })));
    el("facets").querySelectorAll("[data-tag]").forEach(
      (b) => (b.onclick = () => set({ tags: state.tags.includes(b.dataset.tag) ? state.tags.filter((t) => t !== b.dataset.tag) : [...state.tags, b.dataset.tag] })),
    );
    el("facets").querySelectorAll("[data-min]").forEach((b) => (b.onclick = () => set({ capital_min: b.dataset.min, capital_max: b.dataset.max })));
    el("range").onsubmit = (e) => {
      e.preventDefault();
      set({ capital_min: e.target.min.value.trim(), capital_max: e.target.max.value.trim() });
    };
    el("listed").onchange = (e) => set({ listed: e.target.checked ? "true" : "" });
  }

  async function run(append, withFacets) {
    const mine = ++seq;
    const q = toQuery(state);
    history.replaceState(null, "", `/search${q.size ? `?${q}` : ""}`);
    q.set("limit", PAGE);
    q.set("offset", append ? offset : 0);
    if (withFacets && !append) q.set("facets", "true");
    try {
      const r = await api(`/enterprises?${q}`);
      if (mine !== seq) return; // a newer search is on its way
      offset = (append ? offset : 0) + r.hits.length;
      hits = append ? hits.concat(r.hits) : r.hits;
      mount(el("hits"), html`${hits.map(hit)}`);
      if (!hits.length) mount(el("hits"), html`<li class="empty">没有找到匹配的企业。可以换个说法，或去掉左侧的筛选条件。</li>`);
      el("summary").textContent = `${r.total_exact ? "" : "约"}${r.total} 家企业${r.relaxed ? "（未找到同时包含所有词的企业，已放宽为包含任一词）" : ""}`;
      el("more").hidden = offset >= r.total;
      mount(el("related"), r.links.length ? html`相关产业链环节：${r.links.slice(0, 8).map((l) => html`<a class="chip" href="/chains/${l.chain}">${l.chain_name} · ${l.name}</a>`)}` : "");
      if (r.facets) drawFacets(r.facets);
      main.dataset.query = state.q;
    } catch (err) {
      if (mine === seq) mount(el("hits"), html`<li>${errorBox(err)}</li>`);
    }
  }

  function set(change, withFacets = true) {
    Object.assign(state, change);
    run(false, withFacets);
  }

  // The facets of what was typed, once the typing has settled. They stay right while the query
  // and filters do (加载更多 only pages), so the check is the query, not the search counter.
  const facetKey = () => {
    const q = toQuery(state);
    q.delete("sort");
    return q.toString();
  };
  async function settledFacets() {
    const asked = facetKey();
    const q = toQuery(state);
    q.set("limit", 1);
    q.set("facets", "true");
    try {
      const r = await api(`/enterprises?${q}`);
      if (asked === facetKey() && r.facets) drawFacets(r.facets);
    } catch (_) {
      // The hits are shown; stale facets are better than an error box beside them.
    }
  }
  const facetsLater = debounce(settledFacets, 700);
  const typed = debounce(() => {
    set({ q: el("q").value.trim() }, false);
    facetsLater();
  }, 250);
  el("q").addEventListener("input", typed);
  el("q").addEventListener("keydown", (e) => e.key === "Enter" && set({ q: el("q").value.trim() }));
  el("sort").onchange = (e) => set({ sort: e.target.value }, false);
  el("more").onclick = () => run(true, false);
  await run(false, true);
}
