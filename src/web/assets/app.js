// The page router: one shell for every path of SPEC §9, each path rendered by its module from
// API data. Navigation between pages is ordinary links; the role decides what is shown.

import { session, can, token } from "./api.js";
import { html, mount, errorBox, ROLE, esc } from "./ui.js";

const ROUTES = [
  [/^\/$/, "overview"],
  [/^\/login$/, "login"],
  [/^\/search$/, "search"],
  [/^\/imports$/, "forms", "import"],
  [/^\/chains\/([^/]+)$/, "chain"],
  [/^\/chains\/([^/]+)\/leads$/, "leads"],
  [/^\/chains\/([^/]+)\/compare$/, "compare"],
  [/^\/chains\/([^/]+)\/edit$/, "forms", "chain"],
  [/^\/enterprises\/new$/, "forms", "enterprise"],
  [/^\/enterprises\/([^/]+)\/edit$/, "forms", "enterprise"],
  [/^\/enterprises\/([^/]+)$/, "enterprise"],
  [/^\/projects$/, "projects"],
  [/^\/projects\/([^/]+)$/, "project"],
  [/^\/reports\/(\d{4}-\d{2})$/, "report"],
];

function nav(s) {
  const here = location.pathname;
  const item = (href, text, match) =>
    html`<a href="${href}" class="${match(here) ? "active" : ""}">${text}</a>`;
  document.getElementById("nav").innerHTML = String(html`
    ${item("/", "产业链总览", (p) => p === "/" || (p.startsWith("/chains/") && !p.endsWith("/leads")))}
    ${item("/search", "企业搜索", (p) => p === "/search" || (p.startsWith("/enterprises/") && p !== "/enterprises/new"))}
    ${item("/projects", "项目库", (p) => p.startsWith("/projects"))}
    ${item(`/reports/${new Date().toISOString().slice(0, 7)}`, "月度通报", (p) => p.startsWith("/reports/"))}
    ${can(s, "analyst") ? item("/enterprises/new", "新增企业", (p) => p === "/enterprises/new") : ""}
    ${can(s, "analyst") ? item("/imports", "批量导入", (p) => p === "/imports") : ""}`);
  const who = document.getElementById("who");
  if (s.role) {
    who.innerHTML = String(html`<span class="role ${s.role}" title="${s.name}">${ROLE[s.role]}</span>
      <span class="who-name">${(s.name || "").replace(/ \(.*\)$/, "")}</span>
      <button type="button" class="link-button" id="logout">退出</button>`);
    document.getElementById("logout").onclick = () => {
      token.clear();
      location.href = "/login";
    };
  } else {
    who.innerHTML = String(html`${s.can_read ? html`<span class="role viewer">公开只读</span>` : ""}<a href="/login">登录</a>`);
  }
}

async function start() {
  const s = await session();
  nav(s);
  const main = document.getElementById("page");
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const route = ROUTES.find(([re]) => re.test(path));
  if (!route) {
    mount(main, html`<div class="error">页面不存在：${esc(path)}</div>`);
    return;
  }
  if (!s.can_read && route[1] !== "login") {
    location.replace(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  const params = path.match(route[0]).slice(1).map(decodeURIComponent);
  try {
    const page = await import(`./pages/${route[1]}.js`);
    await page.render(main, { params, session: s, variant: route[2], query: new URLSearchParams(location.search) });
  } catch (err) {
    console.error(err);
    mount(main, errorBox(err));
  }
  document.body.dataset.ready = "true";
}

start();
