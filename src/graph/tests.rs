use super::*;
use crate::model::{EnterprisePatch, chain::parse_chain_toml};
use serde_json::json;

const CHAIN: &str = r#"
id = "battery"
name = "锂电池"
region = "320400"
strong_threshold = 2

[[links]]
id = "materials"
name = "电池材料"
stage = "upstream"

[[links]]
id = "cathode"
name = "正极材料"
stage = "upstream"
parent = "materials"
keywords = ["正极材料", "磷酸铁锂"]

[[links]]
id = "cell"
name = "电芯"
stage = "midstream"
keywords = ["电芯", "动力电池"]

[[links]]
id = "pack"
name = "电池包"
stage = "downstream"

[[flows]]
from = "cathode"
to = "cell"
"#;

fn enterprise(id: u64, v: serde_json::Value) -> Enterprise {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    EnterprisePatch::from_record(v.as_object().unwrap(), today).unwrap().into_new(EnterpriseId(id)).unwrap()
}

fn graph(enterprises: &[Enterprise]) -> Graph {
    Graph::build(vec![parse_chain_toml("t.toml", CHAIN).unwrap()], enterprises)
}

fn status(g: &Graph, link: &str) -> (LinkState, usize) {
    let s = g.chain_status("battery").unwrap();
    let l = s.link(link).unwrap();
    (l.status, l.local_count)
}

#[test]
fn details_of_a_chain_change_in_place_but_its_structure_needs_a_rebuild() {
    let mut g = graph(&[]);
    let before = g.version();
    let mut chain = g.chain("battery").unwrap().clone();
    chain.owner = Some("新链长".into());
    chain.links[0].key = !chain.links[0].key;
    chain.strong_threshold += 1;
    assert!(g.replace_chain_details(chain.clone()));
    assert_eq!(g.chain("battery").unwrap().owner.as_deref(), Some("新链长"));
    assert_ne!(g.version(), before, "cached analyses see the change");
    let mut restructured = chain.clone();
    restructured.links[0].keywords.push("新关键词".into());
    assert!(!g.replace_chain_details(restructured));
    assert_eq!(g.chain("battery").unwrap(), &chain, "nothing changed");
}

#[test]
fn products_containing_a_keyword_join_the_link_with_evidence() {
    let e =
        enterprise(1, json!({"name": "甲", "region": "320412", "products": ["磷酸铁锂正极材料", "其他"]}));
    let g = graph(&[e]);
    let links = g.links_of(EnterpriseId(1));
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].link.link, "cathode");
    assert_eq!(links[0].strength, 0.5, "one of two products, no shares known");
    assert_eq!(
        links[0].evidence,
        &[
            Evidence::Keyword { product: "磷酸铁锂正极材料".into(), keyword: "磷酸铁锂".into() },
            Evidence::Keyword { product: "磷酸铁锂正极材料".into(), keyword: "正极材料".into() },
        ]
    );
}

#[test]
fn status_counts_local_enterprises_of_the_link_and_its_sub_links() {
    let g = graph(&[
        enterprise(1, json!({"name": "甲", "region": "320412", "products": ["正极材料"]})),
        enterprise(2, json!({"name": "乙", "region": "320400", "links": ["battery/cathode"]})),
        enterprise(3, json!({"name": "丙", "region": "320412", "products": ["动力电池"]})),
        // Outside the region, and known only to the province: neither is local to 常州.
        enterprise(4, json!({"name": "丁", "region": "440300", "products": ["电芯"]})),
        enterprise(5, json!({"name": "戊", "region": "320000", "products": ["电芯"]})),
    ]);
    assert_eq!(status(&g, "cathode"), (LinkState::Strong, 2));
    assert_eq!(status(&g, "materials"), (LinkState::Strong, 2), "a parent counts its sub-links");
    assert_eq!(status(&g, "cell"), (LinkState::Weak, 1));
    assert_eq!(status(&g, "pack"), (LinkState::Missing, 0));
    let s = g.chain_status("battery").unwrap();
    assert_eq!(s.link("cell").unwrap().member_count, 3);
    assert_eq!(s.counts(), (2, 1, 1));
}

#[test]
fn memberships_follow_updates_and_removals() {
    let mut g = graph(&[enterprise(1, json!({"name": "甲", "region": "320412", "products": ["电芯"]}))]);
    assert_eq!(status(&g, "cell"), (LinkState::Weak, 1));
    g.upsert_enterprise(
        (&enterprise(1, json!({"name": "甲", "region": "320412", "products": ["正极材料"]}))).into(),
    );
    assert_eq!(status(&g, "cell"), (LinkState::Missing, 0));
    assert_eq!(status(&g, "cathode"), (LinkState::Weak, 1));
    g.remove_enterprise(EnterpriseId(1));
    assert_eq!(status(&g, "cathode"), (LinkState::Missing, 0));
}

#[test]
fn a_graph_kept_up_to_date_change_by_change_equals_one_built_from_the_final_records() {
    let a =
        |products: &[&str]| enterprise(1, json!({"name": "甲", "region": "320412", "products": products}));
    let b = |region: &str| enterprise(2, json!({"name": "乙", "region": region, "links": ["battery/cell"]}));
    let c = enterprise(
        3,
        json!({"name": "丙", "region": "320400", "products": ["动力电池"], "partners": [{"enterprise": "甲", "relation": "supplier"}]}),
    );
    // Inserted, moved between links and regions, removed and put back, in an order no rebuild
    // sees.
    let mut live = Graph::with_chains(vec![parse_chain_toml("t.toml", CHAIN).unwrap()]);
    live.upsert_enterprise((&c).into());
    live.upsert_enterprise((&a(&["电芯"])).into());
    live.upsert_enterprise((&b("440300")).into());
    live.upsert_enterprise((&a(&["磷酸铁锂正极材料", "动力电池"])).into());
    live.remove_enterprise(EnterpriseId(3));
    live.upsert_enterprise((&b("320412")).into());
    live.upsert_enterprise((&c).into());
    let final_records = [a(&["磷酸铁锂正极材料", "动力电池"]), b("320412"), c.clone()];
    let rebuilt = graph(&final_records);
    assert_eq!(live.n_enterprises(), 3);
    for link in ["materials", "cathode", "cell", "pack"] {
        let r = LinkRef { chain: "battery".into(), link: link.into() };
        let members = |g: &Graph| {
            let mut m: Vec<_> = g.members(&r).map(|(e, ev)| (e.id, format!("{ev:?}"))).collect();
            m.sort();
            m
        };
        assert_eq!(members(&live), members(&rebuilt), "members of {link}");
    }
    assert_eq!(
        serde_json::to_value(live.chain_status("battery")).unwrap(),
        serde_json::to_value(rebuilt.chain_status("battery")).unwrap()
    );
    assert_eq!(live.supply_ties().len(), rebuilt.supply_ties().len());
    assert_eq!(live.resolve_partner("甲"), rebuilt.resolve_partner("甲"));
}

/// A chain for the strength rules: a 系统集成 keyword that needs 机器人 beside it, a 轴承 one
/// vetoed by 汽车, and a link with an industry code.
const CONTEXT_CHAIN: &str = r#"
id = "robot"
name = "机器人"
region = "320400"
strong_threshold = 1
min_strength = 0.1

[[links]]
id = "integration"
name = "系统集成"
stage = "downstream"
context = [{ keyword = "系统集成", with = ["机器人", "自动化"] }]

[[links]]
id = "bearings"
name = "轴承"
stage = "upstream"
keywords = ["精密轴承"]
context = [{ keyword = "轴承", without = ["汽车"] }]

[[links]]
id = "body"
name = "本体"
stage = "midstream"
keywords = ["工业机器人"]
industry_codes = ["C3491"]
"#;

fn context_graph(enterprises: &[Enterprise]) -> Graph {
    Graph::build(vec![parse_chain_toml("r.toml", CONTEXT_CHAIN).unwrap()], enterprises)
}

fn strengths(g: &Graph, id: u64) -> Vec<(String, f64, bool)> {
    g.links_of(EnterpriseId(id)).into_iter().map(|m| (m.link.link, m.strength, m.counted)).collect()
}

#[test]
fn revenue_shares_make_the_strength_and_weak_memberships_count_for_nothing() {
    let g = context_graph(&[
        // 92% robots: strong. 3% robots: below min_strength 0.1, kept as weak evidence.
        enterprise(
            1,
            json!({"name": "甲", "region": "440300",
            "products": [{"name": "工业机器人", "share": 0.92}, {"name": "其他", "share": 0.08}]}),
        ),
        enterprise(
            2,
            json!({"name": "乙", "region": "320412", "products": ["住宅开发 97%", "工业机器人 3%"]}),
        ),
    ]);
    assert_eq!(strengths(&g, 1), vec![("body".to_string(), 0.92, true)]);
    assert_eq!(strengths(&g, 2), vec![("body".to_string(), 0.03, false)]);
    let body = LinkRef { chain: "robot".into(), link: "body".into() };
    assert_eq!(g.members(&body).count(), 1, "the weak member is not listed as a member");
    assert_eq!(g.local_count(&body, RegionCode::parse("320400").unwrap()), 0, "nor counted as local");
    assert_eq!(g.chain_status("robot").unwrap().links[2].status, LinkState::Missing);
    assert!(!g.is_in_chain(EnterpriseId(2), "robot"));
    assert_eq!(g.strength_in(EnterpriseId(1), &body), Some(0.92f32 as f64));
    assert_eq!(g.strength_in(EnterpriseId(2), &body), None);
}

#[test]
fn a_keyword_with_context_needs_its_context_and_a_veto_word_stops_it() {
    let g = context_graph(&[
        enterprise(1, json!({"name": "甲软件", "region": "440300", "products": ["系统集成"]})),
        enterprise(2, json!({"name": "乙", "region": "440300", "products": ["系统集成", "焊接机器人"]})),
        enterprise(3, json!({"name": "丙自动化", "region": "440300", "products": ["系统集成"]})),
        enterprise(4, json!({"name": "丁", "region": "440300", "products": ["轴承", "汽车轮毂单元"]})),
        enterprise(5, json!({"name": "戊", "region": "440300", "products": ["轴承"]})),
    ]);
    assert_eq!(strengths(&g, 1), vec![], "系统集成 alone is IT, not robots");
    assert_eq!(strengths(&g, 2), vec![("integration".to_string(), 0.5, true)], "a product gives the context");
    assert_eq!(strengths(&g, 3), vec![("integration".to_string(), 1.0, true)], "so does the name");
    assert_eq!(strengths(&g, 4), vec![], "汽车 among the products vetoes 轴承");
    assert_eq!(strengths(&g, 5), vec![("bearings".to_string(), 1.0, true)]);
}

#[test]
fn an_industry_code_under_a_links_code_makes_a_full_membership() {
    let g = context_graph(&[
        enterprise(1, json!({"name": "甲", "region": "440300", "industry_code": "3491"})),
        enterprise(2, json!({"name": "乙", "region": "440300", "industry_code": "C34"})),
    ]);
    let links = g.links_of(EnterpriseId(1));
    assert_eq!(links.len(), 1);
    assert_eq!((links[0].link.link.as_str(), links[0].strength), ("body", 1.0));
    assert_eq!(links[0].evidence, vec![Evidence::Industry { code: "C3491".into() }]);
    assert!(g.links_of(EnterpriseId(2)).is_empty(), "a 大类 code says too little");
}
