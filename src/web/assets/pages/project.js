// 项目详情: the project's facts, its stage line with dates, the timeline of events, 撞单, and a
// form to record an event (stage move and/or running figures) whose errors show inline.

import { api, can } from "../api.js";
import { html, mount, setTitle, capital, message, toast } from "../ui.js";
import { STAGE_LABEL, warningPills } from "./project-common.js";

const LINE = ["lead", "contacted", "negotiating", "signed", "started", "completed", "producing", "at_capacity"];
const FIGURE = { signed_amount: "签约金额（万元）", invested_total: "累计完成投资（万元）", funds_in_place_total: "累计到位资金（万元）", foreign_received_total_usd: "累计外资到账（万美元）" };

function stageLine(p) {
  const reached = LINE.indexOf(p.furthest);
  return html`<ol class="stage-line">${LINE.map((s, i) => html`<li class="${i <= reached ? "reached" : ""} ${s === p.stage ? "current" : ""}"><span>${STAGE_LABEL[s]}</span><small>${p.dates[s] || ""}</small></li>`)}</ol>`;
}

function event(e) {
  const figures = Object.entries(FIGURE).filter(([k]) => e[k] !== undefined && e[k] !== null).map(([k, label]) => `${label} ${e[k]}`);
  return html`<li class="${e.voided ? "voided" : ""} ${e.correction ? "correction" : ""}"><span class="date">${e.date}</span>
    ${e.stage ? html`<span class="pill stage-${e.stage}">${e.stage_label}</span>` : html`<span class="pill">跟进</span>`}
    ${e.correction ? html`<span class="pill warn-stalled">纠正</span>` : ""}${e.voided ? html`<span class="pill">已作废</span>` : ""}
    ${figures.join("；")} ${e.note || ""} ${e.reason ? html`<span class="hint">原因：${e.reason}</span>` : ""}
    <span class="hint">${e.by.replace(/ \(.*\)$/, "")} 记录于 ${e.recorded_at.slice(0, 10)}</span></li>`;
}

export async function render(main, { params: [id], session }) {
  const p = await api(`/projects/${encodeURIComponent(id)}`);
  setTitle(p.name);
  const fact = (label, value) => (value === null || value === undefined || value === "" ? "" : html`<div><dt>${label}</dt><dd>${value}</dd></div>`);
  mount(main, html`
    <section class="page-head">
      <div><p class="crumbs"><a href="/projects">项目库</a> › ${p.name}</p>
      <h1>${p.name} <span class="pill stage-${p.stage}">${p.stage_label}</span></h1>
      <p class="sub"><a href="/enterprises/${p.enterprise}">${p.enterprise_name || p.enterprise}</a> · ${p.unit_name || p.unit}${p.chain ? html` · <a href="/chains/${p.chain}">${p.chain_name || p.chain}</a>${p.link_name ? `·${p.link_name}` : ""}` : ""}${p.synthetic ? " · 示例数据（合成）" : ""}</p>
      <div>${warningPills(p.warnings)}</div></div>
    </section>
    ${p.conflicts?.length ? html`<div class="error" role="alert">撞单：${p.conflicts.map((c) => html`${c.first.unit_name || c.first.unit}（${c.first.project}，首报）与 ${c.second.unit_name || c.second.unit}（${c.second.project}）同时在跟进该企业。`)}</div>` : ""}
    <section class="card">${stageLine(p)}</section>
    <div class="detail-layout">
      <section class="card"><h2>项目信息</h2><dl class="facts">
        ${fact("计划投资", capital(p.investment))}${fact("重特大项目", p.major ? "是（≥10亿元）" : "")}
        ${fact("外资项目", p.foreign ? "是" : "")}${fact("科技型", p.tech ? "是" : "")}
        ${fact("用地（亩）", p.land_mu)}${fact("包联领导", p.leader)}${fact("联系人", p.contact)}
        ${fact("计划开工", p.expected_start)}${fact("计划投产", p.expected_production)}
        ${fact("签约金额", p.figures.signed_amount != null ? capital(p.figures.signed_amount) : null)}
        ${fact("累计完成投资", p.figures.invested_total != null ? capital(p.figures.invested_total) : null)}
        ${fact("累计到位资金", p.figures.funds_in_place_total != null ? capital(p.figures.funds_in_place_total) : null)}
        ${fact("来自招商线索", p.lead ? `${p.lead.chain}${p.lead.link ? `/${p.lead.link}` : ""}（得分 ${p.lead.score.toFixed(1)}）` : "")}
        ${fact("项目编号", p.id)}${fact("登记", `${p.created_by.replace(/ \(.*\)$/, "")} ${p.created_at.slice(0, 10)}`)}
      </dl></section>
      <section class="card"><h2>进展记录</h2>
        ${p.events.length ? html`<ul class="timeline">${[...p.events].reverse().map(event)}</ul>` : html`<p class="empty">还没有进展记录。</p>`}
        ${can(session, "analyst") ? html`<h2>记录进展</h2>
        <form id="event" class="grid-form" novalidate>
          <label>阶段 <select name="stage"><option value="">（只更新数字或说明）</option>${Object.entries(STAGE_LABEL).filter(([k]) => k !== "lead").map(([k, v]) => html`<option value="${k}">${v}</option>`)}</select></label>
          <label>日期 <input name="date" type="date" value="${new Date().toISOString().slice(0, 10)}"></label>
          ${Object.entries(FIGURE).map(([k, label]) => html`<label>${label} <input name="${k}" inputmode="decimal"></label>`)}
          <label>说明 <input name="note" placeholder="走访、洽谈要点…"></label>
          <label>原因 <input name="reason" placeholder="搁置、终止须填写；企业无意向填 no_interest"></label>
          <p class="form-error" id="event-error" role="alert"></p>
          <button type="submit">保存</button>
        </form>` : ""}
      </section>
    </div>`);
  main.querySelector("#event")?.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    form.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
    const body = Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ""));
    try {
      await api(`/projects/${p.id}/events`, { method: "POST", body });
      toast("已记录");
      location.reload();
    } catch (err) {
      const problems = err.problems?.length ? err.problems : [{ field: err.field, message: message(err) }];
      for (const pr of problems) form.querySelector(`[name="${pr.field}"]`)?.classList.add("invalid");
      form.querySelector("#event-error").textContent = problems.map((pr) => pr.message).join("；");
    }
  });
}
