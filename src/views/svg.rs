//! The chain map as an SVG picture (`GET /api/v1/chains/{id}/map.svg`): three columns 上游 →
//! 中游 → 下游, one box per link (sub-links indented under their parent) coloured by status, ★ for
//! key links, flows as arrows, a legend. Self-contained (no fonts or scripts fetched), so it
//! prints and embeds on offline networks.

use super::ChainDetail;
use crate::graph::LinkState;
use crate::model::Stage;
use std::collections::HashMap;
use std::fmt::Write;

const COLUMN_WIDTH: f64 = 300.0;
const BOX_WIDTH: f64 = 230.0;
const BOX_HEIGHT: f64 = 34.0;
const ROW: f64 = 46.0;
const TOP: f64 = 128.0;
const INDENT: f64 = 18.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn colour(status: LinkState, restricted: bool) -> (&'static str, &'static str) {
    if restricted {
        return ("#e5e7eb", "#6b7280");
    }
    match status {
        LinkState::Strong => ("#d1fae5", "#047857"),
        LinkState::Weak => ("#fef3c7", "#b45309"),
        LinkState::Missing => ("#fee2e2", "#b91c1c"),
    }
}

/// The `data-status` of a link box, for the page's click handling and tests.
fn status_word(status: LinkState, restricted: bool) -> &'static str {
    match (restricted, status) {
        (true, _) => "restricted",
        (_, LinkState::Strong) => "strong",
        (_, LinkState::Weak) => "weak",
        (_, LinkState::Missing) => "missing",
    }
}

/// 链主 named in the header: designated ones, else the strongest local enterprise (推定).
fn masters(d: &ChainDetail) -> String {
    if d.chain_masters.is_empty() {
        return "—".into();
    }
    let names: Vec<&str> = d.chain_masters.iter().map(|m| m.name.as_str()).collect();
    let inferred = d.chain_masters.iter().all(|m| !m.designated);
    format!("{}{}", names.join("、"), if inferred { "（推定）" } else { "" })
}

/// Renders the map of a chain.
pub fn chain_map(d: &ChainDetail) -> String {
    let depth = |id: &str| {
        let mut n = 0;
        let mut at = d.links.iter().find(|l| l.id == id).and_then(|l| l.parent.clone());
        while let Some(p) = at {
            n += 1;
            if n > d.links.len() {
                break;
            }
            at = d.links.iter().find(|l| l.id == p).and_then(|l| l.parent.clone());
        }
        n
    };
    // Position every link: column by stage, rows in file order (parents come before children).
    let mut pos: HashMap<&str, (f64, f64, f64)> = HashMap::new(); // x, y, width
    let mut rows = [0usize; 3];
    for link in &d.links {
        let col = match link.stage {
            Stage::Upstream => 0,
            Stage::Midstream => 1,
            Stage::Downstream => 2,
        };
        let indent = depth(&link.id) as f64 * INDENT;
        let x = 30.0 + col as f64 * COLUMN_WIDTH + indent;
        let y = TOP + rows[col] as f64 * ROW;
        rows[col] += 1;
        pos.insert(link.id.as_str(), (x, y, BOX_WIDTH - indent));
    }
    let height = TOP + *rows.iter().max().unwrap_or(&1) as f64 * ROW + 90.0;
    let width = 30.0 + 3.0 * COLUMN_WIDTH;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="'Noto Sans CJK SC','Microsoft YaHei',sans-serif" font-size="13">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="30" y="36" font-size="22" font-weight="bold">{}产业链图谱</text>
<text x="30" y="62" fill="#475569">{} · 链长：{} · 牵头部门：{}</text>
<text x="30" y="82" fill="#475569">链主：{} · 优势环节 {} · 薄弱环节 {} · 缺失环节 {}</text>
"##,
        escape(&d.name),
        escape(&d.region_name),
        escape(d.owner.as_deref().unwrap_or("—")),
        escape(d.lead_department.as_deref().unwrap_or("—")),
        escape(&masters(d)),
        d.counts.strong,
        d.counts.weak,
        d.counts.missing
    );
    for (i, title) in ["上游", "中游", "下游"].iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{}" y="114" font-size="16" font-weight="bold" fill="#334155">{title}</text>"##,
            30.0 + i as f64 * COLUMN_WIDTH
        );
    }
    for f in &d.flows {
        let (Some(a), Some(b)) = (pos.get(f.from.as_str()), pos.get(f.to.as_str())) else { continue };
        if (a.0 - b.0).abs() < COLUMN_WIDTH / 2.0 {
            // Within one stage: an arc along the left side of the column.
            let (x1, y1, x2, y2) = (a.0, a.1 + BOX_HEIGHT / 2.0, b.0, b.1 + BOX_HEIGHT / 2.0);
            let left = x1.min(x2) - 22.0;
            let _ = writeln!(
                s,
                r##"<path d="M{x1},{y1} C{left},{y1} {left},{y2} {x2},{y2}" fill="none" stroke="#94a3b8" stroke-width="1.2" marker-end="url(#arrow)"/>"##
            );
            continue;
        }
        let (x1, y1) = (a.0 + a.2, a.1 + BOX_HEIGHT / 2.0);
        let (x2, y2) = (b.0, b.1 + BOX_HEIGHT / 2.0);
        let bend = ((x2 - x1).abs() / 2.0).max(30.0);
        let _ = writeln!(
            s,
            r##"<path d="M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}" fill="none" stroke="#94a3b8" stroke-width="1.2" marker-end="url(#arrow)"/>"##,
            x1 + bend,
            x2 - bend
        );
    }
    for link in &d.links {
        let (x, y, w) = pos[link.id.as_str()];
        let (fill, stroke) = colour(link.status, link.restricted);
        let label = format!(
            "{}{} · {}家{}",
            if link.key { "★" } else { "" },
            link.name,
            link.local_count,
            match link.lead_kind {
                Some(k) => format!(" · {}", k.chinese()),
                None => String::new(),
            }
        );
        let label = match link.projects_in_progress {
            0 => label,
            n => format!("{label} · 在办{n}"),
        };
        let _ = writeln!(
            s,
            r##"<g class="link" data-link="{}" data-status="{}" data-projects="{}"><title>{} ({})</title><rect x="{x}" y="{y}" width="{w}" height="{BOX_HEIGHT}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/><text x="{}" y="{}" fill="{stroke}">{}</text></g>"##,
            escape(&link.id),
            status_word(link.status, link.restricted),
            link.projects_in_progress,
            escape(&link.name),
            escape(&link.id),
            x + 10.0,
            y + 22.0,
            escape(&label)
        );
    }
    let ly = height - 40.0;
    for (i, (name, state, restricted)) in [
        ("优势环节", LinkState::Strong, false),
        ("薄弱环节", LinkState::Weak, false),
        ("缺失环节", LinkState::Missing, false),
        ("两高限制", LinkState::Missing, true),
    ]
    .iter()
    .enumerate()
    {
        let (fill, stroke) = colour(*state, *restricted);
        let x = 30.0 + i as f64 * 130.0;
        let _ = writeln!(
            s,
            r##"<rect x="{x}" y="{ly}" width="18" height="14" rx="3" fill="{fill}" stroke="{stroke}"/><text x="{}" y="{}" fill="#334155">{name}</text>"##,
            x + 24.0,
            ly + 12.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}" fill="#64748b">★ 关键环节 · 箭头为供给关系</text>"##,
        30.0 + 4.0 * 130.0,
        ly + 12.0
    );
    s.push_str("</svg>\n");
    s
}
