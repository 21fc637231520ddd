// 招商地图: the server's map picture (GET …/geo.svg, the same as the download) placed inline and
// made usable: every region with candidates is a button (click or Enter picks it), hovering or
// focusing one shows its counts by lead kind. The page decides what a pick does.

import { api } from "../api.js";
import { mount, raw } from "../ui.js";

/// The query string of a map: level, within (a province for a city map), link, kind.
export function geoQuery({ level, within, link, kind }) {
  const q = new URLSearchParams();
  if (level && level !== "province") q.set("level", level);
  if (within) q.set("within", within);
  if (link) q.set("link", link);
  if (kind) q.set("kind", kind);
  return q;
}

/// Draws the map of chain `id` into `el`; `hover` is an element for the counts line; `onPick`
/// gets (code, name, level) of a clicked region; `selected` is a region code to mark. Returns the
/// level drawn and the names of the regions on it (code → name).
export async function drawMap(el, id, filters, { hover, onPick, selected }) {
  const q = geoQuery(filters);
  const svg = await api(`/chains/${encodeURIComponent(id)}/geo.svg${q.size ? `?${q}` : ""}`);
  mount(el, raw(svg));
  const root = el.querySelector("svg");
  const level = root?.dataset.level || "province";
  el.querySelectorAll("svg > g path[data-region]").forEach((p) => {
    const title = p.querySelector("title")?.textContent || p.dataset.name;
    const show = () => hover && (hover.textContent = title);
    p.addEventListener("mouseenter", show);
    if (p.dataset.region === selected) p.classList.add("gm-selected");
    // Only a region with candidates is a button (台湾, 香港, 澳门 and empty regions have no list).
    if (p.dataset.leads === "0") return;
    p.classList.add("gm-pick");
    p.setAttribute("tabindex", "0");
    p.setAttribute("role", "button");
    p.setAttribute("aria-label", title);
    p.addEventListener("focus", show);
    const pick = () => onPick(p.dataset.region, p.dataset.name, level);
    p.addEventListener("click", pick);
    p.addEventListener("keydown", (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), pick()));
  });
  const names = { [root?.dataset.within || ""]: root?.dataset.withinName || "" };
  el.querySelectorAll("path[data-region]").forEach((p) => (names[p.dataset.region] = p.dataset.name));
  return { level, names };
}
