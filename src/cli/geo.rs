//! `chainscout geo` and `chainscout compare` (issue 15): where a chain's candidates are, as a
//! table or the map picture, and the chain compared with another region — the same shapes as
//! `GET /api/v1/chains/{id}/geo` and `…/compare`.

use super::{Ctx, UsageError, flag};
use crate::app::App;
use crate::geo::MapLevel;
use crate::views::geo::{self as gv, CompareView, GeoQuery, GeoView};
use std::path::Path;

/// `--level province|city`.
pub fn level(l: Option<&str>) -> anyhow::Result<MapLevel> {
    match l {
        None => Ok(MapLevel::Province),
        Some(l) => MapLevel::parse(l)
            .ok_or_else(|| UsageError(format!("--level {l:?}: use province or city")).into()),
    }
}

/// A region flag: a code or a name (exit 2 with the region's own message when unknown or ambiguous).
pub fn region(v: Option<&str>) -> anyhow::Result<Option<crate::model::RegionCode>> {
    v.map(|r| crate::params::region(r).map_err(|p| crate::Error::Invalid(vec![p]).into())).transpose()
}

pub struct GeoArgs<'a> {
    pub chain: &'a str,
    pub level: Option<&'a str>,
    pub within: Option<&'a str>,
    pub link: Option<String>,
    pub kind: Option<&'a str>,
    pub out: Option<&'a Path>,
}

pub fn geo(ctx: &Ctx, a: GeoArgs) -> anyhow::Result<()> {
    if let Some(out) = a.out
        && out.extension().and_then(|e| e.to_str()) != Some("svg")
    {
        return Err(UsageError(format!("--out {}: the map is written as a .svg file", out.display())).into());
    }
    let gq = GeoQuery {
        level: level(a.level)?,
        within: region(a.within)?,
        link: a.link,
        kind: a.kind.map(|k| flag(crate::params::kind(k))).transpose()?,
    };
    let app = App::open(ctx.at())?;
    let view = gv::geo_view(&app, a.chain, &gq)?;
    if let Some(out) = a.out {
        std::fs::write(out, crate::views::geo_svg::china_map(&view)).map_err(|e| crate::Error::io(out, e))?;
        if !ctx.json {
            println!("wrote the map to {}", out.display());
        }
    }
    ctx.print(&view, print_geo)
}

fn print_geo(v: &GeoView) {
    println!(
        "{} 招商候选分布（{}）: {} 条候选{}",
        v.chain_name,
        if v.level == MapLevel::City { "按市" } else { "按省" },
        v.total,
        if v.unplaced > 0 {
            format!("，其中 {} 条未落到该级地区", v.unplaced)
        } else {
            String::new()
        }
    );
    println!(
        "{:<8} {:<14} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "代码", "地区", "候选", "企业", "补链", "延链", "强链"
    );
    for r in &v.regions {
        println!(
            "{:<8} {:<14} {:>6} {:>6} {:>6} {:>6} {:>6}",
            r.code, r.name, r.leads, r.enterprises, r.fill, r.extend, r.strengthen
        );
    }
}

pub fn compare(
    ctx: &Ctx,
    chain: &str,
    theirs: Option<&str>,
    level_flag: Option<&str>,
    limit: usize,
) -> anyhow::Result<()> {
    let theirs = region(theirs)?;
    let level = level(level_flag)?;
    let app = App::open(ctx.at())?;
    let view = gv::compare_view(&app.graph(), chain, theirs, level, limit)?;
    ctx.print(&view, print_compare)
}

fn state(s: crate::graph::LinkState) -> &'static str {
    s.chinese()
}

fn print_compare(v: &CompareView) {
    if let Some(theirs) = &v.theirs {
        println!("{} 区域对标：{}（本地） vs {}", v.chain_name, v.ours.name, theirs.name);
        println!("{:<16} {:<10} {:<10} 对方领先企业", "环节", "本地", "对方");
        for l in &v.links {
            println!(
                "{:<16} {:<10} {:<10} {}",
                l.name,
                format!("{} {}", state(l.ours.status), l.ours.count),
                format!("{} {}", state(l.theirs.status), l.theirs.count),
                l.leading.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join("、")
            );
        }
        println!("我方缺失或薄弱、对方优势的环节：{} 个", v.they_fill);
        println!();
    }
    println!("补链去哪里（在我方缺失或薄弱环节中优势最多的地区）：");
    for (i, d) in v.destinations.iter().enumerate() {
        println!(
            "{:>2}. {} — 优势 {} 个：{}；相关企业 {} 家",
            i + 1,
            d.name,
            d.strong_in.len(),
            d.strong_in.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join("、"),
            d.firms
        );
    }
}
