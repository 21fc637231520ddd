//! Files shaped like what analysts really receive (SPEC §4 "What real files look like", issue
//! 14): one test per shape, read through the CLI, every figure checked against what
//! `scripts/make-import-fixtures.py` wrote (the files in `tests/fixtures/import/` are made up by
//! that script: invented firms, synthetic credit codes, real layouts).

use crate::helpers::{Env, s};
use chainscout::app::App;
use chainscout::import::{Format, read_bytes};
use chainscout::model::Enterprise;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name)
}

fn import(env: &Env, name: &str, extra: &[&str]) -> Value {
    let path = fixture(name);
    let mut args = vec!["import", "enterprises", s(&path)];
    args.extend_from_slice(extra);
    env.ok_json(&args)
}

/// Everything stored, by name (the CLI has exited, so the store can be opened here).
fn stored(env: &Env) -> BTreeMap<String, Enterprise> {
    let app = App::open(crate::helpers::location(&env.data())).unwrap();
    app.store().enterprises().map(|e| e.unwrap()).map(|e| (e.name.clone(), e)).collect()
}

fn assert_reimport_changes_nothing(env: &Env, name: &str, extra: &[&str], rows: u64) {
    let again = import(env, name, extra);
    assert_eq!((again["inserted"].as_u64(), again["updated"].as_u64()), (Some(0), Some(0)), "{again}");
    assert_eq!(again["unchanged"].as_u64().unwrap() + again["merged"].as_u64().unwrap_or(0), rows, "{again}");
}

#[test]
fn a_qichacha_export_with_english_keys_and_no_region_column() {
    let env = Env::new();
    let r = import(&env, "qcc-export.csv", &[]);
    assert_eq!(r["inserted"], 40, "{r}");
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(r["region_inferred"]["address"], 40, "every address starts with 北京市东城区");
    let firms = stored(&env);
    assert!(firms.values().all(|e| e.region.to_string() == "110101"));
    let first = &firms["北京星河华宸科技有限公司"];
    assert_eq!(first.registered_capital, Some(5000.0), "5000万元人民币");
    assert_eq!(first.founded.unwrap().to_string(), "2010-01-10");
    assert!(first.credit_code.is_some() && first.address.as_deref().unwrap().starts_with("北京市东城区"));
    let dash = firms.values().filter(|e| e.registered_capital.is_none()).count();
    assert_eq!(dash, 8, "`-` is an empty cell, not a bad value");
    let yi = firms.values().filter(|e| e.registered_capital == Some(12_000.0)).count();
    assert_eq!(yi, 8, "1.2亿 is 12000万");
    assert_reimport_changes_nothing(&env, "qcc-export.csv", &[], 40);
}

#[test]
fn a_qixinbao_workbook_with_a_title_row_dashes_a_repeated_header_and_a_dollar_capital() {
    let env = Env::new();
    let r = import(&env, "qixinbao-export.xlsx", &[]);
    assert_eq!(r["inserted"], 71, "{r}");
    assert_eq!(r["region_inferred"]["address"], 71);
    let ignored: Vec<&str> =
        r["ignored_columns"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(ignored, vec!["序号", "法定代表人", "所属行业"]);
    let firms = stored(&env);
    let by_city = |prefix: &str| firms.values().filter(|e| e.region.to_string().starts_with(prefix)).count();
    assert_eq!((by_city("3205"), by_city("3204"), by_city("3202")), (24, 24, 23));
    let dollars: Vec<&Enterprise> =
        firms.values().filter(|e| e.registered_capital_currency.as_deref() == Some("USD")).collect();
    assert_eq!(dollars.len(), 1);
    assert_eq!(dollars[0].registered_capital, Some(1000.0));
    assert_eq!(dollars[0].capital_cny(), None, "a foreign capital is unknown to CNY filters and scoring");
    assert_eq!(firms.values().filter(|e| e.credit_code.is_none()).count(), 18, "`-` codes are empty");
    assert_reimport_changes_nothing(&env, "qixinbao-export.xlsx", &[], 71);
}

#[test]
fn a_supplier_list_in_gbk_with_na_codes_and_repeated_rows() {
    let env = Env::new();
    let r = import(&env, "supplier-list.csv", &[]);
    assert_eq!(r["inserted"], 120, "{r}");
    assert_eq!(r["merged"], 2, "two rows repeat a supplier: one enterprise each");
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "`-` and `#N/A` are empty cells: {r}");
    assert_eq!(r["region_inferred"]["credit_code"], 60, "the 60 suppliers with codes");
    assert_eq!(r["region_unknown"], 60, "no code, no address, a made-up name: 地区不详");
    assert_eq!(env.n_enterprises(), 120);
    assert_reimport_changes_nothing(&env, "supplier-list.csv", &[], 122);
}

#[test]
fn a_headerless_register_is_read_by_content_or_by_the_columns_given() {
    let env = Env::new();
    let r = import(&env, "register-headerless.csv", &[]);
    assert_eq!(r["inserted"], 60, "{r}");
    assert_eq!(r["header"], "guessed");
    let guessed: Vec<(u64, &str)> = r["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["column"].as_u64()?, c["field"].as_str()?)))
        .collect();
    assert_eq!(guessed, vec![(2, "credit_code"), (3, "name"), (5, "region")]);
    assert_eq!(r["ragged_rows"], 1, "one row has a remark in a sixth cell: read, flagged");
    let provinces: Vec<String> = stored(&env).values().map(|e| e.region.to_string()).collect();
    assert!(provinces.iter().all(|p| ["320000", "330000", "440000"].contains(&p.as_str())), "{provinces:?}");

    let given = Env::new();
    let r = import(
        &given,
        "register-headerless.csv",
        &["--columns", "序号,统一社会信用代码,企业名称,法定代表人,省"],
    );
    assert_eq!((r["inserted"].as_u64(), r["header"].as_str()), (Some(60), Some("given")), "{r}");
    assert_eq!(stored(&given).keys().collect::<Vec<_>>(), stored(&env).keys().collect::<Vec<_>>());
}

#[test]
fn an_old_xls_with_company_name_and_address_and_capital_in_yuan() {
    let env = Env::new();
    let r = import(&env, "legacy-list.xls", &[]);
    assert_eq!(r["inserted"], 25, "{r}");
    let firms = stored(&env);
    assert!(firms.values().all(|e| e.region.to_string() == "330106"), "杭州市西湖区");
    let capitals: Vec<f64> = firms.values().filter_map(|e| e.registered_capital).collect();
    assert_eq!(capitals.len(), 25);
    assert!(capitals.iter().all(|c| (500.0..=740.0).contains(c)), "the header says 元: {capitals:?}");
}

#[test]
fn a_top_500_ranking_with_short_names_gets_regions_from_names() {
    let env = Env::new();
    let r = import(&env, "top500.csv", &[]);
    assert_eq!(r["inserted"], 50, "{r}");
    assert_eq!(r["region_inferred"]["name"], 44);
    assert_eq!(r["region_unknown"], 6, "names with no place in them");
    let firms = stored(&env);
    let shenzhen = &firms["深圳市安澜华宸科技有限责任公司"];
    assert_eq!(shenzhen.region.to_string(), "440300");
    assert_eq!(shenzhen.aliases, vec!["安澜科技"]);
    // A second list naming the unknown-region firms by name alone finds them (exactly one each).
    let unknown: Vec<&String> = firms.iter().filter(|(_, e)| !e.region.is_known()).map(|(n, _)| n).collect();
    let list = env.write("again.csv", format!("企业名称,注册地址\n{},上海市浦东新区某路1号\n", unknown[0]));
    let r = env.ok_json(&["import", "enterprises", s(&list)]);
    assert_eq!((r["inserted"].as_u64(), r["updated"].as_u64()), (Some(0), Some(1)), "{r}");
    assert_eq!(
        stored(&env)[unknown[0]].region.to_string(),
        "310115",
        "an inferred region fills an unknown one"
    );
}

#[test]
fn a_dry_run_shows_the_mapping_and_the_first_rows_and_stores_nothing() {
    let env = Env::new();
    let p = import(&env, "qcc-export.csv", &["--dry-run"]);
    assert_eq!(p["dry_run"], true);
    assert_eq!(p["report"]["inserted"], 40);
    assert_eq!(p["sample"].as_array().unwrap().len(), 20);
    assert_eq!(p["sample"][0]["name"], "北京星河华宸科技有限公司");
    assert_eq!(p["sample"][0]["region_name"], "北京市东城区");
    let mapping: Vec<(&str, Option<&str>)> = p["report"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["header"].as_str().unwrap(), c["field"].as_str()))
        .collect();
    assert_eq!(
        mapping,
        vec![
            ("name", Some("name")),
            ("capital", Some("registered_capital")),
            ("date", Some("founded")),
            ("creditCode", Some("credit_code")),
            ("address", Some("address")),
        ]
    );
    assert_eq!(env.n_enterprises(), 0);
    let human = env.ok(&["import", "enterprises", s(&fixture("qcc-export.csv")), "--dry-run"]);
    assert!(human.stdout.contains("dry run: nothing stored"), "{}", human.stdout);
    assert_eq!(env.n_enterprises(), 0);
}

#[test]
fn excel_error_values_and_formulas_read_as_analysts_see_them() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["企业名称", "行政区划代码", "注册资本", "统一社会信用代码"].iter().enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "常州某某有限公司").unwrap();
    sheet.write_string(1, 1, "320412").unwrap();
    sheet.write_formula(1, 2, rust_xlsxwriter::Formula::new("=100*5").set_result("500")).unwrap();
    sheet
        .write_formula(1, 3, rust_xlsxwriter::Formula::new("=VLOOKUP(A2,X:Y,2,0)").set_result("#N/A"))
        .unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let table = read_bytes(&bytes, Format::Xlsx, None).unwrap();
    let record = table.rows[0].record.as_ref().unwrap();
    assert_eq!(record["registered_capital"], "500", "a formula is read by its cached value");
    assert!(!record.contains_key("credit_code"), "#N/A is an empty cell: {record:?}");
}

#[test]
fn a_row_never_moves_a_stored_firm_and_finds_it_across_coarser_or_finer_regions() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(crate::helpers::location(dir.path())).unwrap();
    let import = |text: &str, source: &str| {
        let table = read_bytes(text.as_bytes(), Format::Csv, None).unwrap();
        app.import_rows(table.into(), Some(source), None, &mut |_, _| {}).unwrap()
    };
    // 深圳市 from the name; then an address in 南山区 (inside it) is the same firm, not a second.
    let r = import("企业名称\n深圳市甲乙科技有限公司\n", "a.csv");
    assert_eq!((r.inserted, r.region_inferred.name), (1, 1));
    let r = import("企业名称,注册地址\n深圳市甲乙科技有限公司,广东省深圳市南山区科技园1号\n", "b.csv");
    assert_eq!((r.inserted, r.updated), (0, 1), "{r:?}");
    let stored: Vec<Enterprise> = app.store().enterprises().map(|e| e.unwrap()).collect();
    assert_eq!(stored[0].region.to_string(), "440300", "an inferred region never replaces a stored one");
    // A said province that contains the stored county says nothing new.
    import("企业名称,行政区划代码\n常州丙丁有限公司,320412\n", "c.csv");
    let r = import("企业名称,省\n常州丙丁有限公司,江苏省\n", "d.csv");
    assert_eq!((r.inserted, r.unchanged), (0, 1), "{r:?}");
    // The same file re-imported by someone else (another default source) changes nothing.
    let r = import("企业名称,行政区划代码\n常州丙丁有限公司,320412\n", "import by bob");
    assert_eq!(r.unchanged, 1, "{r:?}");
    // A replacement that says no region keeps the stored one.
    let id = app
        .store()
        .find_by_name("常州丙丁有限公司", chainscout::model::RegionCode::parse("320412").unwrap())
        .unwrap()
        .unwrap();
    let patch = chainscout::model::EnterprisePatch::from_record(
        serde_json::json!({"name": "常州丙丁有限公司", "address": "北京市东城区某路1号"})
            .as_object()
            .unwrap(),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
    )
    .unwrap();
    let (_, after) = app.replace_enterprise(id, patch, "test").unwrap();
    assert_eq!(after.region.to_string(), "320412");
}

#[test]
fn odd_cells_and_headers_of_real_lists() {
    let table = |text: &str| read_bytes(text.as_bytes(), Format::Csv, None).unwrap();
    // Yuan with thousands separators; a 9-character 组织机构代码 is no credit code.
    let t = table("企业名称,注册资本(元),组织机构代码\n常州某有限公司,\"5,000,000\",71093201-3\n");
    let r = t.rows[0].record.as_ref().unwrap();
    assert_eq!(r["registered_capital"], "5000000元");
    assert!(!r.contains_key("credit_code"), "{r:?}");
    // A data row whose type cell says 企业 is not a header.
    let t = table(
        "1,常州某某有限公司,企业,江苏省\n2,无锡某某股份有限公司,企业,江苏省\n3,苏州某某有限公司,企业,江苏省\n",
    );
    assert_eq!((t.header, t.rows.len()), (chainscout::import::HeaderSource::Guessed, 3));
    // A header nobody recognises is skipped with the title, not imported as a firm.
    let t = table(
        "2026年参评名单\n参评主体全称,所在省份\n常州某某有限公司,江苏省\n无锡某某股份有限公司,江苏省\n苏州某某有限公司,江苏省\n南京某某有限公司,江苏省\n",
    );
    assert_eq!((t.header, t.rows.len(), t.skipped_rows), (chainscout::import::HeaderSource::Guessed, 4, 2));
}

/// The qcc fixture's rows as (header, cells) columns, to be put in any order.
fn qcc_columns() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(fixture("qcc-export.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<Vec<String>> =
        reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    (0..rows[0].len())
        .map(|c| (rows[0][c].clone(), rows[1..].iter().map(|r| r[c].clone()).collect()))
        .collect()
}

fn records_of(columns: &[(String, Vec<String>)]) -> BTreeMap<String, String> {
    let mut text = columns.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>().join(",");
    text.push('\n');
    for row in 0..columns[0].1.len() {
        text.push_str(&columns.iter().map(|(_, cells)| cells[row].as_str()).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(crate::helpers::location(dir.path())).unwrap();
    let report = app
        .import_table(read_bytes(text.as_bytes(), Format::Csv, None).unwrap(), None, &mut |_, _| {})
        .unwrap();
    assert_eq!(report.inserted, columns[0].1.len());
    app.store()
        .enterprises()
        .map(|e| e.unwrap())
        .map(|e| {
            let facts = format!(
                "{} {:?} {:?} {:?} {:?}",
                e.region,
                e.registered_capital,
                e.founded,
                e.credit_code.map(|c| c.as_str().to_string()),
                e.address
            );
            (e.name, facts)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Any order of a good file's columns imports the same records.
    #[test]
    fn any_header_permutation_imports_the_same_records(order in Just((0..5).collect::<Vec<usize>>()).prop_shuffle()) {
        let columns = qcc_columns();
        let shuffled: Vec<(String, Vec<String>)> = order.iter().map(|i| columns[*i].clone()).collect();
        prop_assert_eq!(records_of(&shuffled), records_of(&columns));
    }
}
