// The one way the pages talk to the service: API v1 with the token kept in this browser tab's
// session (sessionStorage), errors turned into ApiError with the API's stable code.

const KEY = "chainscout.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t.trim()),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "internal";
    this.field = error.field;
    this.problems = error.problems || [];
  }
}

function headers(extra, secret) {
  const h = { ...extra };
  const t = secret ?? token.get();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

async function failure(res) {
  let error = { code: "internal", message: `HTTP ${res.status}` };
  try {
    error = (await res.json()).error || error;
  } catch (_) {
    /* not JSON: keep the status */
  }
  return new ApiError(res.status, error);
}

/// Calls `/api/v1{path}`. `body` may be an object (sent as JSON), a File/Blob (sent as is, with
/// `type`), or a string with `type`.
export async function api(path, { method = "GET", body, type, secret } = {}) {
  const init = { method, headers: headers({}, secret) };
  if (body !== undefined) {
    if (body instanceof Blob || typeof body === "string") {
      init.body = body;
      init.headers["Content-Type"] = type || body.type || "application/octet-stream";
    } else {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
  }
  const res = await fetch(`/api/v1${path}`, init);
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return null;
  const media = res.headers.get("Content-Type") || "";
  return media.startsWith("application/json") ? res.json() : res.text();
}

/// Fetches a file with the token and hands it to the browser as a download.
export async function download(path, filename) {
  const res = await fetch(`/api/v1${path}`, { headers: headers({}) });
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/// Who the caller is ({name, role, can_read}); asked once per page load.
let current;
export function session() {
  current ??= api("/session").catch(() => ({ role: null, can_read: false }));
  return current;
}

const RANK = { viewer: 1, analyst: 2, admin: 3 };
/// Whether the session's role is at least `role`.
export function can(s, role) {
  return (RANK[s.role] || 0) >= RANK[role];
}
