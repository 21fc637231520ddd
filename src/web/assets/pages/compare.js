// 区域对标: the chain's link statuses in its own region beside another region's, link by link,
// with that region's leading firms where we are missing or weak; and the regions strong in most
// of our missing or weak links ("补链去哪里"), each a click away from its own comparison.

import { api } from "../api.js";
import { html, mount, setTitle, statusPill, errorBox, STAGE } from "../ui.js";

function side(s) {
  return html`${statusPill(s.status)} <span class="num">${s.count}</span>${s.leader ? html` <span class="pill leader">龙头</span>` : ""}`;
}

function linksTable(v) {
  const rows = v.links.map(
    (l) => html`<tr class="${l.ours.status !== "strong" && l.theirs.status === "strong" && !l.restricted ? "gap" : ""}" data-link="${l.link}">
      <td class="${l.parent ? "child" : ""}">${l.key ? "★ " : ""}${l.name}</td><td>${STAGE[l.stage]}</td>
      <td data-side="ours" data-status="${l.ours.status}">${side(l.ours)}</td>
      <td data-side="theirs" data-status="${l.theirs.status}">${side(l.theirs)}</td>
      <td>${l.leading.length ? l.leading.map((f, i) => html`${i ? "、" : ""}<a href="/enterprises/${f.id}">${f.name}</a>`) : html`<span class="hint">—</span>`}</td></tr>`,
  );
  return html`<table class="grid compare-table"><thead><tr><th>环节</th><th>阶段</th><th>${v.ours.name}（本地）</th><th>${v.theirs.name}</th><th>对方领先企业（我方缺失或薄弱的环节）</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function destinations(v, id) {
  if (!v.destinations.length) return html`<p class="empty">暂无在我方缺失或薄弱环节中具备优势的地区。</p>`;
  return html`<ol class="destinations">${v.destinations.map(
    (d) => html`<li data-region="${d.code}"><a href="/chains/${id}/compare?region=${d.code}${v.level === "city" ? "&level=city" : ""}"><b>${d.name}</b></a>
      — 在 ${d.strong_in.length} 个我方缺失或薄弱环节具备优势：${d.strong_in.map((l) => l.name).join("、")}
      <span class="hint">（相关企业 ${d.firms} 家）</span>
      <a class="button secondary" href="/chains/${id}/leads?region=${d.code}">查看该地线索</a></li>`,
  )}</ol>`;
}

export async function render(main, { params: [id], query }) {
  const region = query.get("region") || "";
  const level = query.get("level") === "city" ? "city" : "province";
  const q = new URLSearchParams({ level });
  if (region) q.set("region", region);
  let v;
  try {
    v = await api(`/chains/${encodeURIComponent(id)}/compare?${q}`);
  } catch (err) {
    setTitle("区域对标");
    mount(main, html`<section class="page-head"><h1>区域对标</h1></section><form class="filters card" id="pick"><label>对标地区 <input name="region" value="${region}" placeholder="如：上海市、440300、苏州"></label><button>对标</button></form>${errorBox(err)}`);
    main.querySelector("#pick").addEventListener("submit", (e) => {
      e.preventDefault();
      location.href = `/chains/${encodeURIComponent(id)}/compare?region=${encodeURIComponent(e.target.region.value.trim())}`;
    });
    return;
  }
  setTitle(`${v.chain_name} 区域对标`);
  mount(main, html`
    <section class="page-head">
      <div><p class="crumbs"><a href="/">产业链总览</a> › <a href="/chains/${v.chain}">${v.chain_name}</a> › 区域对标</p>
      <h1>${v.chain_name}产业链 区域对标</h1>
      <p class="sub">本地：${v.ours.name}；环节有 ${v.strong_threshold} 家及以上企业为优势，1 家起为薄弱，无企业为缺失。</p></div>
    </section>
    <section class="card">
      <form class="filters" id="pick">
        <label>对标地区 <input name="region" value="${v.theirs ? v.theirs.code : ""}" title="${v.theirs ? v.theirs.name : ""}" placeholder="如：上海市、440300、苏州" required></label>
        <button>对标</button>
        <label>补链去向按 <select name="level"><option value="province" ${level === "province" ? "selected" : ""}>省</option><option value="city" ${level === "city" ? "selected" : ""}>市</option></select></label>
      </form>
    </section>
    ${v.theirs
      ? html`<section class="card" id="comparison"><h2>${v.ours.name} vs ${v.theirs.name}</h2>
          <p class="sub">对方在我方 <b id="they-fill">${v.they_fill}</b> 个缺失或薄弱环节具备优势（橙色行）。</p>${linksTable(v)}</section>`
      : ""}
    <section class="card" id="where"><h2>补链去哪里</h2><p class="hint">按在我方缺失或薄弱环节中具备优势的环节数排序（本地企业不计）。</p>${destinations(v, v.chain)}</section>`);
  const form = main.querySelector("#pick");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const p = new URLSearchParams({ region: form.region.value.trim() });
    if (form.level.value === "city") p.set("level", "city");
    location.href = `/chains/${encodeURIComponent(id)}/compare?${p}`;
  });
  form.level.addEventListener("change", () => {
    const p = new URLSearchParams();
    if (region) p.set("region", region);
    if (form.level.value === "city") p.set("level", "city");
    location.href = `/chains/${encodeURIComponent(id)}/compare${p.size ? `?${p}` : ""}`;
  });
}
