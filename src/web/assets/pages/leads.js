// 招商线索: a chain's ranked leads, filterable by kind, link and place, sortable by score, each
// row opening its reasons; analysts dismiss a lead with a reason; the list exports to Excel. The
// 招商地图 above the list shades regions by candidates: a province clicked filters the list to it
// and zooms the map to its cities; a city clicked narrows the list to that city.

import { api, can, download } from "../api.js";
import { html, mount, setTitle, kindPill, capital, toast, message, KIND, errorBox } from "../ui.js";
import { STAGE_LABEL, unitOptions } from "./project-common.js";
import { drawMap, geoQuery } from "./geo-map.js";

const PAGE = 100;

function reasons(l) {
  const max = Math.max(...l.reasons.map((r) => r.contribution), 1);
  return html`<ul class="reasons">${l.reasons.map(
    (r) => html`<li><span class="contrib"><span style="width:${(100 * Math.max(r.contribution, 0)) / max}%"></span></span><b>+${r.contribution.toFixed(1)}</b> ${r.text}</li>`,
  )}</ul>`;
}

function row(l, rank, analyst, units, session) {
  return html`<tr class="lead" data-enterprise="${l.enterprise.id}" tabindex="0" aria-expanded="false">
      <td class="num">${rank}</td>
      <td><a href="/enterprises/${l.enterprise.id}">${l.enterprise.name}</a><div class="tags">${l.enterprise.tags.map((t) => html`<span class="tag">${t}</span>`)}</div></td>
      <td>${l.enterprise.region_name}</td>
      <td>${l.link_name || "（以商招商）"}</td>
      <td>${kindPill(l.kind, l.direction)}</td>
      <td class="num">${capital(l.enterprise.registered_capital)}</td>
      <td class="num score"><b>${l.score.toFixed(1)}</b>${l.project ? html`<div><a class="pill stage-${l.project.stage}" href="/projects/${l.project.id}">已立项·${STAGE_LABEL[l.project.stage]}</a></div>` : ""}</td>
      <td class="toggle" aria-hidden="true">▸</td>
    </tr>
    <tr class="detail" hidden><td></td><td colspan="7">
      <h4>推荐理由</h4>${reasons(l)}
      ${analyst && !l.project && units.length
        ? html`<form class="take inline-form"><label>立项跟进的单位 <select name="unit">${unitOptions(units, session.unit || "")}</select></label><button>立项跟进</button><span class="field-error" role="alert"></span></form>`
        : ""}
      ${analyst
        ? html`<form class="dismiss inline-form"><label>不再推荐的原因 <input name="reason" required placeholder="如：已在本地设厂、对方明确无意向"></label><button class="danger">不再推荐</button><span class="field-error" role="alert"></span></form>`
        : ""}
    </td></tr>`;
}

export async function render(main, { params: [id], session, query }) {
  const analyst = can(session, "analyst");
  const state = { kind: query.get("kind") || "", link: query.get("link") || "", region: query.get("region") || "", regionName: "", desc: true };
  let data;
  let leads = [];
  const units = analyst ? (await api("/units")).units : [];

  const filterQuery = () => {
    const q = new URLSearchParams();
    if (state.kind) q.set("kind", state.kind);
    if (state.link) q.set("link", state.link);
    if (state.region) q.set("region", state.region);
    return q;
  };

  // The map: the whole country, or the cities of the province the list is filtered to.
  // A code gives its province; a name (?region=苏州 typed into the address) is passed as it is.
  const province = () => (/^\d{6}$/.test(state.region) ? `${state.region.slice(0, 2)}0000` : state.region);
  const mapFilters = () => ({ level: state.region ? "city" : "province", within: province(), link: state.link, kind: state.kind });
  async function map() {
    const el = main.querySelector("#geo");
    const place = main.querySelector("#geo-place");
    try {
      const { names } = await drawMap(el, id, mapFilters(), {
        hover: main.querySelector("#geo-hover"),
        selected: state.region,
        onPick: (code, name) => {
          state.region = code;
          state.regionName = name;
          refresh();
        },
      });
      if (state.region && !state.regionName) state.regionName = names[state.region] || "";
    } catch (err) {
      mount(el, errorBox(err));
    }
    place.textContent = state.region ? `地区：${state.regionName || state.region}` : "全国";
    main.querySelector("#geo-back").hidden = !state.region;
  }

  async function load(offset) {
    const q = filterQuery();
    q.set("limit", PAGE);
    q.set("offset", offset);
    const page = await api(`/chains/${encodeURIComponent(id)}/leads?${q}`);
    data = page;
    leads = offset ? leads.concat(page.leads) : page.leads;
  }

  function draw() {
    const sorted = leads.map((l, i) => [l, i + 1]);
    if (!state.desc) sorted.reverse();
    const body = main.querySelector("#rows");
    mount(body, html`${sorted.map(([l, rank]) => row(l, rank, analyst, units, session))}`);
    main.querySelector("#total").textContent = `共 ${data.total} 条线索，已显示 ${leads.length} 条`;
    main.querySelector("#more").hidden = leads.length >= data.total;
    main.querySelector("#sort").textContent = state.desc ? "得分 ▼" : "得分 ▲";
    body.querySelectorAll("tr.lead").forEach((tr) => {
      const toggle = (e) => {
        if (e.target.closest("a")) return;
        const open = tr.getAttribute("aria-expanded") !== "true";
        tr.setAttribute("aria-expanded", String(open));
        tr.nextElementSibling.hidden = !open;
        tr.querySelector(".toggle").textContent = open ? "▾" : "▸";
      };
      tr.addEventListener("click", toggle);
      tr.addEventListener("keydown", (e) => e.key === "Enter" && toggle(e));
    });
    body.querySelectorAll("form.take").forEach((form) =>
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const lead = form.closest("tr").previousElementSibling;
        try {
          const p = await api(`/chains/${encodeURIComponent(id)}/leads/${lead.dataset.enterprise}/take`, { method: "POST", body: { unit: form.unit.value, stage: "contacted" } });
          toast(p.conflicts?.length ? "已立项；注意：其他单位已首报该企业（撞单）" : "已立项");
          location.href = `/projects/${p.id}`;
        } catch (err) {
          form.querySelector(".field-error").textContent = message(err);
        }
      }),
    );
    body.querySelectorAll("form.dismiss").forEach((form) =>
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const detail = form.closest("tr");
        const lead = detail.previousElementSibling;
        const reason = form.reason.value.trim();
        try {
          await api(`/chains/${encodeURIComponent(id)}/leads/${lead.dataset.enterprise}/dismiss`, { method: "POST", body: { reason } });
          leads = leads.filter((l) => l.enterprise.id !== lead.dataset.enterprise);
          data.total -= 1;
          draw();
          toast("已标记为不再推荐");
        } catch (err) {
          form.querySelector(".field-error").textContent = message(err);
        }
      }),
    );
  }

  async function refresh() {
    const q = filterQuery();
    history.replaceState(null, "", `${location.pathname}${q.size ? `?${q}` : ""}`);
    try {
      await load(0);
      draw();
    } catch (err) {
      mount(main.querySelector("#rows"), html`<tr><td colspan="8">${errorBox(err)}</td></tr>`);
    }
    await map();
  }

  await load(0);
  const targets = data.targets;
  setTitle(`${data.chain_name}招商线索`);
  mount(main, html`
    <section class="page-head">
      <div><p class="crumbs"><a href="/">产业链总览</a> › <a href="/chains/${id}">${data.chain_name}</a> › 招商线索</p>
      <h1>${data.chain_name}产业链招商线索</h1>
      <p class="sub">面向${data.region_name}，截至 ${data.as_of}；目标环节 ${targets.length} 个：${targets.map((t, i) => html`${i ? "、" : ""}${t.name}（${KIND[t.kind]}）`)}</p></div>
      <div class="actions"><button type="button" id="xlsx">导出 Excel</button><button type="button" class="secondary" id="csv">导出 CSV</button></div>
    </section>
    <section class="card geo-card">
      <div class="geo-head"><h2>招商地图 <span class="hint" id="geo-place"></span></h2>
        <div class="actions"><button type="button" class="secondary" id="geo-back" hidden>返回全国</button>
        <button type="button" class="secondary" id="geo-svg">下载地图（SVG）</button>
        <a class="button secondary" href="/chains/${id}/compare">区域对标</a></div></div>
      <div class="geo-map" id="geo"></div>
      <p class="hint geo-hover" id="geo-hover">颜色越深候选越多；点击省份筛选线索并查看其下各市，点击城市进一步筛选。</p>
    </section>
    <section class="card">
      <form class="filters" id="filters">
        <label>类型 <select name="kind"><option value="">全部</option>${Object.entries(KIND).map(([k, v]) => html`<option value="${k}" ${state.kind === k ? "selected" : ""}>${v}</option>`)}</select></label>
        <label>目标环节 <select name="link"><option value="">全部环节</option>${targets.map((t) => html`<option value="${t.link}" ${state.link === t.link ? "selected" : ""}>${t.name}（${KIND[t.kind]}）</option>`)}</select></label>
        <span id="total" class="hint"></span>
      </form>
      <table class="grid leads-table">
        <thead><tr><th class="num">排名</th><th>企业</th><th>所在地区</th><th>目标环节</th><th>类型</th><th class="num">注册资本</th><th class="num"><button type="button" class="link-button" id="sort">得分 ▼</button></th><th></th></tr></thead>
        <tbody id="rows"></tbody>
      </table>
      <p><button type="button" class="secondary" id="more" hidden>加载更多</button></p>
    </section>`);
  draw();
  await map();
  main.querySelector("#geo-back").onclick = () => {
    state.region = "";
    state.regionName = "";
    refresh();
  };
  main.querySelector("#geo-svg").onclick = () => {
    const q = geoQuery(mapFilters());
    download(`/chains/${encodeURIComponent(id)}/geo.svg${q.size ? `?${q}` : ""}`, `${data.chain_name}招商地图.svg`).catch((e) => toast(message(e)));
  };
  const filters = main.querySelector("#filters");
  filters.addEventListener("change", () => {
    state.kind = filters.kind.value;
    state.link = filters.link.value;
    refresh();
  });
  main.querySelector("#sort").onclick = () => {
    state.desc = !state.desc;
    draw();
  };
  main.querySelector("#more").onclick = async () => {
    await load(leads.length);
    draw();
  };
  const exportAs = (format) => {
    const q = filterQuery();
    q.set("format", format); // no limit: a file holds the whole list
    download(`/chains/${encodeURIComponent(id)}/leads?${q}`, `${data.chain_name}招商线索.${format}`).catch((e) => toast(message(e)));
  };
  main.querySelector("#xlsx").onclick = () => exportAs("xlsx");
  main.querySelector("#csv").onclick = () => exportAs("csv");
}
