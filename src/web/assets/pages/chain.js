// 产业链图谱: the server's SVG map (the same picture as the download), made clickable — a link
// opens its local enterprises (and why they belong) and its best lead candidates. Below it the
// 招商地图: where the candidates are, for the chain or one target link; a region clicked opens
// the lead list filtered to it.

import { api, can, download } from "../api.js";
import { html, mount, raw, setTitle, statusPill, kindPill, evidence, STAGE, toast, message, errorBox, KIND } from "../ui.js";
import { drawMap, geoQuery } from "./geo-map.js";

function masters(d) {
  if (!d.chain_masters.length) return "—";
  return html`${d.chain_masters.map((m, i) => html`${i ? "、" : ""}${m.id ? html`<a href="/enterprises/${m.id}">${m.name}</a>` : m.name}`)}${d.chain_masters.every((m) => !m.designated) ? html`<span class="hint">（按本地实力推定）</span>` : ""}`;
}

function linkStatus(l) {
  return l.restricted ? "restricted" : l.status;
}

function panel(d, l) {
  const parent = l.parent && d.links.find((p) => p.id === l.parent);
  const more = l.local_count - l.local_enterprises.length;
  return html`<div class="panel-head">
      <h2>${l.key ? "★ " : ""}${l.name}</h2>
      <div>${statusPill(linkStatus(l))} <span class="stage">${STAGE[l.stage]}</span>${parent ? html` <span class="hint">属于“${parent.name}”</span>` : ""}</div>
    </div>
    ${l.keywords.length ? html`<p class="keywords">关键词：${l.keywords.join("、")}</p>` : ""}
    <h3>本地企业 <span class="count">${l.local_count} 家</span></h3>
    ${l.local_enterprises.length
      ? html`<ul class="locals">${l.local_enterprises.map((e) => html`<li><a href="/enterprises/${e.id}">${e.name}</a>${e.leader ? html`<span class="pill leader">龙头</span>` : ""}
          <div class="why">${e.evidence.slice(0, 2).map((ev) => html`<span>${evidence(ev)}</span>`)}</div></li>`)}</ul>
        ${more > 0 ? html`<p class="hint">另有 ${more} 家未列出</p>` : ""}`
      : html`<p class="empty">本地暂无该环节企业。</p>`}
    <h3>招商方向</h3>
    ${l.lead_kind
      ? html`<p>${kindPill(l.lead_kind, l.direction)} 优先候选企业：</p>
        ${l.top_candidates.length
          ? html`<ol class="candidates">${l.top_candidates.map((c) => html`<li><a href="/enterprises/${c.id}">${c.name}</a> <span class="hint">${c.region_name}</span> <span class="score">${c.score.toFixed(1)}分</span></li>`)}</ol>`
          : html`<p class="empty">暂无符合条件的候选企业。</p>`}
        <a class="button" href="/chains/${d.id}/leads?link=${encodeURIComponent(l.id)}">查看该环节全部线索</a>`
      : html`<p class="hint">${l.restricted ? "两高限制环节，不作为招商目标。" : "本环节已较完整，暂不作为招商目标。"}</p>`}`;
}

function table(d) {
  const rows = d.links.map(
    (l) => html`<tr data-link="${l.id}"><td class="${l.parent ? "child" : ""}">${l.key ? "★ " : ""}${l.name}</td><td>${STAGE[l.stage]}</td>
      <td>${statusPill(linkStatus(l))}</td><td class="num">${l.local_count}</td><td>${l.lead_kind ? kindPill(l.lead_kind, l.direction) : "—"}</td></tr>`,
  );
  return html`<table class="grid links-table"><thead><tr><th>环节</th><th>阶段</th><th>状态</th><th class="num">本地企业</th><th>招商方向</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export async function render(main, { params: [id], session }) {
  const [d, svg] = await Promise.all([api(`/chains/${encodeURIComponent(id)}?per_link=30`), api(`/chains/${encodeURIComponent(id)}/map.svg`)]);
  setTitle(`${d.name}产业链图谱`);
  mount(main, html`
    <section class="page-head no-print">
      <div>
        <p class="crumbs"><a href="/">产业链总览</a> › ${d.name}</p>
        <h1>${d.name}产业链图谱</h1>
        <dl class="meta inline">
          <div><dt>区域</dt><dd>${d.region_name}</dd></div>
          <div><dt>链长</dt><dd id="owner">${d.owner || "未设置"}</dd></div>
          <div><dt>牵头部门</dt><dd id="department">${d.lead_department || "未设置"}</dd></div>
          <div><dt>链主企业</dt><dd>${masters(d)}</dd></div>
        </dl>
      </div>
      <div class="actions no-print">
        <a class="button" href="/chains/${d.id}/leads">招商线索</a>
        <button type="button" class="secondary" id="svg">下载图谱（SVG）</button>
        <button type="button" class="secondary" id="print">打印</button>
        ${can(session, "analyst") ? html`<a class="button secondary" data-action="edit" href="/chains/${d.id}/edit">编辑链长与关键环节</a>` : ""}
      </div>
    </section>
    <div class="map-layout">
      <figure class="map card">${raw(svg)}<figcaption class="hint no-print">点击环节查看本地企业与招商候选 · ${d.source ? `来源：${d.source}` : ""}</figcaption></figure>
      <aside class="card link-panel no-print" id="panel"><p class="hint">点击图中任一环节，查看本地企业及其入链依据、优先候选企业。</p></aside>
    </div>
    <section class="card geo-card no-print">
      <div class="geo-head"><h2>招商地图</h2>
        <div class="actions"><label>目标环节 <select id="geo-link"><option value="">全部线索</option>${d.links.filter((l) => l.lead_kind).map((l) => html`<option value="${l.id}">${l.name}（${KIND[l.lead_kind]}）</option>`)}</select></label>
        <a class="button secondary" href="/chains/${d.id}/compare">区域对标</a>
        <button type="button" class="secondary" id="geo-svg">下载地图（SVG）</button></div></div>
      <div class="geo-map" id="geo"></div>
      <p class="hint geo-hover" id="geo-hover">颜色越深候选越多；点击地区查看该地的招商线索。</p>
    </section>
    <section class="card"><h2>环节清单</h2>${table(d)}</section>`);
  const geoLink = main.querySelector("#geo-link");
  const drawGeo = () =>
    drawMap(main.querySelector("#geo"), d.id, { link: geoLink.value }, {
      hover: main.querySelector("#geo-hover"),
      onPick: (code) => {
        const q = new URLSearchParams({ region: code });
        if (geoLink.value) q.set("link", geoLink.value);
        location.href = `/chains/${encodeURIComponent(d.id)}/leads?${q}`;
      },
    }).catch((e) => mount(main.querySelector("#geo"), errorBox(e)));
  geoLink.addEventListener("change", drawGeo);
  await drawGeo();
  main.querySelector("#geo-svg").onclick = () => {
    const q = geoQuery({ link: geoLink.value });
    download(`/chains/${encodeURIComponent(d.id)}/geo.svg${q.size ? `?${q}` : ""}`, `${d.name}招商地图.svg`).catch((e) => toast(message(e)));
  };

  const panelEl = main.querySelector("#panel");
  const select = (linkId) => {
    const l = d.links.find((x) => x.id === linkId);
    if (!l) return;
    main.querySelectorAll(".map g.link.selected").forEach((g) => g.classList.remove("selected"));
    main.querySelector(`.map g.link[data-link="${CSS.escape(linkId)}"]`)?.classList.add("selected");
    mount(panelEl, panel(d, l));
    panelEl.dataset.link = linkId;
    if (window.innerWidth < 1100) panelEl.scrollIntoView({ behavior: "smooth" });
  };
  main.querySelectorAll(".map g.link").forEach((g) => {
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.addEventListener("click", () => select(g.dataset.link));
    g.addEventListener("keydown", (e) => (e.key === "Enter" || e.key === " ") && select(g.dataset.link));
  });
  main.querySelectorAll(".links-table tr[data-link]").forEach((tr) => tr.addEventListener("click", () => select(tr.dataset.link)));
  main.querySelector("#print").onclick = () => window.print();
  main.querySelector("#svg").onclick = () =>
    download(`/chains/${encodeURIComponent(d.id)}/map.svg`, `${d.name}产业链图谱.svg`).catch((e) => toast(message(e)));
}
