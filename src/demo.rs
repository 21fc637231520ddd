//! The bundled demo: the chain maps in `graphs/` and real A-share listed companies, embedded in
//! the binary so `chainscout import demo` and `serve` work from any directory with no network.
//!
//! Provenance: `src/demo/enterprises.jsonl` is made by scripts/convert-reference-data.py from
//! public data (ChainKnowledgeGraph 2021: names, products, Shenwan industries; a Tushare export to
//! 2025-11: provinces). Listed companies carry a province (深圳 firms carry 440300); at load, a
//! firm whose name starts with a city or county of that province is placed there by the rule the
//! importer infers regions with (SPEC §4: `RegionTable::infer_from_prefix`, a county only by its
//! full name) — 苏州… → 苏州市, 江苏张家港… stays 江苏省 unless the name says 张家港市. The eight chains
//! are drawn for 江苏省 (320000); [`city_chain`] draws 生物医药 for 苏州市 beside them.

pub mod history;

/// The demo's city-level unit (SPEC §10), whose subtree holds most of the demo projects.
pub const DEMO_CITY_UNIT: &str = "changzhou";

/// The demo enterprises as JSON Lines.
pub const ENTERPRISES_JSONL: &str = include_str!("demo/enterprises.jsonl");

/// The demo's city chain: 生物医药 for 苏州市 (320500), with the links, keywords and flows of
/// `graphs/biomedicine.toml` (one source for both, so tuning one tunes the other) and its own
/// header. Returned as (file name, TOML).
pub fn city_chain() -> (String, String) {
    let (_, text) =
        CHAIN_FILES.iter().find(|(n, _)| n.ends_with("/biomedicine.toml")).expect("biomedicine is shipped");
    let body = &text[text.find("[[links]]").expect("the map has links")..];
    let header = r#"id = "suzhou-biomedicine"
name = "生物医药（苏州市）"
sector = "生物医药"
region = "320500"
owner = "分管副市长（链长）"
lead_department = "苏州市工业和信息化局"
description = "苏州市生物医药产业链（演示）：与江苏省生物医药链同一张链图，按苏州市的企业标注环节状态。"
source = "authored by the chainscout team, 2026, for the demo: the links, keywords and flows of graphs/biomedicine.toml (江苏省), drawn for 苏州市. Not an official map of any government."
industry_codes = ["C2761"]
strong_threshold = 3
min_strength = 0.15
source_regions = ["长三角"]

"#;
    ("demo/suzhou-biomedicine.toml".to_string(), format!("{header}{body}"))
}

/// The demo enterprises with their cities where the name says them (see the module header):
/// the JSON Lines to import, and how many firms got a finer region than their province.
pub fn enterprises() -> (String, usize) {
    let table = crate::model::regions();
    let mut out = String::with_capacity(ENTERPRISES_JSONL.len() + 4096);
    let mut placed = 0;
    for line in ENTERPRISES_JSONL.lines() {
        let mut finer = None;
        if let Ok(serde_json::Value::Object(rec)) = serde_json::from_str::<serde_json::Value>(line)
            && let (Some(name), Some(region)) =
                (rec.get("name").and_then(|v| v.as_str()), rec.get("region").and_then(|v| v.as_str()))
            && let Some(province) = crate::model::RegionCode::parse(region)
            && province.level() == crate::model::region::Level::Province
            && let Some(found) = table.infer_from_prefix(name, false)
            && found != province
            && found.is_within(province)
        {
            let mut rec = rec;
            rec.insert("region".into(), found.to_string().into());
            let source = rec.get("source").and_then(|v| v.as_str()).unwrap_or("demo").to_string();
            rec.insert("source".into(), format!("{source}; city from the name (SPEC §4)").into());
            finer = Some(serde_json::Value::Object(rec).to_string());
        }
        match finer {
            Some(l) => {
                placed += 1;
                out.push_str(&l);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    (out, placed)
}

/// The chain map files shipped in `graphs/`, by file name.
pub const CHAIN_FILES: &[(&str, &str)] = &[
    ("graphs/lithium-battery.toml", include_str!("../graphs/lithium-battery.toml")),
    ("graphs/new-energy-vehicle.toml", include_str!("../graphs/new-energy-vehicle.toml")),
    ("graphs/photovoltaic.toml", include_str!("../graphs/photovoltaic.toml")),
    ("graphs/integrated-circuit.toml", include_str!("../graphs/integrated-circuit.toml")),
    ("graphs/biomedicine.toml", include_str!("../graphs/biomedicine.toml")),
    ("graphs/industrial-robot.toml", include_str!("../graphs/industrial-robot.toml")),
    ("graphs/carbon-fiber.toml", include_str!("../graphs/carbon-fiber.toml")),
    ("graphs/green-food.toml", include_str!("../graphs/green-food.toml")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_firms_get_the_city_their_name_says() {
        let (jsonl, placed) = enterprises();
        let region_of = |name: &str| {
            jsonl
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .find(|v| v["name"] == name)
                .map(|v| v["region"].as_str().unwrap().to_string())
        };
        eprintln!("demo firms placed finer than their province: {placed}");
        assert!(placed > 700, "{placed}");
        assert_eq!(jsonl.lines().count(), ENTERPRISES_JSONL.lines().count());
        // 邵阳维克液压 is in 湖南: 邵阳市.
        assert_eq!(region_of("邵阳维克液压股份有限公司").as_deref(), Some("430500"));
        // A name without a place keeps its province.
        assert_eq!(region_of("中铁高铁电气装备股份有限公司").as_deref(), Some("610000"));
    }

    #[test]
    fn the_city_chain_is_biomedicine_for_suzhou() {
        let (name, text) = city_chain();
        let city = crate::model::chain::parse_chain_toml(&name, &text).unwrap();
        let (_, bio) = CHAIN_FILES.iter().find(|(n, _)| n.ends_with("/biomedicine.toml")).unwrap();
        let bio = crate::model::chain::parse_chain_toml("biomedicine.toml", bio).unwrap();
        assert_eq!(city.region.to_string(), "320500");
        assert_eq!(city.links.len(), bio.links.len());
        assert_eq!(city.min_strength, bio.min_strength);
    }
}
