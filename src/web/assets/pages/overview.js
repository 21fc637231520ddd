// 产业链总览: every chain of the region as a card with its link statuses and lead kinds.

import { api } from "../api.js";
import { html, mount, setTitle } from "../ui.js";

function bar(c) {
  const total = c.strong + c.weak + c.missing || 1;
  const seg = (n, cls) => (n ? html`<span class="${cls}" style="width:${(100 * n) / total}%"></span>` : "");
  return html`<div class="bar" aria-hidden="true">${seg(c.strong, "strong")}${seg(c.weak, "weak")}${seg(c.missing, "missing")}</div>`;
}

function card(c) {
  return html`<article class="card chain-card" data-chain="${c.id}">
    <header><h2><a href="/chains/${c.id}">${c.name}</a></h2><span class="sector">${c.sector}</span></header>
    <dl class="meta">
      <div><dt>链长</dt><dd>${c.owner || "未设置"}</dd></div>
      <div><dt>牵头部门</dt><dd>${c.lead_department || "未设置"}</dd></div>
    </dl>
    ${bar(c.counts)}
    <ul class="counts">
      <li class="strong"><b>${c.counts.strong}</b>优势环节</li>
      <li class="weak"><b>${c.counts.weak}</b>薄弱环节</li>
      <li class="missing"><b>${c.counts.missing}</b>缺失环节</li>
    </ul>
    <ul class="counts kinds">
      <li><b>${c.leads.fill}</b>补链目标</li>
      <li><b>${c.leads.extend}</b>延链目标</li>
      <li><b>${c.leads.strengthen}</b>强链目标</li>
    </ul>
    <footer><a class="button" href="/chains/${c.id}">产业链图谱</a><a class="button secondary" href="/chains/${c.id}/leads">招商线索</a></footer>
  </article>`;
}

export async function render(main) {
  const { chains } = await api("/chains");
  const region = chains[0]?.region_name || "";
  const sum = (f) => chains.reduce((n, c) => n + f(c), 0);
  setTitle("产业链总览");
  mount(main, html`
    <section class="page-head">
      <div><h1>${region}重点产业链总览</h1>
      <p class="sub">共 ${chains.length} 条产业链、${sum((c) => c.n_links)} 个环节：优势 ${sum((c) => c.counts.strong)} · 薄弱 ${sum((c) => c.counts.weak)} · 缺失 ${sum((c) => c.counts.missing)}</p></div>
      <form class="quick-search" action="/search"><input name="q" type="search" placeholder="搜索企业、产品、简称…" aria-label="搜索企业"><button>搜索</button></form>
    </section>
    ${chains.length ? html`<div class="cards">${chains.map(card)}</div>` : html`<p class="empty">还没有产业链图谱。分析员可用命令行 <code>chainscout import chains</code> 导入。</p>`}`);
}
