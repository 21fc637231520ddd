//! Property tests of the invariants that matter most: an import accounts for every row and never
//! panics, and the graph kept up to date by the write path equals the graph rebuilt from the store.

use chainscout::api::views;
use chainscout::app::App;
use chainscout::import::{Format, read_bytes};
use chainscout::model::{EnterprisePatch, RegionCode};
use proptest::prelude::*;

const CHAIN: &str = r#"
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
        let app = App::open(dir.path()).unwrap();
        let Ok(table) = read_bytes(text.as_bytes(), Format::Csv, None) else { return Ok(()) };
        let n_rows = table.rows.len();
        let report = app.import_table(table, None, &mut |_, _| {}).unwrap();
        prop_assert_eq!(report.inserted + report.updated + report.rejected.len(), n_rows);
        for r in &report.rejected {
            prop_assert!(!r.reason.is_empty() && !r.code.is_empty());
            prop_assert_eq!(&r.errors[0].code, &r.code);
        }
        prop_assert_eq!(app.store().count_enterprises(), report.inserted);
        prop_assert_eq!(app.graph().n_enterprises(), report.inserted);
    }

    #[test]
    fn the_graph_kept_by_the_write_path_equals_the_graph_rebuilt_from_the_store(
        ops in prop::collection::vec((0u8..4, 0usize..6, 0usize..4, prop::collection::vec(0usize..5, 0..3)), 1..30)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(dir.path()).unwrap();
        app.import_chain_files(&[("mini.toml".into(), CHAIN.into())]).unwrap();
        let regions = ["320412", "320400", "320000", "440300"];
        let products = ["正极材料", "电芯", "电芯设备", "其他", "负极材料"];
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for (kind, who, region, prods) in ops {
            let name = format!("常州企业{who}有限公司");
            if kind == 0 {
                let code = RegionCode::parse(regions[region]).unwrap();
                let id = app.store().find_by_name(&name, code).unwrap();
                if let Some(id) = id { app.delete_enterprise(id).unwrap(); }
                continue;
            }
            let record = serde_json::json!({
                "name": name,
                "region": regions[region],
                "products": prods.iter().map(|p| products[*p]).collect::<Vec<_>>(),
            });
            let patch = EnterprisePatch::from_record(record.as_object().unwrap(), today).unwrap();
            app.write_enterprise(patch).unwrap();
        }
        let live = serde_json::to_value(views::chain_detail(&app.graph(), "mini", 100)).unwrap();
        app.reindex(&mut |_, _| {}).unwrap();
        let rebuilt = serde_json::to_value(views::chain_detail(&app.graph(), "mini", 100)).unwrap();
        prop_assert_eq!(live, rebuilt);
    }
}

#[test]
fn concurrent_writers_of_one_new_enterprise_make_exactly_one() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let app = &app;
                s.spawn(move || {
                    let record = serde_json::json!({"name": "并发测试有限公司", "region": "320583", "products": [format!("产品{i}")]});
                    let patch = EnterprisePatch::from_record(record.as_object().unwrap(), today).unwrap();
                    app.write_enterprise(patch).unwrap().1
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let inserted = outcomes.iter().filter(|o| **o == chainscout::app::Outcome::Inserted).count();
    assert_eq!(inserted, 1, "{outcomes:?}");
    assert_eq!(app.store().count_enterprises(), 1);
    assert_eq!(app.check().unwrap().problems, Vec::<String>::new());
}
