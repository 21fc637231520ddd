// 项目库: every project with its stage, dates and warnings; filters by unit, stage, chain and
// warning, with the count of each stage; analysts add a project here.

import { api, can } from "../api.js";
import { html, mount, setTitle, capital, toast, message, debounce } from "../ui.js";
import { STAGE_LABEL, WARNING_LABEL, warningPills, unitOptions } from "./project-common.js";

export async function render(main, { session, query }) {
  setTitle("项目库");
  const [{ units }, { chains }] = await Promise.all([api("/units"), api("/chains")]);
  const filters = ["unit", "stage", "chain", "warning", "q"];
  const state = Object.fromEntries(filters.map((f) => [f, query.get(f) || ""]));
  mount(main, html`
    <section class="page-head">
      <div><h1>项目库</h1><p class="sub">从线索到投产：每个项目的阶段、关键日期与预警（数字截至今日）。</p></div>
      <div class="actions"><a class="button secondary" href="/reports/${new Date().toISOString().slice(0, 7)}">本月通报</a></div>
    </section>
    <form class="card filters" id="filters">
      <label>单位 <select name="unit"><option value="">全部</option>${unitOptions(units, state.unit)}</select></label>
      <label>阶段 <select name="stage"><option value="">全部</option>${Object.entries(STAGE_LABEL).map(([k, v]) => html`<option value="${k}" ${state.stage === k ? "selected" : ""}>${v}</option>`)}</select></label>
      <label>产业链 <select name="chain"><option value="">全部</option>${chains.map((c) => html`<option value="${c.id}" ${state.chain === c.id ? "selected" : ""}>${c.name}</option>`)}</select></label>
      <label>预警 <select name="warning"><option value="">全部</option>${Object.entries(WARNING_LABEL).map(([k, v]) => html`<option value="${k}" ${state.warning === k ? "selected" : ""}>${v}</option>`)}</select></label>
      <label>关键词 <input name="q" type="search" value="${state.q}" placeholder="项目、企业、单位、包联领导"></label>
    </form>
    <div id="stages" class="stage-counts"></div>
    <section class="card"><div id="list"><p class="empty">加载中…</p></div></section>
    ${can(session, "analyst") ? html`<section class="card"><h2>登记新项目</h2>
      <form id="add" class="grid-form">
        <label>项目名称 <input name="name" placeholder="默认为企业名称 + 项目"></label>
        <label>企业编号 <input name="enterprise" required placeholder="E00000042（在企业搜索中可查）"></label>
        <label>单位 <select name="unit" required>${unitOptions(units, session.unit || "")}</select></label>
        <label>计划投资（万元）<input name="investment" inputmode="decimal"></label>
        <label>产业链 <select name="chain"><option value="">—</option>${chains.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select></label>
        <label>当前阶段 <select name="stage"><option value="">线索</option>${Object.entries(STAGE_LABEL).filter(([k]) => !["lead", "on_hold", "dropped"].includes(k)).map(([k, v]) => html`<option value="${k}">${v}</option>`)}</select></label>
        <label>日期 <input name="date" type="date"></label>
        <label>包联领导 <input name="leader"></label>
        <p class="form-error" id="add-error" role="alert"></p>
        <button type="submit">登记</button>
      </form></section>` : ""}`);
  const form = main.querySelector("#filters");
  async function load() {
    const q = new URLSearchParams(Object.entries(state).filter(([, v]) => v));
    history.replaceState(null, "", `/projects${q.toString() ? `?${q}` : ""}`);
    q.set("limit", "200");
    try {
      const r = await api(`/projects?${q}`);
      main.querySelector("#stages").innerHTML = String(html`${Object.entries(STAGE_LABEL).map(([k, v]) => html`<span class="stage-count ${r.stages[k] ? "" : "zero"}"><b>${r.stages[k] || 0}</b>${v}</span>`)}`);
      main.querySelector("#list").innerHTML = String(r.projects.length
        ? html`<p class="hint">共 ${r.total} 个项目${r.total > r.projects.length ? `，显示前 ${r.projects.length} 个` : ""}</p>
          <table class="grid projects"><thead><tr><th>项目</th><th>企业</th><th>单位</th><th>阶段</th><th class="num">计划投资</th><th>签约</th><th>开工</th><th>预警</th></tr></thead><tbody>
          ${r.projects.map((p) => html`<tr data-project="${p.id}"><td><a href="/projects/${p.id}">${p.name}</a>${p.synthetic ? html` <span class="hint">示例</span>` : ""}</td>
            <td><a href="/enterprises/${p.enterprise}">${p.enterprise_name || p.enterprise}</a></td><td>${p.unit_name || p.unit}</td>
            <td><span class="pill stage-${p.stage}">${p.stage_label}</span></td><td class="num">${capital(p.investment)}</td>
            <td>${p.dates.signed || ""}</td><td>${p.dates.started || ""}</td><td>${warningPills(p.warnings)}</td></tr>`)}</tbody></table>`
        : html`<p class="empty">没有符合条件的项目。</p>`);
    } catch (err) {
      main.querySelector("#list").innerHTML = String(html`<div class="error">${message(err)}</div>`);
    }
  }
  const reload = debounce(load, 250);
  form.addEventListener("input", (ev) => {
    state[ev.target.name] = ev.target.value;
    reload();
  });
  form.addEventListener("submit", (ev) => ev.preventDefault());
  main.querySelector("#add")?.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = Object.fromEntries([...new FormData(ev.target)].filter(([, v]) => v !== ""));
    try {
      const p = await api("/projects", { method: "POST", body });
      toast(p.conflicts?.length ? `已登记；注意撞单：${p.conflicts[0].first.unit_name} 已首报该企业` : "已登记");
      location.href = `/projects/${p.id}`;
    } catch (err) {
      const problems = err.problems?.length ? err.problems.map((p) => p.message).join("；") : message(err);
      main.querySelector("#add-error").textContent = problems;
    }
  });
  await load();
}
