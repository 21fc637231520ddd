// What the project pages share: stage and warning labels, pills, unit options.

import { html } from "../ui.js";

export const STAGE_LABEL = {
  lead: "线索", contacted: "接洽", negotiating: "在谈", signed: "签约", started: "开工",
  completed: "竣工", producing: "投产", at_capacity: "达产", on_hold: "搁置", dropped: "终止",
};
export const WARNING_LABEL = {
  shadow: "影子项目", stalled: "推进停滞", empty_nest: "空巢", overdue_start: "逾期未开工",
};

export function warningPills(warnings) {
  return (warnings || []).map((w) => html`<span class="pill warn-${w.kind}" title="${w.label}，自 ${w.since}">${WARNING_LABEL[w.kind] || w.kind}</span> `);
}

/// Units as <option>s, indented under their parents.
export function unitOptions(units, selected) {
  const children = (parent) => units.filter((u) => (u.parent || null) === parent);
  const out = [];
  const walk = (parent, depth) => {
    for (const u of children(parent)) {
      out.push(html`<option value="${u.id}" ${u.id === selected ? "selected" : ""}>${"　".repeat(depth)}${u.name}</option>`);
      walk(u.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export function pct(v) {
  return v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`;
}
