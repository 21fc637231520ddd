// Small helpers every page uses: safe HTML templates, Chinese labels and number formats,
// error messages an analyst understands, a toast.

class Raw {
  constructor(s) {
    this.s = s;
  }
  toString() {
    return this.s;
  }
}

/// Marks trusted HTML (e.g. the server's highlight with <em>, already escaped there).
export const raw = (s) => new Raw(s);

export function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function part(v) {
  if (v instanceof Raw) return v.s;
  if (Array.isArray(v)) return v.map(part).join("");
  if (v === null || v === undefined || v === false) return "";
  return esc(v);
}

/// Tagged template: interpolated values are escaped unless `raw`; arrays are joined.
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => {
    out += part(v) + strings[i + 1];
  });
  return raw(out);
}

export function mount(el, content) {
  el.innerHTML = String(content);
  return el;
}

export const STATUS = { strong: "优势", weak: "薄弱", missing: "缺失", restricted: "两高限制" };
export const KIND = { fill: "补链", extend: "延链", strengthen: "强链" };
export const DIRECTION = { upstream: "向上游", downstream: "向下游" };
export const STAGE = { upstream: "上游", midstream: "中游", downstream: "下游" };
/// The Chinese names of enterprise fields (SPEC §4), for reports and messages.
export const FIELD_NAME = {
  name: "企业名称", credit_code: "统一社会信用代码", region: "行政区划", address: "地址",
  registered_capital: "注册资本", founded: "成立日期", stock_code: "股票代码", aliases: "简称/曾用名",
  tags: "标签", products: "主营产品", description: "简介", links: "产业链环节", signals: "企业动态",
  partners: "上下游企业", restricted: "两高",
};
export const ROLE = { viewer: "查看", analyst: "分析员", admin: "管理员" };

/// 注册资本 (万元) as a reader says it: 1.2亿元, 5,000万元.
export function capital(wan) {
  if (wan === null || wan === undefined) return "—";
  if (wan >= 10000) return `${(wan / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 2 })}亿元`;
  return `${wan.toLocaleString("zh-CN", { maximumFractionDigits: 2 })}万元`;
}

export function evidence(ev) {
  if (!ev) return "";
  if (ev.via === "explicit") return "明确归属";
  if (ev.via === "industry") return `所属行业代码${ev.code}`;
  return `主营产品“${ev.product}”含关键词“${ev.keyword}”`;
}

/** A main product as analysts write it: `正极材料 62%`, or the bare name without a share (SPEC §11). */
export function productText(p) {
  if (typeof p === "string") return p;
  if (p.share == null) return p.name;
  return `${p.name} ${Number((p.share * 100).toFixed(2))}%`;
}

const CODE_TEXT = {
  missing_token: "请先登录：粘贴管理员发给您的访问令牌。",
  invalid_token: "访问令牌无效或已被吊销，请重新登录。",
  forbidden: "当前账号的角色无权执行此操作。",
  not_found: "没有找到要查看的内容，可能已被删除。",
  body_too_large: "文件太大，超过了服务允许的上限。",
  unsupported_media_type: "不支持的文件类型：请上传 CSV、XLSX、XLS 或 JSONL 文件。",
  malformed_body: "提交的内容无法解析。",
  internal: "服务内部错误，请稍后重试或联系管理员。",
};

/// A message in Chinese for an error: validation messages come in Chinese from the service.
export function message(err) {
  if (err && err.status === 422 && err.message) return err.message;
  if (err && err.code === "duplicate_enterprise") return err.message;
  if (err && err.code === "conflicting_identity") return err.message;
  if (err && CODE_TEXT[err.code]) return CODE_TEXT[err.code];
  if (err instanceof TypeError) return "无法连接服务，请检查网络。";
  return (err && err.message) || "出错了";
}

export function errorBox(err) {
  const login = err && (err.code === "missing_token" || err.code === "invalid_token");
  return html`<div class="error" role="alert">${message(err)}${login ? html` <a href="/login?next=${encodeURIComponent(location.pathname + location.search)}">去登录</a>` : ""}</div>`;
}

let toastTimer;
export function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 3000);
}

export function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

export function statusPill(status) {
  return html`<span class="pill ${status}">${STATUS[status] || status}</span>`;
}

export function kindPill(kind, direction) {
  return html`<span class="pill kind-${kind}">${KIND[kind] || kind}${direction ? html`·${DIRECTION[direction]}` : ""}</span>`;
}

export function setTitle(t) {
  document.title = t ? `${t} · 链探` : "链探 · 产业链招商平台";
}
