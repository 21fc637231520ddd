// 企业详情: everything known about one enterprise — its record, the chain links it is in and why,
// its partners, signals, and the leads it appears in with its rank.

import { api, can } from "../api.js";
import { html, mount, setTitle, capital, evidence, productText, kindPill, toast, message } from "../ui.js";

const RELATION = { supplier: "供应商（向其供货）", customer: "客户（采购其产品）" };

function row(label, value) {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)
    ? ""
    : html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
}

export async function render(main, { params: [id], session }) {
  const [e, standing] = await Promise.all([api(`/enterprises/${encodeURIComponent(id)}`), api(`/enterprises/${encodeURIComponent(id)}/leads`)]);
  setTitle(e.name);
  mount(main, html`
    <section class="page-head">
      <div><p class="crumbs"><a href="/search">企业搜索</a> › ${e.name}</p>
      <h1>${e.name}${e.restricted ? html` <span class="pill restricted">两高</span>` : ""}</h1>
      <p class="sub">${e.region_name}${e.aliases?.length ? ` · 简称/曾用名：${e.aliases.join("、")}` : ""}</p>
      <div class="tags">${(e.tags || []).map((t) => html`<span class="tag">${t}</span>`)}</div></div>
      <div class="actions">
        ${can(session, "analyst") ? html`<a class="button" data-action="edit" href="/enterprises/${e.id}/edit">编辑</a>` : ""}
        ${can(session, "admin") ? html`<button type="button" class="danger" data-action="delete" id="delete">删除</button>` : ""}
      </div>
    </section>
    <div class="detail-layout">
      <section class="card"><h2>基本信息</h2><dl class="facts">
        ${row("统一社会信用代码", e.credit_code)}
        ${row("所在地区", e.region_name)}
        ${row("地址", e.address)}
        ${row("注册资本", e.registered_capital != null ? capital(e.registered_capital) : null)}
        ${row("成立日期", e.founded)}
        ${row("股票代码", e.stock_code)}
        ${row("主营产品", (e.products || []).map(productText).join("、"))}
        ${row("企业编号", e.id)}
      </dl>
      ${e.description ? html`<h3>简介</h3><p class="description">${e.description}</p>` : ""}</section>
      <section class="card"><h2>所在产业链环节</h2>
        ${e.chain_links.length
          ? html`<ul class="chain-links">${e.chain_links.map((l) => html`<li><a href="/chains/${l.chain}">${l.name || `${l.chain}/${l.link}`}</a> <span class="hint">${l.weak ? `契合度${Math.round(l.strength * 100)}%，低于本链门槛，仅作参考` : `契合度${Math.round(l.strength * 100)}%`}</span><div class="why">${l.evidence.map((ev) => html`<span>${evidence(ev)}</span>`)}</div></li>`)}</ul>`
          : html`<p class="empty">未归入任何产业链环节（主营产品未匹配环节关键词，也未明确归属）。</p>`}
        <h2>上下游企业</h2>
        ${e.partners.length
          ? html`<ul>${e.partners.map((p) => html`<li>${p.id ? html`<a href="/enterprises/${p.id}">${p.enterprise}</a>` : p.enterprise} <span class="hint">${RELATION[p.relation] || p.relation}</span></li>`)}</ul>`
          : html`<p class="empty">暂无上下游记录。</p>`}
        <h2>企业动态</h2>
        ${e.signals?.length
          ? html`<ul class="signals">${e.signals.map((s) => html`<li><span class="date">${s.date}</span><span class="pill">${s.kind}</span> ${s.text || ""}</li>`)}</ul>`
          : html`<p class="empty">暂无动态。</p>`}
      </section>
    </div>
    <section class="card"><h2>出现在以下招商线索中</h2>
      ${standing.leads.length
        ? html`<table class="grid"><thead><tr><th>产业链</th><th>目标环节</th><th>类型</th><th class="num">排名</th><th class="num">得分</th><th>推荐理由</th></tr></thead><tbody>
          ${standing.leads.map((s) => html`<tr><td><a href="/chains/${s.chain}/leads">${s.chain_name}</a></td><td>${s.lead.link_name || "（以商招商）"}</td><td>${kindPill(s.lead.kind, s.lead.direction)}</td>
            <td class="num">${s.rank} / ${s.total}</td><td class="num">${s.lead.score.toFixed(1)}</td><td><ul class="reasons compact">${s.lead.reasons.map((r) => html`<li>${r.text}</li>`)}</ul></td></tr>`)}</tbody></table>`
        : html`<p class="empty">目前不在任何产业链的招商线索中（本地企业、两高企业或已标记不再推荐的不会出现）。</p>`}
    </section>`);
  main.querySelector("#delete")?.addEventListener("click", async () => {
    if (!confirm(`确定删除“${e.name}”？删除后不可恢复（审计日志保留原记录）。`)) return;
    try {
      await api(`/enterprises/${e.id}`, { method: "DELETE" });
      toast("已删除");
      location.href = "/search";
    } catch (err) {
      toast(message(err));
    }
  });
}
