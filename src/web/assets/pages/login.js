// 登录: paste a token once; it is kept for this browser tab's session only.

import { api, token } from "../api.js";
import { html, mount, setTitle, message, ROLE } from "../ui.js";

// Where to go after logging in: `next` only when it resolves to this origin, as the browser
// itself would resolve it (`/\\evil.example`, `/%09/evil.example`, `//evil.example` and
// `javascript:` all resolve elsewhere), else the overview.
export function sameOriginTarget(next) {
  try {
    const url = new URL(next || "/", location.origin);
    if (url.origin !== location.origin) return "/";
    // The whole URL, not its path: a same-origin path can itself start with `//` (`/.//evil`,
    // `/a/..//evil`), which as a relative link would leave this origin.
    return url.href;
  } catch (_) {
    return "/";
  }
}

export async function render(main, { query, session }) {
  setTitle("登录");
  const next = sameOriginTarget(query.get("next"));
  mount(main, html`
    <section class="login card">
      <h1>登录链探</h1>
      <p class="sub">请粘贴管理员发给您的访问令牌。令牌只保存在本浏览器标签页中，关闭后需重新登录。</p>
      ${session.role ? html`<p class="ok">当前已登录：${ROLE[session.role]}</p>` : ""}
      <form id="login-form">
        <label for="token">访问令牌</label>
        <input id="token" name="token" type="password" autocomplete="off" required placeholder="cs_…">
        <div class="form-error" role="alert"></div>
        <button type="submit">登录</button>
      </form>
      <p class="hint">首次启动服务时，管理员令牌会打印在终端并保存在数据目录的 admin.token 文件中；管理员可用 <code>chainscout token create --role viewer</code> 为同事创建只读或分析员令牌。</p>
    </section>`);
  const form = main.querySelector("#login-form");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const secret = form.token.value.trim();
    try {
      const who = await api("/session", { secret });
      if (!who.role) throw Object.assign(new Error(), { code: "invalid_token" });
      token.set(secret);
      location.href = next;
    } catch (err) {
      form.querySelector(".form-error").textContent = message(err);
    }
  });
}
