//! Lead scoring: each factor gives a contribution (weight × a 0–1 strength) and a one-line Chinese
//! reason; the score is their sum. Weights come from the chain's `[scoring]` table over these
//! defaults. Pure and deterministic for a given `as_of` date.

use super::classify::{Direction, Kind, TargetLink};
use crate::graph::{EnterpriseBrief, LinkState};
use crate::model::{Chain, RegionCode, regions};
use chrono::NaiveDate;
use serde::Serialize;

/// Default weights: the most a factor can add.
pub const DEFAULT_WEIGHTS: &[(&str, f64)] = &[
    ("gap", 40.0),
    ("key_link", 15.0),
    ("strength", 25.0),
    ("signal", 20.0),
    ("distance", 10.0),
    ("supply_tie", 20.0),
    ("fit", 15.0),
];

/// The signal kinds that count as expansion (SPEC §6).
pub const EXPANSION_SIGNALS: &[&str] = &["扩产", "新设子公司", "定向增发", "增资扩股", "融资"];

/// A signal's weight halves every this many days.
const SIGNAL_HALF_LIFE_DAYS: f64 = 365.0;
/// Distance at which the distance factor has fallen to 1/e.
const DISTANCE_SCALE_KM: f64 = 800.0;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Reason {
    pub factor: &'static str,
    pub text: String,
    pub contribution: f64,
}

/// Weights for one chain.
pub struct Weights {
    gap: f64,
    key_link: f64,
    strength: f64,
    signal: f64,
    distance: f64,
    supply_tie: f64,
    fit: f64,
}

impl Weights {
    pub fn of(chain: &Chain) -> Weights {
        let w = |factor: &str| {
            chain.scoring.get(factor).copied().unwrap_or_else(|| {
                DEFAULT_WEIGHTS.iter().find(|(f, _)| *f == factor).map(|(_, w)| *w).unwrap_or(0.0)
            })
        };
        Weights {
            gap: w("gap"),
            key_link: w("key_link"),
            strength: w("strength"),
            signal: w("signal"),
            distance: w("distance"),
            supply_tie: w("supply_tie"),
            fit: w("fit"),
        }
    }
}

/// What scoring needs to know about the chain, computed once per request.
pub struct Context {
    pub chain: String,
    pub weights: Weights,
    pub as_of: NaiveDate,
    pub centre: Option<(f64, f64)>,
    pub near: Vec<RegionCode>,
    /// region → (in a source region, km from the chain's region): a million candidates come
    /// from a few thousand regions.
    places: std::cell::RefCell<std::collections::HashMap<RegionCode, (bool, Option<f64>)>>,
}

impl Context {
    pub fn new(chain: &Chain, as_of: NaiveDate) -> Context {
        let near =
            chain.source_regions.iter().filter_map(|s| regions().expand_group(s).ok()).flatten().collect();
        Context {
            chain: chain.id.clone(),
            weights: Weights::of(chain),
            as_of,
            centre: regions().coordinates(chain.region),
            near,
            places: Default::default(),
        }
    }

    fn place(&self, region: RegionCode) -> (bool, Option<f64>) {
        *self.places.borrow_mut().entry(region).or_insert_with(|| {
            let near = self.near.iter().any(|r| region.is_within(*r));
            let km = self.centre.zip(regions().coordinates(region)).map(|(a, b)| km_between(a, b));
            (near, km)
        })
    }
}

/// A supply tie between a candidate and a local enterprise.
#[derive(Debug, Clone)]
pub struct Tie {
    pub local_name: String,
    /// The candidate supplies the local enterprise (else it buys from it).
    pub candidate_supplies: bool,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn km_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h =
        ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Tag strength: the strongest tag an enterprise carries, and its name.
fn tag_strength(tags: &[String]) -> (f64, Option<&str>) {
    let rank = |t: &str| match t {
        "世界500强" | "央企" | "中国500强" => 1.0,
        "上市公司" | "单项冠军" => 0.8,
        "专精特新小巨人" => 0.7,
        "专精特新" | "高新技术企业" => 0.4,
        _ => 0.0,
    };
    tags.iter()
        .map(|t| (rank(t), Some(t.as_str())))
        .fold((0.0, None), |best, x| if x.0 > best.0 { x } else { best })
}

fn capital_text(wan: f64) -> String {
    if wan >= 10_000.0 { format!("{:.1}亿元", wan / 10_000.0) } else { format!("{wan:.0}万元") }
}

/// The numeric score alone (cheap: used to rank every candidate before reasons are written).
pub fn score(
    ctx: &Context,
    target: Option<&TargetLink>,
    e: &EnterpriseBrief,
    tie: Option<&Tie>,
    fit: f64,
) -> f64 {
    reasons(ctx, target, e, tie, fit, &String::new, false).iter().map(|r| r.contribution).sum()
}

/// The `fit` reason in words: how much of the firm the target link is, from its evidence.
pub fn fit_text(link_name: &str, strength: f64, evidence: &[crate::graph::Evidence]) -> String {
    use crate::graph::Evidence;
    let pct = (strength * 100.0).round();
    if evidence.iter().any(|e| matches!(e, Evidence::Explicit)) {
        return format!("企业登记属于{link_name}环节（契合度100%）");
    }
    if let Some(code) = evidence.iter().find_map(|e| match e {
        Evidence::Industry { code } => Some(code),
        _ => None,
    }) {
        return format!("所属行业{code}即{link_name}（契合度100%）");
    }
    let mut products: Vec<&str> = Vec::new();
    for e in evidence {
        if let Evidence::Keyword { product, .. } = e
            && !products.contains(&product.as_str())
        {
            products.push(product);
        }
    }
    let listed = products.iter().take(3).copied().collect::<Vec<_>>().join("、");
    let more = if products.len() > 3 { "等" } else { "" };
    if pct >= 50.0 {
        format!("主营{listed}{more}属{link_name}，约占营收{pct:.0}%，专精于此环节")
    } else {
        format!("{listed}{more}属{link_name}，约占营收{pct:.0}%")
    }
}

/// Every factor with its contribution; `with_text` writes the Chinese explanations.
pub fn reasons(
    ctx: &Context,
    target: Option<&TargetLink>,
    e: &EnterpriseBrief,
    tie: Option<&Tie>,
    fit: f64,
    fit_text: &dyn Fn() -> String,
    with_text: bool,
) -> Vec<Reason> {
    let w = &ctx.weights;
    let mut out = Vec::with_capacity(7);
    let mut push = |factor: &'static str, contribution: f64, text: &dyn Fn() -> String| {
        if contribution > 0.0 {
            out.push(Reason {
                factor,
                text: if with_text { text() } else { String::new() },
                contribution: round2(contribution),
            });
        }
    };

    if let Some(t) = target {
        let severity = match t.status {
            LinkState::Missing => 1.0,
            LinkState::Weak => 0.5,
            LinkState::Strong => 0.25,
        };
        push("gap", w.gap * severity, &|| {
            let place = match (t.kind, t.direction) {
                (Kind::Extend, Some(Direction::Upstream)) => {
                    t.feeds.first().map(|n| format!("，位于本地{n}上游，可向上游延链")).unwrap_or_default()
                }
                (Kind::Extend, Some(Direction::Downstream)) => {
                    t.fed_by.first().map(|n| format!("，位于本地{n}下游，可向下游延链")).unwrap_or_default()
                }
                (Kind::Fill, _) => match (t.fed_by.first(), t.feeds.first()) {
                    (Some(a), Some(b)) => format!("，处在本地{a}与{b}之间"),
                    _ => "，与本地已有环节尚无供给关系".to_string(),
                },
                _ => String::new(),
            };
            match t.status {
                LinkState::Missing => format!("{}为本地缺失环节（0家本地企业）{place}", t.name),
                LinkState::Weak => format!("{}为本地薄弱环节（仅{}家本地企业）", t.name, t.local_count),
                LinkState::Strong => format!("{}为关键环节，但本地尚无龙头企业", t.name),
            }
        });
        if t.key {
            push("key_link", w.key_link, &|| format!("{}是本链关键环节", t.name));
        }
        push("fit", w.fit * fit.clamp(0.0, 1.0), fit_text);
    }

    let (tag_part, tag) = tag_strength(&e.tags);
    let tag_part = if e.listed { tag_part.max(0.8) } else { tag_part };
    let capital_part =
        e.registered_capital.map(|c| ((c / 100.0).max(1.0).log10() / 4.0).clamp(0.0, 1.0)).unwrap_or(0.0);
    push("strength", w.strength * (0.6 * tag_part + 0.4 * capital_part), &|| {
        let mut parts = Vec::new();
        if let Some(t) = tag.or(if e.listed { Some("上市公司") } else { None }) {
            parts.push(t.to_string());
        }
        if let Some(c) = e.registered_capital {
            parts.push(format!("注册资本{}", capital_text(c)));
        }
        format!("企业实力：{}", parts.join("，"))
    });

    let mut signal_part = 0.0;
    let mut freshest: Option<(&str, Option<NaiveDate>)> = None;
    for s in e.signals.iter().filter(|s| EXPANSION_SIGNALS.contains(&s.kind.as_str())) {
        let weight = match s.date {
            Some(d) if d > ctx.as_of => continue,
            Some(d) => 0.5f64.powf((ctx.as_of - d).num_days() as f64 / SIGNAL_HALF_LIFE_DAYS),
            None => 0.3,
        };
        signal_part += weight;
        if freshest.is_none_or(|(_, fd)| s.date > fd) {
            freshest = Some((s.kind.as_str(), s.date));
        }
    }
    push("signal", w.signal * signal_part.min(1.0), &|| match freshest {
        Some((kind, Some(d))) => format!("近期动态：{}（{}）", kind, d),
        Some((kind, None)) => format!("近期动态：{kind}"),
        None => String::new(),
    });

    let (is_near, km) = ctx.place(e.region);
    let distance_part = if is_near { 1.0 } else { km.map(|d| (-d / DISTANCE_SCALE_KM).exp()).unwrap_or(0.0) };
    push("distance", w.distance * distance_part, &|| {
        let place = regions().full_name(e.region);
        match (is_near, km) {
            (true, _) => format!("位于{place}，属重点招商来源地区"),
            (false, Some(d)) => format!("位于{place}，距本地约{:.0}公里", d),
            (false, None) => format!("位于{place}"),
        }
    });

    if let Some(tie) = tie {
        push("supply_tie", w.supply_tie, &|| {
            if tie.candidate_supplies {
                format!("是本地企业{}的供应商（以商招商）", tie.local_name)
            } else {
                format!("是本地企业{}的客户（以商招商）", tie.local_name)
            }
        });
    }
    out
}
