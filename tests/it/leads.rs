//! Leads through the command line, on the bundled demo: every kind appears, reasons explain every
//! score, exports open in Excel, and a dismissed firm is not suggested again.

use crate::helpers::{Env, s};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

/// One demo data dir shared by these tests. One process may hold a data dir at a time, so a
/// test holds the guard while it runs commands.
fn demo() -> (std::sync::MutexGuard<'static, ()>, &'static Env) {
    static ENV: OnceLock<Env> = OnceLock::new();
    static TURN: Mutex<()> = Mutex::new(());
    let guard = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let env = ENV.get_or_init(|| {
        let env = Env::new();
        env.ok(&["import", "demo"]);
        env
    });
    (guard, env)
}

#[test]
fn the_demo_chains_yield_every_kind_and_each_at_least_two() {
    let (_turn, env) = demo();
    let list = env.ok_json(&["chains"]);
    let mut all = BTreeSet::new();
    for c in list["chains"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let v = env.ok_json(&["leads", id, "--limit", "500", "--as-of", "2026-06-01"]);
        let kinds: BTreeSet<String> =
            v["leads"].as_array().unwrap().iter().map(|l| l["kind"].as_str().unwrap().to_string()).collect();
        assert!(kinds.len() >= 2, "{id}: {kinds:?}");
        all.extend(kinds);
        let counts = &c["leads"];
        let targets: usize =
            ["fill", "extend", "strengthen"].iter().map(|k| counts[k].as_u64().unwrap() as usize).sum();
        assert_eq!(targets, v["targets"].as_array().unwrap().len(), "{id}");
        for l in v["leads"].as_array().unwrap() {
            let reasons = l["reasons"].as_array().unwrap();
            assert!(!reasons.is_empty());
            let sum: f64 = reasons.iter().map(|r| r["contribution"].as_f64().unwrap()).sum();
            assert!((sum - l["score"].as_f64().unwrap()).abs() < 0.011, "{l}");
            let (home, at) = (c["region"].as_str().unwrap(), l["enterprise"]["region"].as_str().unwrap());
            let inside = if home.ends_with("0000") { at[..2] == home[..2] } else { at[..4] == home[..4] };
            assert!(!inside, "never a firm of the chain's own region: {l}");
        }
        let scores: Vec<f64> =
            v["leads"].as_array().unwrap().iter().map(|l| l["score"].as_f64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{id} ranked");
    }
    assert_eq!(all, BTreeSet::from(["extend".to_string(), "fill".into(), "strengthen".into()]));
}

#[test]
fn leads_are_the_same_for_the_same_date_and_filter_by_kind_and_link() {
    let (_turn, env) = demo();
    let a = env.ok_json(&["leads", "lithium-battery", "--as-of", "2026-06-01"]);
    let b = env.ok_json(&["leads", "lithium-battery", "--as-of", "2026-06-01"]);
    assert_eq!(a, b);
    let extend = env.ok_json(&["leads", "lithium-battery", "--kind", "extend", "--limit", "500"]);
    assert!(
        extend["leads"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["kind"] == "extend" && !l["direction"].is_null())
    );
    let anode = env.ok_json(&["leads", "lithium-battery", "--link", "anode", "--limit", "500"]);
    assert!(anode["leads"].as_array().unwrap().iter().all(|l| l["link"] == "anode"));
    assert!(env.run(&["leads", "lithium-battery", "--kind", "sideways"]).code == 2);
    assert!(env.run(&["leads", "no-such-chain"]).code == 2);
}

#[test]
fn leads_export_to_excel_with_a_chinese_header() {
    let (_turn, env) = demo();
    let out = env.path("leads.xlsx");
    env.ok(&["leads", "photovoltaic", "--limit", "20", "--out", s(&out)]);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][..4], ["排名", "企业名称", "所在地区", "目标环节"]);
    assert_eq!(rows.len(), 21);
    assert_eq!(rows[0][6], "契合度（%）");
    let fit: f64 = rows[1][6].parse().unwrap();
    assert!((0.0..=100.0).contains(&fit), "fit column: {}", rows[1][6]);
    assert!(rows[1][7].contains("环节"), "reasons column: {}", rows[1][7]);
    // Without --limit a file holds the whole list, not the first page.
    let whole = env.path("all.xlsx");
    env.ok(&["leads", "biomedicine", "--out", s(&whole)]);
    let total = env.ok_json(&["leads", "biomedicine", "--limit", "1"])["total"].as_u64().unwrap() as usize;
    assert!(total > 50, "the demo chain has more leads than one page: {total}");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&whole).unwrap();
    assert_eq!(book.worksheet_range_at(0).unwrap().unwrap().rows().count(), total + 1);
    let csv = env.path("leads.csv");
    env.ok(&["leads", "photovoltaic", "--limit", "5", "--out", s(&csv)]);
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let records = csv::Reader::from_reader(&bytes[3..]).records().count();
    assert_eq!(records, 5, "five leads under the header; reasons may span lines inside quotes");
    assert_eq!(env.run(&["leads", "photovoltaic", "--out", s(&env.path("x.pdf"))]).code, 2);
}

#[test]
fn a_dismissed_lead_is_not_suggested_again() {
    let env = Env::new();
    env.ok(&["import", "demo"]);
    let before = env.ok_json(&["leads", "integrated-circuit", "--limit", "500"]);
    let top: &Value = &before["leads"][0];
    let id = top["enterprise"]["id"].as_str().unwrap();
    env.ok(&["dismiss", "integrated-circuit", id, "--reason", "已在洽谈，由其他小组跟进"]);
    let after = env.ok_json(&["leads", "integrated-circuit", "--limit", "500"]);
    assert!(after["leads"].as_array().unwrap().iter().all(|l| l["enterprise"]["id"] != id));
    // Only for that chain.
    let elsewhere = env.ok_json(&["search", "--limit", "1"]);
    assert!(elsewhere["total"].as_u64().unwrap() > 0);
    assert_eq!(env.run(&["dismiss", "integrated-circuit", "E99999999", "--reason", "x"]).code, 2);
    assert_eq!(env.run(&["dismiss", "integrated-circuit", id, "--reason", " "]).code, 2);
}

#[test]
fn the_chain_map_names_lead_kinds_candidates_and_the_chain_master() {
    let (_turn, env) = demo();
    let d = env.ok_json(&["chain", "lithium-battery"]);
    let anode = d["links"].as_array().unwrap().iter().find(|l| l["id"] == "anode").unwrap();
    assert_eq!(anode["lead_kind"], "extend");
    assert_eq!(anode["direction"], "upstream");
    assert!(!anode["top_candidates"].as_array().unwrap().is_empty());
    let master = &d["chain_masters"][0];
    assert_eq!(master["designated"], false);
    assert!(!master["name"].as_str().unwrap().is_empty());
    let human = env.ok(&["chain", "lithium-battery"]);
    assert!(human.stdout.contains("[延链·上游]"), "{}", human.stdout);
    assert!(human.stdout.contains("候选："));
}

#[test]
fn a_write_changes_the_leads_at_once() {
    use chainscout::app::App;
    use chainscout::leads::LeadQuery;
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(crate::helpers::location(dir.path())).unwrap();
    app.load_demo(&mut |_, _| {}).unwrap();
    let q = || LeadQuery {
        region: None,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        kind: None,
        link: Some("anode".into()),
        limit: 500,
        offset: 0,
        dismissed: Default::default(),
    };
    let before = app.leads("lithium-battery", q()).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let record = serde_json::json!({"name": "宁波测试负极材料有限公司", "region": "330200", "products": ["人造石墨负极材料"]});
    let patch = chainscout::model::EnterprisePatch::from_record(record.as_object().unwrap(), today).unwrap();
    let (e, _) = app.write_enterprise(patch).unwrap();
    let after = app.leads("lithium-battery", q()).unwrap();
    assert_eq!(after.total, before.total + 1);
    assert!(after.leads.iter().any(|l| l.enterprise == e.id));
    // A local firm in the link turns 负极材料 from missing into weak: the target changes kind.
    let local =
        serde_json::json!({"name": "常州测试负极材料有限公司", "region": "320412", "products": ["负极材料"]});
    app.write_enterprise(
        chainscout::model::EnterprisePatch::from_record(local.as_object().unwrap(), today).unwrap(),
    )
    .unwrap();
    let now = app.leads("lithium-battery", q()).unwrap();
    let anode = now.targets.iter().find(|t| t.link == "anode").unwrap();
    assert_eq!(anode.kind, chainscout::leads::Kind::Strengthen);
}
