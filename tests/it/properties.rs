//! Property tests of the invariants that matter most: an import accounts for every row and never
//! panics; and, model-based, after every step of a random sequence of writes, deletes, imports,
//! chain changes (details and structure) and dismissals, the graph, the index and the leads the
//! app keeps up to date equal those built afresh from the store.

use crate::rebuild::agrees_with_rebuild;
use chainscout::app::App;
use chainscout::import::{Format, read_bytes};
use chainscout::model::{EnterprisePatch, RegionCode};
use proptest::prelude::*;

pub const CHAIN: &str = r#"
id = "mini"
name = "迷你链"
region = "320400"
strong_threshold = 2

[[links]]
id = "materials"
name = "材料"
stage = "upstream"
keywords = ["材料"]

[[links]]
id = "cathode"
name = "正极材料"
stage = "upstream"
parent = "materials"
keywords = ["正极"]

[[links]]
id = "cell"
name = "电芯"
stage = "midstream"
keywords = ["电芯"]
exclude = ["设备"]

[[flows]]
from = "cathode"
to = "cell"
"#;

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("常州甲有限公司".to_string()),
        Just("常州乙有限公司".to_string()),
        Just("91152201078377449P".to_string()),
        Just("91110000600037341N".to_string()),
        Just("320412".to_string()),
        Just("320000".to_string()),
        Just("朝阳区".to_string()),
        Just("1.2亿元".to_string()),
        Just("-5".to_string()),
        Just("2021年10月19日".to_string()),
        Just("正极材料；电芯".to_string()),
        Just("\"引号,逗号\"".to_string()),
        Just("\"未闭合".to_string()),
        "[\\PC]{0,12}",
    ]
}

fn csv_text() -> impl Strategy<Value = (String, usize)> {
    prop::collection::vec(prop::collection::vec(cell(), 0..7), 0..25).prop_map(|rows| {
        let mut text =
            String::from("企业名称,统一社会信用代码,行政区划代码,注册资本,成立日期,主营产品,序号\n");
        for r in &rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        (text, rows.len())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn an_import_accounts_for_every_row_and_store_and_graph_agree((text, _) in csv_text()) {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(crate::helpers::location(dir.path())).unwrap();
        let Ok(table) = read_bytes(text.as_bytes(), Format::Csv, None) else { return Ok(()) };
        let n_rows = table.rows.len();
        let report = app.import_table(table, None, &mut |_, _| {}).unwrap();
        prop_assert_eq!(report.inserted + report.updated + report.unchanged + report.merged + report.rejected.len(), n_rows);
        for r in &report.rejected {
            prop_assert!(!r.reason.is_empty());
            prop_assert_eq!(&r.errors[0].code, &r.code);
        }
        prop_assert_eq!(app.store().count_enterprises(), report.inserted);
        prop_assert_eq!(app.graph().n_enterprises(), report.inserted);
    }

    #[test]
    fn after_every_write_store_graph_index_and_leads_agree_with_a_fresh_rebuild(ops in prop::collection::vec(op(), 1..24)) {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(crate::helpers::location(dir.path())).unwrap();
        app.import_chain_files(&[("mini.toml".into(), CHAIN.into())], "test").unwrap();
        for (step, op) in ops.iter().enumerate() {
            apply(&app, op);
            agrees_with_rebuild(&app).map_err(|e| TestCaseError::fail(format!("after step {step} ({op:?}): {e}")))?;
        }
    }
}

/// One step of the model-based test: the kinds of write the app takes.
#[derive(Debug, Clone)]
enum Op {
    Write {
        who: usize,
        region: usize,
        products: Vec<usize>,
    },
    Delete {
        who: usize,
        region: usize,
    },
    /// Several rows in one bulk import (some naming the same firm twice).
    Import(Vec<(usize, usize, Vec<usize>)>),
    /// 链长 and key links: applied in place.
    ChainDetails {
        owner: usize,
        key: bool,
    },
    /// Keywords change: every membership may move, so graph and index are rebuilt.
    ChainStructure {
        extra_keyword: usize,
    },
    Dismiss {
        who: usize,
        region: usize,
    },
}

const REGIONS: [&str; 4] = ["320412", "320400", "320000", "440300"];
const PRODUCTS: [&str; 6] = ["正极材料", "电芯", "电芯设备", "其他", "负极材料", "隔膜"];

fn op() -> impl Strategy<Value = Op> {
    let firm = || (0usize..6, 0usize..4, prop::collection::vec(0usize..6, 0..3));
    prop_oneof![
        4 => firm().prop_map(|(who, region, products)| Op::Write { who, region, products }),
        2 => (0usize..6, 0usize..4).prop_map(|(who, region)| Op::Delete { who, region }),
        2 => prop::collection::vec(firm(), 1..6).prop_map(Op::Import),
        1 => (0usize..3, any::<bool>()).prop_map(|(owner, key)| Op::ChainDetails { owner, key }),
        1 => (0usize..3).prop_map(|extra_keyword| Op::ChainStructure { extra_keyword }),
        1 => (0usize..6, 0usize..4).prop_map(|(who, region)| Op::Dismiss { who, region }),
    ]
}

fn record(who: usize, region: usize, products: &[usize]) -> serde_json::Value {
    serde_json::json!({
        "name": format!("常州企业{who}有限公司"),
        "region": REGIONS[region],
        "products": products.iter().map(|p| PRODUCTS[*p]).collect::<Vec<_>>(),
    })
}

fn find(app: &App, who: usize, region: usize) -> Option<chainscout::model::EnterpriseId> {
    let code = RegionCode::parse(REGIONS[region]).unwrap();
    app.store().find_by_name(&format!("常州企业{who}有限公司"), code).unwrap()
}

fn apply(app: &App, op: &Op) {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    match op {
        Op::Write { who, region, products } => {
            let r = record(*who, *region, products);
            app.write_enterprise(EnterprisePatch::from_record(r.as_object().unwrap(), today).unwrap())
                .unwrap();
        }
        Op::Delete { who, region } => {
            if let Some(id) = find(app, *who, *region) {
                app.delete_enterprise(id, "test").unwrap();
            }
        }
        Op::Import(rows) => {
            let text: Vec<String> = rows.iter().map(|(w, r, p)| record(*w, *r, p).to_string()).collect();
            let table = read_bytes(text.join("\n").as_bytes(), Format::JsonLines, None).unwrap();
            let report = app.import_table(table, None, &mut |_, _| {}).unwrap();
            assert_eq!(
                report.inserted + report.updated + report.unchanged + report.merged,
                rows.len(),
                "{:?}",
                report.rejected
            );
        }
        Op::ChainDetails { owner, key } => {
            app.edit_chain("mini", "patch_chain", "test", |c| {
                c.owner = Some(format!("链长{owner}"));
                c.links[2].key = *key;
                Ok(())
            })
            .unwrap();
        }
        Op::ChainStructure { extra_keyword } => {
            let mut chain = app.store().chain("mini").unwrap().unwrap();
            chain.links[0].keywords = vec!["材料".into()];
            chain.links[0]
                .keywords
                .extend(["负极", "隔膜"].iter().take(*extra_keyword).map(|k| k.to_string()));
            app.put_chain("mini.toml", chain, "test").unwrap();
        }
        Op::Dismiss { who, region } => {
            if let Some(id) = find(app, *who, *region) {
                app.dismiss("mini", id, "不再推荐", "test").unwrap();
            }
        }
    }
}
