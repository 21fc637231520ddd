// 月度通报: the ranked units of a month with score, card and rates as bars, the warnings and the
// 撞单 — laid out to print on A4 (one unit a row). Download as a workbook; an admin publishes.

import { api, can, download } from "../api.js";
import { html, mount, setTitle, message, toast } from "../ui.js";
import { WARNING_LABEL, pct } from "./project-common.js";

const CARD = { red: "红牌", yellow: "黄牌" };
const RATES = [["signing_rate", "签约率"], ["start_rate", "开工率"], ["production_rate", "投产率"], ["capacity_rate", "达产率"], ["funds_rate", "资金到位率"]];

function rateBar(v) {
  if (v === null || v === undefined) return html`<span class="hint">—</span>`;
  const w = Math.max(0, Math.min(100, v * 100));
  return html`<span class="rate"><span class="rate-bar"><span style="width:${w}%"></span></span>${pct(v)}</span>`;
}

function shift(month, by) {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}

export async function render(main, { params: [month], session, query }) {
  const unit = query.get("unit") || "";
  const q = new URLSearchParams({ month });
  if (unit) q.set("unit", unit);
  const r = await api(`/reports/monthly?${q}`);
  setTitle(`${r.month} 招商通报`);
  const units = r.units;
  mount(main, html`
    <section class="page-head report-head">
      <div><p class="crumbs no-print"><a href="/projects">项目库</a> › 月度通报</p>
      <h1>${r.year} 年 ${Number(r.month.slice(5))} 月招商引资工作通报</h1>
      <p class="sub">数据截至 ${r.as_of}（按年度目标的 ${r.months_elapsed}/12 计算进度）${r.published ? html` · <b>已于 ${r.published.at.slice(0, 10)} 发布</b>，发布后数字冻结` : " · 未发布（实时数字）"}</p></div>
      <div class="actions no-print">
        <a class="button secondary" href="/reports/${shift(r.month, -1)}${unit ? `?unit=${unit}` : ""}">上月</a>
        ${shift(r.month, 1) <= new Date().toISOString().slice(0, 7) ? html`<a class="button secondary" href="/reports/${shift(r.month, 1)}${unit ? `?unit=${unit}` : ""}">下月</a>` : ""}
        <button type="button" id="xlsx">下载 Excel</button>
        <button type="button" class="secondary" onclick="window.print()" id="print">打印</button>
        ${can(session, "admin") && !r.published && !unit ? html`<button type="button" class="danger" id="publish">发布本月通报</button>` : ""}
      </div>
    </section>
    ${r.notes.map((n) => html`<p class="note">${n}</p>`)}
    ${r.corrections_since_publish?.length ? html`<p class="note">发布后又补录了 ${r.corrections_since_publish.length} 条本月及以前的进展（未计入上表）。</p>` : ""}
    <section class="card"><h2>综合排名</h2>
      <table class="grid report"><thead><tr><th class="num">排名</th><th>单位</th><th class="num">得分</th><th>牌</th>
        <th class="num">签约</th><th class="num">开工</th><th class="num">亿元以上竣工</th><th class="num">完成投资（万元）</th>
        ${RATES.map(([, l]) => html`<th>${l}</th>`)}<th>预警</th></tr></thead><tbody>
      ${units.map((u) => html`<tr data-unit="${u.unit}" class="${u.card ? `card-${u.card}` : ""}">
        <td class="num">${u.rank ?? "—"}</td><td>${u.name}</td>
        <td class="num"><b>${u.score === null ? "—" : u.score.toFixed(2)}</b></td>
        <td>${u.card ? html`<span class="pill card-${u.card}">${CARD[u.card]}</span>` : ""}</td>
        <td class="num">${u.counts.signed}${u.targets ? html`<span class="hint">/${u.targets.signed}</span>` : ""}</td>
        <td class="num">${u.counts.started}${u.targets ? html`<span class="hint">/${u.targets.started}</span>` : ""}</td>
        <td class="num">${u.counts.completed_100m}</td>
        <td class="num">${u.counts.invested.toLocaleString("zh-CN")}</td>
        ${RATES.map(([k]) => html`<td>${rateBar(u.rates[k])}</td>`)}
        <td>${Object.entries(u.warnings).filter(([, n]) => n).map(([k, n]) => html`<span class="pill warn-${k}">${WARNING_LABEL[k]} ${n}</span> `)}</td></tr>`)}
      </tbody></table>
      <p class="hint">得分：招引 30、开工 30、竣工 20、投资 20，按目标完成进度计（单项封顶），影子项目每个扣 1 分；低于 80 分黄牌，低于 60 分红牌。</p>
    </section>
    <section class="card"><h2>分产业链</h2>
      ${r.chains.length ? html`<table class="grid"><thead><tr><th>产业链</th><th class="num">项目</th><th class="num">签约</th><th class="num">开工</th>${RATES.map(([, l]) => html`<th>${l}</th>`)}</tr></thead><tbody>
        ${r.chains.map((c) => html`<tr><td><a href="/projects?chain=${c.key}">${c.name}</a></td><td class="num">${c.projects}</td><td class="num">${c.counts.signed}</td><td class="num">${c.counts.started}</td>${RATES.map(([k]) => html`<td>${rateBar(c.rates[k])}</td>`)}</tr>`)}</tbody></table>` : html`<p class="empty">没有挂在产业链上的项目。</p>`}
    </section>
    <section class="card"><h2>预警项目（${r.warnings.length}）</h2>
      ${r.warnings.length ? html`<table class="grid"><thead><tr><th>预警</th><th>项目</th><th>单位</th><th>起始</th></tr></thead><tbody>
        ${r.warnings.map((w) => html`<tr><td><span class="pill warn-${w.kind}">${w.label}</span></td><td><a href="/projects/${w.project}">${w.project_name}</a></td><td>${(units.find((u) => u.unit === w.unit) || {}).name || w.unit}</td><td>${w.since}</td></tr>`)}</tbody></table>` : html`<p class="empty">本月没有预警项目。</p>`}
    </section>
    <section class="card"><h2>撞单（${r.conflicts.length}）</h2>
      ${r.conflicts.length ? html`<table class="grid"><thead><tr><th>企业</th><th>首报</th><th>后报</th></tr></thead><tbody>
        ${r.conflicts.map((c) => html`<tr><td><a href="/enterprises/${c.enterprise}">${c.enterprise_name || c.enterprise}</a></td>
          <td>${c.first.unit_name || c.first.unit}（<a href="/projects/${c.first.project}">${c.first.project}</a>，${c.first.created_at.slice(0, 10)}）</td>
          <td>${c.second.unit_name || c.second.unit}（<a href="/projects/${c.second.project}">${c.second.project}</a>，${c.second.created_at.slice(0, 10)}）</td></tr>`)}</tbody></table>
        <p class="hint">按“首报首谈”：先登记的单位享有优先权；由管理员终止后报项目（原因 duplicate_pursuit）或改派。</p>` : html`<p class="empty">没有撞单。</p>`}
    </section>`);
  main.querySelector("#xlsx").onclick = () => download(`/reports/monthly?${q}&format=xlsx`, `招商通报-${r.month}.xlsx`).catch((e) => toast(message(e)));
  main.querySelector("#publish")?.addEventListener("click", async () => {
    if (!confirm(`发布 ${r.month} 通报？发布后该月数字冻结，之后补录的进展单独列出。`)) return;
    try {
      await api(`/reports/monthly/${r.month}/publish`, { method: "POST" });
      toast("已发布");
      location.reload();
    } catch (err) {
      toast(message(err));
    }
  });
}
