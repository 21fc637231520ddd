//! Lead semantics, checked as ranked tables: build a small chain and enterprises, compute the
//! leads, and compare (enterprise, link, kind, direction) row by row.

use super::*;
use crate::model::chain::parse_chain_toml;
use crate::model::{Enterprise, EnterprisePatch};
use serde_json::{Value, json};

/// 常州 (a city) chain: ore → cathode → cell → pack → vehicle, separator → cell, and a
/// restricted smelting link before ore.
const CHAIN: &str = r#"
id = "battery"
name = "电池"
region = "320400"
strong_threshold = 2

[[links]]
id = "smelting"
name = "冶炼"
stage = "upstream"
restricted = true
keywords = ["冶炼"]

[[links]]
id = "ore"
name = "矿产"
stage = "upstream"
keywords = ["锂矿"]

[[links]]
id = "separator"
name = "隔膜"
stage = "upstream"
key = true
keywords = ["隔膜"]

[[links]]
id = "cathode"
name = "正极材料"
stage = "upstream"
key = true
keywords = ["正极材料"]

[[links]]
id = "cell"
name = "电芯"
stage = "midstream"
keywords = ["电芯"]

[[links]]
id = "pack"
name = "电池包"
stage = "midstream"
keywords = ["电池包"]

[[links]]
id = "vehicle"
name = "整车"
stage = "downstream"
keywords = ["整车"]

[[flows]]
from = "smelting"
to = "ore"

[[flows]]
from = "ore"
to = "cathode"

[[flows]]
from = "cathode"
to = "cell"

[[flows]]
from = "separator"
to = "cell"

[[flows]]
from = "cell"
to = "pack"

[[flows]]
from = "pack"
to = "vehicle"
"#;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

/// Enterprises from (name, record) pairs; ids follow the order given.
fn firms(list: &[(&str, Value)]) -> Vec<Enterprise> {
    list.iter()
        .enumerate()
        .map(|(i, (name, v))| {
            let mut v = v.clone();
            v["name"] = json!(name);
            if v.get("registered_capital").is_none() {
                v["registered_capital"] = json!(1000);
            }
            EnterprisePatch::from_record(v.as_object().unwrap(), as_of())
                .unwrap()
                .into_new(EnterpriseId(i as u64 + 1))
                .unwrap()
        })
        .collect()
}

/// Runs the leads and renders them as `name link kind [direction]` rows, best first.
fn table(enterprises: &[Enterprise], dismissed: &[u64]) -> (Vec<String>, ChainLeads) {
    let graph = Graph::build(vec![parse_chain_toml("battery.toml", CHAIN).unwrap()], enterprises);
    let q = LeadQuery {
        region: None,
        as_of: as_of(),
        kind: None,
        link: None,
        limit: 100,
        offset: 0,
        dismissed: dismissed.iter().map(|d| EnterpriseId(*d)).collect(),
    };
    let result = leads(&graph, "battery", &q).unwrap();
    let rows = result
        .leads
        .iter()
        .map(|l| {
            let name = &graph.enterprise(l.enterprise).unwrap().name;
            let direction = l
                .direction
                .map(|d| format!(" {}", serde_json::to_value(d).unwrap().as_str().unwrap()))
                .unwrap_or_default();
            format!(
                "{name} {} {}{direction}",
                l.link.as_deref().unwrap_or("-"),
                serde_json::to_value(l.kind).unwrap().as_str().unwrap()
            )
        })
        .collect();
    (rows, result)
}

fn check(enterprises: &[Enterprise], dismissed: &[u64], expected: &str) -> ChainLeads {
    let (rows, result) = table(enterprises, dismissed);
    let expected: Vec<String> = expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(rows, expected, "\nleads:\n{}", rows.join("\n"));
    result
}

fn world() -> Vec<Enterprise> {
    firms(&[
        // Local (常州 counties): never leads.
        (
            "本地正极",
            json!({"region": "320412", "products": ["正极材料"], "partners": ["供应商:深圳甲电芯"]}),
        ),
        ("本地电池包一", json!({"region": "320412", "products": ["电池包"], "partners": ["客户:深圳物流"]})),
        ("本地电池包二", json!({"region": "320402", "products": ["电池包"]})),
        // Candidates.
        ("深圳甲电芯", json!({"region": "440300", "products": ["电芯"]})),
        ("深圳乙电芯", json!({"region": "440300", "products": ["电芯"]})),
        ("江苏省电芯", json!({"region": "320000", "products": ["电芯"]})),
        ("深圳两高电芯", json!({"region": "440300", "products": ["电芯"], "restricted": true})),
        ("深圳已排除电芯", json!({"region": "440300", "products": ["电芯"]})),
        ("深圳隔膜", json!({"region": "440300", "products": ["隔膜"]})),
        ("深圳锂矿", json!({"region": "440300", "products": ["锂矿"]})),
        (
            "深圳扩产整车",
            json!({"region": "440300", "products": ["整车"], "signals": [{"kind": "扩产", "date": "2026-03-01"}]}),
        ),
        ("深圳整车", json!({"region": "440300", "products": ["整车"]})),
        ("深圳正极", json!({"region": "440300", "products": ["正极材料"]})),
        ("深圳冶炼", json!({"region": "440300", "products": ["冶炼"]})),
        ("深圳物流", json!({"region": "440300", "products": ["仓储"]})),
    ])
}

#[test]
fn the_ranked_leads_follow_the_semantics() {
    let result = check(
        &world(),
        &[8],
        "
        深圳甲电芯 cell fill
        深圳扩产整车 vehicle extend downstream
        深圳隔膜 separator extend upstream
        江苏省电芯 cell fill
        深圳乙电芯 cell fill
        深圳锂矿 ore extend upstream
        深圳整车 vehicle extend downstream
        深圳正极 cathode strengthen
        深圳物流 - extend downstream
        ",
    );
    // Targets: a gap between present links is fill; the far ends extend; a lone local firm is weak.
    let kinds: Vec<(String, Kind, Option<Direction>)> =
        result.targets.iter().map(|t| (t.link.clone(), t.kind, t.direction)).collect();
    assert_eq!(
        kinds,
        vec![
            ("ore".into(), Kind::Extend, Some(Direction::Upstream)),
            ("separator".into(), Kind::Extend, Some(Direction::Upstream)),
            ("cathode".into(), Kind::Strengthen, None),
            ("cell".into(), Kind::Fill, None),
            ("vehicle".into(), Kind::Extend, Some(Direction::Downstream)),
        ]
    );
    assert_eq!(result.targets.iter().find(|t| t.link == "cathode").unwrap().local_count, 1);
}

#[test]
fn every_lead_explains_its_score() {
    let (_, result) = table(&world(), &[]);
    for lead in &result.leads {
        let sum: f64 = lead.reasons.iter().map(|r| r.contribution).sum();
        assert!((sum - lead.score).abs() < 0.011, "{lead:?}");
        assert!(lead.reasons.iter().all(|r| !r.text.is_empty()));
    }
    let top = &result.leads[0];
    let factors: Vec<&str> = top.reasons.iter().map(|r| r.factor).collect();
    assert_eq!(factors, vec!["gap", "fit", "strength", "distance", "supply_tie"]);
    assert_eq!(top.reasons[0].text, "电芯为本地缺失环节（0家本地企业），处在本地正极材料与电池包之间");
    assert_eq!(top.reasons[1].text, "主营电芯属电芯，约占营收100%，专精于此环节");
    assert_eq!(top.reasons[1].contribution, 15.0, "the default fit weight times strength 1");
    assert_eq!(top.reasons[4].text, "是本地企业本地正极的供应商（以商招商）");
}

#[test]
fn a_firm_that_lives_on_the_link_outranks_one_that_touches_it() {
    let mut list = world();
    list.extend(
        firms(&[
            ("深圳集团", json!({"region": "440300", "products": ["住宅开发 80%", "电芯 20%"]})),
            ("深圳专业电芯", json!({"region": "440300", "products": ["电芯 90%", "电池包 10%"]})),
            ("深圳边角电芯", json!({"region": "440300", "products": ["住宅开发 98%", "电芯 2%"]})),
        ])
        .into_iter()
        .enumerate()
        .map(|(i, e)| Enterprise { id: EnterpriseId(60 + i as u64), ..e }),
    );
    let (rows, result) = table(&list, &[]);
    let at = |name: &str| rows.iter().position(|r| r.starts_with(name));
    assert!(at("深圳专业电芯").unwrap() < at("深圳集团").unwrap(), "{rows:#?}");
    assert_eq!(at("深圳边角电芯"), None, "2% is below min_strength: weak evidence, no lead");
    let fit = |id: u64| {
        let lead = result.leads.iter().find(|l| l.enterprise == EnterpriseId(id)).unwrap();
        lead.reasons.iter().find(|r| r.factor == "fit").map(|r| (r.contribution, r.text.clone()))
    };
    assert_eq!(fit(60), Some((3.0, "电芯属电芯，约占营收20%".to_string())));
    assert_eq!(fit(61).unwrap().0, 13.5);
}

#[test]
fn same_data_and_date_give_the_same_ranking_and_ties_go_by_id() {
    let (a, _) = table(&world(), &[]);
    let (b, _) = table(&world(), &[]);
    assert_eq!(a, b);
    // A copy of 深圳乙电芯 added later ties with it; among equal scores lower ids come first.
    let mut more = world();
    let twin = firms(&[("x", json!({"region": "440300", "products": ["电芯"]}))]).remove(0);
    more.push(Enterprise { id: EnterpriseId(99), name: "深圳丙电芯".into(), ..twin });
    let (_, result) = table(&more, &[]);
    let score_of = |id: u64| result.leads.iter().find(|l| l.enterprise == EnterpriseId(id)).unwrap().score;
    assert_eq!(score_of(5), score_of(99));
    for pair in result.leads.windows(2) {
        if pair[0].score == pair[1].score {
            assert!(pair[0].enterprise < pair[1].enterprise, "{pair:?}");
        }
    }
}

#[test]
fn a_dismissed_restricted_or_local_firm_never_appears() {
    let (rows, _) = table(&world(), &[8]);
    for absent in ["深圳两高电芯", "深圳已排除电芯", "本地正极", "本地电池包一", "本地电池包二", "深圳冶炼"]
    {
        assert!(!rows.iter().any(|r| r.starts_with(absent)), "{absent} in {rows:?}");
    }
}

#[test]
fn a_strong_key_link_without_a_local_leader_is_strengthened() {
    let mut list = world();
    list.extend(
        firms(&[("本地正极二", json!({"region": "320411", "products": ["正极材料"]}))])
            .into_iter()
            .map(|e| Enterprise { id: EnterpriseId(50), ..e }),
    );
    let (_, result) = table(&list, &[]);
    let cathode = result.targets.iter().find(|t| t.link == "cathode").unwrap();
    assert_eq!((cathode.status, cathode.kind), (crate::graph::LinkState::Strong, Kind::Strengthen));
    let leader = firms(&[(
        "本地上市正极",
        json!({"region": "320411", "products": ["正极材料"], "tags": ["上市公司"]}),
    )]);
    list.extend(leader.into_iter().map(|e| Enterprise { id: EnterpriseId(51), ..e }));
    let (_, result) = table(&list, &[]);
    assert!(result.targets.iter().all(|t| t.link != "cathode"), "a local leader settles it");
}
