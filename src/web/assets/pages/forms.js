// Analyst forms: add or edit an enterprise (inline Chinese validation, server problems shown at
// their fields), upload a spreadsheet and read its per-row report, edit a chain's 链长, 牵头部门
// and key links.

import { api, can } from "../api.js";
import { html, mount, setTitle, toast, message, STAGE, errorBox, FIELD_NAME, productText } from "../ui.js";

const CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The same rules as the service (GB 32100-2015), so the analyst hears at once.
export function creditCodeProblem(input) {
  const code = input.trim().replace(/[\uFF10-\uFF5A]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).toUpperCase();
  if (!code) return null;
  const chars = [...code];
  if (chars.length !== 18) return `统一社会信用代码应为18位，实际为${chars.length}位`;
  let sum = 0;
  for (let i = 0; i < 18; i++) {
    const v = CHARSET.indexOf(chars[i]);
    if (v < 0) return `统一社会信用代码第${i + 1}位的字符“${chars[i]}”不在允许的字符集内`;
    if (i < 17) sum += v * WEIGHTS[i];
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) return `统一社会信用代码第3–8位应为行政区划代码数字，实际为“${code.slice(2, 8)}”`;
  const expected = CHARSET[(31 - (sum % 31)) % 31];
  if (expected !== chars[17]) return `统一社会信用代码校验位错误：应为“${expected}”，实际为“${chars[17]}”`;
  return null;
}

const FIELDS = [
  ["name", "企业名称", "text", "必填，工商登记的全称"],
  ["credit_code", "统一社会信用代码", "text", "18位，选填；填写后用于识别同一企业"],
  ["region", "行政区划", "text", "区划代码或名称，如 320583 或 江苏省苏州市昆山市"],
  ["address", "地址", "text", ""],
  ["registered_capital", "注册资本", "text", "如 5000、1.2亿元、500万元（默认单位：万元）"],
  ["founded", "成立日期", "text", "如 2021-10-19 或 2021年10月19日"],
  ["stock_code", "股票代码", "text", "如 300750.SZ"],
  ["aliases", "简称/曾用名", "text", "多个用顿号或分号分隔"],
  ["tags", "标签", "text", "如 高新技术企业、专精特新"],
  ["products", "主营产品", "textarea", "多个用顿号或分号分隔；用于匹配产业链环节"],
  ["description", "简介", "textarea", ""],
  ["links", "明确归属的产业链环节", "text", "写作 链ID/环节ID，如 lithium-battery/cathode"],
  ["signals", "企业动态", "textarea", "每行一条：类型 日期 说明，如 扩产 2024-03-01 新建20GWh产线"],
  ["partners", "上下游企业", "textarea", "每行一条：供应商:企业名称 或 客户:企业名称"],
];

function values(e) {
  if (!e) return {};
  const rel = { supplier: "供应商", customer: "客户" };
  return {
    ...e,
    registered_capital: e.registered_capital ?? "",
    aliases: (e.aliases || []).join("、"),
    tags: (e.tags || []).join("、"),
    products: (e.products || []).map(productText).join("、"),
    links: (e.links || []).join("；"),
    signals: (e.signals || []).map((s) => `${s.kind} ${s.date} ${s.text || ""}`.trim()).join("\n"),
    partners: (e.partners || []).map((p) => `${rel[p.relation] || p.relation}:${p.enterprise}`).join("\n"),
  };
}

function field([name, label, type, hint], v) {
  const value = v[name] ?? "";
  const input =
    type === "textarea"
      ? html`<textarea name="${name}" id="f-${name}" rows="3">${value}</textarea>`
      : html`<input name="${name}" id="f-${name}" value="${value}" ${name === "name" ? "required" : ""} autocomplete="off">`;
  return html`<div class="field" data-field="${name}"><label for="f-${name}">${label}${name === "name" ? html`<span class="required">*</span>` : ""}</label>${input}
    ${hint ? html`<small class="hint">${hint}</small>` : ""}<span class="field-error" role="alert"></span></div>`;
}

async function enterpriseForm(main, { params: [id], session }) {
  if (!can(session, "analyst")) throw Object.assign(new Error(), { code: "forbidden" });
  const existing = id ? await api(`/enterprises/${encodeURIComponent(id)}`) : null;
  const v = values(existing);
  setTitle(existing ? `编辑 ${existing.name}` : "新增企业");
  mount(main, html`
    <section class="page-head"><div>
      <p class="crumbs"><a href="/search">企业搜索</a> › ${existing ? html`<a href="/enterprises/${existing.id}">${existing.name}</a> › 编辑` : "新增企业"}</p>
      <h1>${existing ? "编辑企业信息" : "新增企业"}</h1></div></section>
    <form class="card form" id="enterprise-form" novalidate>
      <div class="form-grid">${FIELDS.map((f) => field(f, v))}
        <div class="field"><label><input type="checkbox" name="restricted" ${v.restricted ? "checked" : ""}> 两高企业（不作为招商线索）</label></div>
      </div>
      <div class="form-error" role="alert"></div>
      <div class="actions"><button type="submit">${existing ? "保存修改" : "保存企业"}</button><a class="button secondary" href="${existing ? `/enterprises/${existing.id}` : "/search"}">取消</a></div>
    </form>`);
  const form = main.querySelector("#enterprise-form");
  const show = (name, text) => {
    const box = form.querySelector(`[data-field="${name}"]`);
    if (!box) return false;
    box.classList.toggle("invalid", !!text);
    box.querySelector(".field-error").textContent = text || "";
    return true;
  };
  const checkCode = () => show("credit_code", creditCodeProblem(form.credit_code.value));
  form.credit_code.addEventListener("blur", checkCode);
  form.credit_code.addEventListener("input", () => form.querySelector('[data-field="credit_code"]').classList.contains("invalid") && checkCode());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    FIELDS.forEach(([name]) => show(name, ""));
    form.querySelector(".form-error").textContent = "";
    const local = [
      ["name", form.name.value.trim() ? null : "请填写企业名称"],
      ["credit_code", creditCodeProblem(form.credit_code.value)],
      ["region", form.region.value.trim() ? null : "请填写行政区划代码或名称"],
    ].filter(([, p]) => p);
    if (local.length) {
      local.forEach(([f, p]) => show(f, p));
      form.querySelector(".form-error").textContent = "请先改正标红的项目，企业尚未保存。";
      form.querySelector(".invalid input, .invalid textarea")?.focus();
      return;
    }
    const body = {};
    for (const [name] of FIELDS) {
      const value = form[name].value.trim();
      if (value) body[name] = name === "signals" || name === "partners" ? value.split("\n").map((s) => s.trim()).filter(Boolean) : value;
    }
    body.restricted = form.restricted.checked;
    try {
      const saved = await api(existing ? `/enterprises/${existing.id}` : "/enterprises", { method: existing ? "PUT" : "POST", body });
      toast("已保存");
      location.href = `/enterprises/${saved.id}`;
    } catch (err) {
      const problems = err.problems?.length ? err.problems : err.field ? [{ field: err.field, message: err.message }] : [];
      const unplaced = problems.filter((p) => !show(p.field, p.message));
      form.querySelector(".form-error").textContent = `未保存：${unplaced.length ? unplaced.map((p) => p.message).join("；") : message(err)}`;
    }
  });
}

const MEDIA = {
  csv: "text/csv",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xls: "application/vnd.ms-excel",
  jsonl: "application/x-ndjson",
  ndjson: "application/x-ndjson",
};

function report(r) {
  const csv = () => {
    const q = (s) => `"${String(s ?? "").replace(/"/g, '""')}"`;
    const lines = [["行号", "字段", "原因", "代码"].map(q).join(",")].concat(r.rejected.map((x) => [x.row, FIELD_NAME[x.field] || x.field, x.errors.map((e) => e.reason).join("；"), x.code].map(q).join(",")));
    return URL.createObjectURL(new Blob(["\uFEFF" + lines.join("\r\n")], { type: "text/csv" }));
  };
  return html`<section class="card report" id="report">
    <h2>导入结果</h2>
    <ul class="counts big"><li class="strong"><b>${r.inserted}</b>新增</li><li><b>${r.updated}</b>更新</li><li class="${r.rejected.length ? "missing" : ""}"><b>${r.rejected.length}</b>被拒绝</li></ul>
    ${r.ignored_columns?.length ? html`<p class="warning">以下列未识别，已忽略：${r.ignored_columns.join("、")}</p>` : ""}
    ${r.unchanged || r.merged ? html`<p>${r.unchanged || 0} 行与已有记录相同，未改动；${r.merged || 0} 行是文件内重复的企业，已合并。</p>` : ""}
    ${regionLine(r)}
    ${r.rejected.length
      ? html`<p>被拒绝的行未写入，其余行均已保存。改正后可重新导入同一文件：已导入的行会按信用代码或名称+地区更新，不会重复。 <a class="button secondary" download="导入被拒行.csv" href="${csv()}">下载被拒行清单</a></p>
        <table class="grid rejected"><thead><tr><th class="num" title="从第一条数据算起，不含表头和标题行">数据行号</th><th>字段</th><th>原因</th><th>代码</th></tr></thead><tbody>
        ${r.rejected.map((x) => html`<tr><td class="num">${x.row}</td><td>${FIELD_NAME[x.field] || x.field || "整行"}</td><td>${x.errors.map((e, i) => html`${i ? html`<br>` : ""}${e.reason}`)}</td><td><code>${x.code}</code></td></tr>`)}</tbody></table>`
      : html`<p class="ok">全部行均已保存。</p>`}
  </section>`;
}

/// Fields a column can be read into, with the Chinese names the preview's selects show.
const IMPORT_FIELDS = { ...FIELD_NAME, province: "省", city: "市", county: "区县", industry_code: "行业代码", registered_capital_currency: "注册资本币种", source: "数据来源" };

/// A CSV or JSONL file over this size is previewed from its first part only (the page never reads
/// a large file whole for a preview); a workbook is sent whole.
const PREVIEW_BYTES = 1 << 20;

async function previewBody(file, ext) {
  if (!["csv", "jsonl", "ndjson"].includes(ext) || file.size <= PREVIEW_BYTES) return { body: file, partial: false };
  const head = new Uint8Array(await file.slice(0, PREVIEW_BYTES).arrayBuffer());
  const cut = head.lastIndexOf(10); // the last whole line
  return { body: new Blob([head.slice(0, cut + 1)]), partial: true };
}

function regionLine(r) {
  const g = r.region_inferred || { address: 0, credit_code: 0, name: 0 };
  const n = g.address + g.credit_code + g.name;
  if (!n && !r.region_unknown) return "";
  return html`<p>地区推断：按地址 ${g.address} 行，按信用代码 ${g.credit_code} 行，按企业名称 ${g.name} 行${r.region_unknown ? html`；<b>${r.region_unknown}</b> 家无法确定地区，记为“地区不详”` : ""}。</p>`;
}

function preview(p, partial) {
  const r = p.report;
  const options = (field) => html`<option value="" ${field ? "" : "selected"}>（忽略此列）</option>${Object.entries(IMPORT_FIELDS).map(([f, label]) => html`<option value="${f}" ${f === field ? "selected" : ""}>${label}</option>`)}`;
  return html`<section class="card preview" id="preview">
    <h2>导入预览 <span class="sub">尚未保存任何数据</span></h2>
    ${r.header === "guessed" ? html`<p class="warning">文件没有表头，已按内容识别列（见下表），请核对。</p>` : ""}
    ${partial ? html`<p class="warning">文件较大，预览只读取了前 1MB；正式导入时读取全部行。</p>` : ""}
    <h3>列对应</h3>
    <table class="grid mapping"><thead><tr><th class="num">列</th><th>文件中的表头</th><th>导入为</th></tr></thead><tbody>
      ${r.columns.map((c) => html`<tr><td class="num">${c.column}</td><td>${c.header || html`<span class="muted">（无表头）</span>`}</td><td><select data-column="${c.column}" aria-label="第${c.column}列导入为">${options(c.field)}</select></td></tr>`)}
    </tbody></table>
    <h3>前 ${p.sample.length} 家企业（保存后的样子）</h3>
    <table class="grid sample"><thead><tr><th>企业名称</th><th>地区</th><th>统一社会信用代码</th><th class="num">注册资本（万元）</th><th>成立日期</th><th>地址</th></tr></thead><tbody>
      ${p.sample.map((e) => html`<tr><td>${e.name}</td><td>${e.region_name}</td><td>${e.credit_code || ""}</td><td class="num">${e.registered_capital ?? ""}${e.registered_capital_currency ? ` ${e.registered_capital_currency}` : ""}</td><td>${e.founded || ""}</td><td>${e.address || ""}</td></tr>`)}
    </tbody></table>
    <h3>预计结果</h3>
    <ul class="counts"><li class="strong"><b>${r.inserted}</b>新增</li><li><b>${r.updated}</b>更新</li><li><b>${r.unchanged || 0}</b>无变化</li><li><b>${r.merged || 0}</b>文件内重复（合并）</li><li class="${r.rejected.length ? "missing" : ""}"><b>${r.rejected.length}</b>将被拒绝</li></ul>
    ${r.skipped_rows ? html`<p class="warning">开头 ${r.skipped_rows} 行没有企业名称（标题或无法识别的表头），已跳过。</p>` : ""}
    ${regionLine(r)}
    ${r.rejected.length ? html`<table class="grid rejected"><thead><tr><th class="num">数据行号</th><th>字段</th><th>原因</th></tr></thead><tbody>${r.rejected.slice(0, 50).map((x) => html`<tr><td class="num">${x.row}</td><td>${FIELD_NAME[x.field] || x.field || "整行"}</td><td>${x.reason}</td></tr>`)}</tbody></table>` : ""}
    <div class="actions"><button type="button" data-action="import" id="confirm-import">确认导入</button></div>
  </section>`;
}

async function importForm(main, { session }) {
  if (!can(session, "analyst")) throw Object.assign(new Error(), { code: "forbidden" });
  setTitle("批量导入");
  mount(main, html`
    <section class="page-head"><div><h1>批量导入企业</h1>
      <p class="sub">支持 Excel（XLSX/XLS）、CSV（UTF-8 或 GBK）和 JSONL，包括企查查、天眼查、启信宝导出的文件和没有表头的名单。先预览：核对列对应和前 20 行，需要时改列，再确认导入。某一行有错只拒绝该行。</p></div></section>
    <form class="card form" id="import-form">
      <label class="drop" id="drop"><input type="file" name="file" accept=".csv,.xlsx,.xls,.jsonl,.ndjson" required><span>选择文件，或把文件拖到这里</span></label>
      <div class="form-error" role="alert"></div>
      <div class="actions"><button type="submit">预览</button></div>
      <details class="help" id="header-help"><summary>可识别的表头</summary><div class="loading">…</div></details>
    </form>
    <div id="result"></div>`);
  const form = main.querySelector("#import-form");
  const drop = main.querySelector("#drop");
  const result = main.querySelector("#result");
  const error = form.querySelector(".form-error");
  api("/imports/headers").then((list) => mount(main.querySelector("#header-help div"), html`<table class="grid"><tbody>${list.map((h) => html`<tr><th>${IMPORT_FIELDS[h.field] || h.field}</th><td>${h.headers.join("、")}</td></tr>`)}</tbody></table><p class="sub">比较前会统一全角半角、去掉括号里的单位和空格；表头写“元”时注册资本按元换算。没有地区列时按地址、信用代码、企业名称推断地区。</p>`)).catch(() => {});
  drop.addEventListener("dragover", (e) => (e.preventDefault(), drop.classList.add("over")));
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    form.file.files = e.dataTransfer.files;
    drop.querySelector("span").textContent = form.file.files[0]?.name || "";
  });
  form.file.addEventListener("change", () => (drop.querySelector("span").textContent = form.file.files[0]?.name || ""));
  let map = new Map(); // column → field ("" ignores), as the user changed it
  const query = () => (map.size ? `?map=${encodeURIComponent([...map].map(([c, f]) => `${c}:${f}`).join(","))}` : "");
  const showPreview = async () => {
    const file = form.file.files[0];
    error.textContent = "";
    if (!file) return (error.textContent = "请先选择文件");
    const ext = file.name.split(".").pop().toLowerCase();
    if (!MEDIA[ext]) return (error.textContent = `不支持 .${ext} 文件：请上传 CSV、XLSX、XLS 或 JSONL`);
    const { body, partial } = await previewBody(file, ext);
    try {
      const p = await api(`/imports/preview${query()}`, { method: "POST", body, type: MEDIA[ext] });
      mount(result, preview(p, partial));
      result.querySelectorAll("select[data-column]").forEach((select) => select.addEventListener("change", () => {
        map.set(Number(select.dataset.column), select.value);
        showPreview();
      }));
      result.querySelector("#confirm-import").addEventListener("click", async (e) => {
        e.target.disabled = true;
        e.target.textContent = "正在导入…";
        try {
          const r = await api(`/imports${query()}`, { method: "POST", body: file, type: MEDIA[ext] });
          mount(result, report(r));
        } catch (err) {
          error.textContent = message(err);
          e.target.disabled = false;
          e.target.textContent = "确认导入";
        }
      });
    } catch (err) {
      error.textContent = message(err);
    }
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    map = new Map();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await showPreview();
    } finally {
      button.disabled = false;
    }
  });
}

async function chainForm(main, { params: [id], session }) {
  if (!can(session, "analyst")) throw Object.assign(new Error(), { code: "forbidden" });
  const d = await api(`/chains/${encodeURIComponent(id)}?per_link=0`);
  setTitle(`编辑 ${d.name}`);
  const byStage = ["upstream", "midstream", "downstream"].map((s) => [s, d.links.filter((l) => l.stage === s)]);
  mount(main, html`
    <section class="page-head"><div><p class="crumbs"><a href="/">产业链总览</a> › <a href="/chains/${d.id}">${d.name}</a> › 编辑</p>
      <h1>编辑${d.name}产业链</h1><p class="sub">链长、牵头部门与关键环节。环节本身的增删请修改图谱文件（graphs/${d.id}.toml）后导入。</p></div></section>
    <form class="card form" id="chain-form">
      <div class="form-grid">
        <div class="field" data-field="owner"><label for="f-owner">链长</label><input id="f-owner" name="owner" value="${d.owner || ""}" placeholder="如：王某（副市长）"><span class="field-error"></span></div>
        <div class="field" data-field="lead_department"><label for="f-dep">牵头部门</label><input id="f-dep" name="lead_department" value="${d.lead_department || ""}" placeholder="如：省工业和信息化厅"><span class="field-error"></span></div>
      </div>
      <h2>关键环节</h2>
      <div class="stages">${byStage.map(([s, links]) => html`<fieldset><legend>${STAGE[s]}</legend>${links.map((l) => html`<label class="${l.parent ? "child" : ""}"><input type="checkbox" name="key" value="${l.id}" ${l.key ? "checked" : ""}> ${l.name}</label>`)}</fieldset>`)}</div>
      <div class="form-error" role="alert"></div>
      <div class="actions"><button type="submit">保存</button><a class="button secondary" href="/chains/${d.id}">取消</a></div>
    </form>`);
  const form = main.querySelector("#chain-form");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {
      owner: form.owner.value.trim() || null,
      lead_department: form.lead_department.value.trim() || null,
      key_links: [...form.querySelectorAll("input[name=key]:checked")].map((c) => c.value),
    };
    try {
      await api(`/chains/${encodeURIComponent(id)}`, { method: "PATCH", body });
      toast("已保存");
      location.href = `/chains/${id}`;
    } catch (err) {
      form.querySelector(".form-error").textContent = message(err);
    }
  });
}

export async function render(main, ctx) {
  try {
    if (ctx.variant === "import") return await importForm(main, ctx);
    if (ctx.variant === "chain") return await chainForm(main, ctx);
    return await enterpriseForm(main, ctx);
  } catch (err) {
    mount(main, errorBox(err));
  }
}
