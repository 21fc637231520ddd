//! Enterprise import: formats, bad rows, re-import, what analysts really send.

use crate::helpers::{Env, s};
use serde_json::Value;

fn rejected(report: &Value) -> Vec<(u64, String, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["field"].as_str().unwrap().to_string(),
                r["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn bad_rows_are_reported_and_every_good_row_is_stored() {
    let env = Env::new();
    let csv = "\u{feff}重点企业名单（2026年）,,,,\n\
        企业名称,统一社会信用代码,省,市,注册资本\n\
        常州甲有限公司,,江苏省,常州市,1.2亿元\n\
        ,,江苏省,常州市,100\n\
        常州乙有限公司,91110000600037341N,江苏省,常州市,100\n\
        朝阳丙有限公司,,,,50\n\
        常州丁有限公司,,江苏省,火星市,50\n\
        常州戊有限公司,,江苏省,常州市,-3\n\
        常州己有限公司,91152201078377449P,江苏省,常州市,500万元\n";
    let file = env.write("firms.csv", csv);
    let report = env.ok_json(&["import", "enterprises", s(&file)]);
    // 朝阳丙 says no region and none can be inferred (朝阳 is three places): stored as 地区不详.
    assert_eq!(report["inserted"], 3);
    assert_eq!(report["region_unknown"], 1);
    assert_eq!(
        rejected(&report),
        vec![
            (2, "name".into(), "missing_field".into()),
            (3, "credit_code".into(), "invalid_credit_code".into()),
            (5, "region".into(), "invalid_region".into()),
            (6, "registered_capital".into(), "invalid_value".into()),
        ]
    );
    let row3 = &report["rejected"][1];
    assert!(row3["reason"].as_str().unwrap().contains("校验位"), "{row3}");
    assert_eq!(env.n_enterprises(), 3);
}

#[test]
fn re_importing_updates_and_keeps_what_empty_cells_do_not_say() {
    let env = Env::new();
    let first = env.write(
        "a.csv",
        "企业名称,行政区划代码,主营产品,注册资本,地址\n常州甲有限公司,320412,正极材料,1000,武进区某路1号\n",
    );
    let r = env.ok_json(&["import", "enterprises", s(&first)]);
    assert_eq!((r["inserted"].as_u64(), r["updated"].as_u64()), (Some(1), Some(0)));
    let second =
        env.write("b.csv", "企业名称,行政区划代码,主营产品,注册资本,地址\n常州甲有限公司,320412,,2000,\n");
    let r = env.ok_json(&["import", "enterprises", s(&second)]);
    assert_eq!((r["inserted"].as_u64(), r["updated"].as_u64()), (Some(0), Some(1)));
    assert_eq!(env.n_enterprises(), 1);
    let out = env.ok(&["import", "enterprises", s(&first)]);
    assert!(out.stdout.contains("updated 1"), "{}", out.stdout);
    assert_eq!(env.n_enterprises(), 1);
}

#[test]
fn a_row_naming_two_different_enterprises_is_a_conflict() {
    let env = Env::new();
    let setup = env.write(
        "a.jsonl",
        concat!(
            "{\"name\":\"常州甲有限公司\",\"region\":\"320400\",\"credit_code\":\"91152201078377449P\"}\n",
            "{\"name\":\"常州乙有限公司\",\"region\":\"320400\"}\n"
        ),
    );
    env.ok(&["import", "enterprises", s(&setup)]);
    let clash = env.write(
        "b.jsonl",
        "{\"name\":\"常州乙有限公司\",\"region\":\"320400\",\"credit_code\":\"91152201078377449P\"}\n",
    );
    let report = env.ok_json(&["import", "enterprises", s(&clash)]);
    assert_eq!(rejected(&report), vec![(1, "credit_code".into(), "conflicting_identity".into())]);
    assert_eq!(env.n_enterprises(), 2);
}

#[test]
fn gbk_csv_and_ambiguous_county_names() {
    let env = Env::new();
    let text = "企业名称,省,市,区县,主营产品\n北京甲科技有限公司,北京市,,朝阳区,芯片设计\n乙科技有限公司,,,朝阳区,芯片设计\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let file = env.write("gbk.csv", &*bytes);
    let report = env.ok_json(&["import", "enterprises", s(&file)]);
    assert_eq!(report["inserted"], 1);
    assert_eq!(rejected(&report), vec![(2, "region".into(), "ambiguous_region".into())]);
    assert!(report["rejected"][0]["reason"].as_str().unwrap().contains("长春市朝阳区"));
}

#[test]
fn xlsx_with_title_rows_numeric_codes_and_chinese_dates() {
    let env = Env::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "2026年招商目标企业").unwrap();
    for (c, h) in ["序号", "企业名称", "行政区划代码", "成立日期", "标签", "两高"].iter().enumerate()
    {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    sheet.write_number(3, 0, 1.0).unwrap();
    sheet.write_string(3, 1, "常州甲有限公司").unwrap();
    sheet.write_number(3, 2, 320412.0).unwrap();
    sheet.write_string(3, 3, "2019年3月1日").unwrap();
    sheet.write_string(3, 4, "专精特新“小巨人”、高新技术企业").unwrap();
    sheet.write_string(3, 5, "否").unwrap();
    sheet.write_number(4, 0, 2.0).unwrap();
    sheet.write_string(4, 1, "常州乙有限公司").unwrap();
    sheet.write_number(4, 2, 320412.0).unwrap();
    sheet.write_string(4, 3, "2019年13月1日").unwrap();
    let file = env.path("firms.xlsx");
    book.save(&file).unwrap();
    let report = env.ok_json(&["import", "enterprises", s(&file)]);
    assert_eq!(report["inserted"], 1);
    assert_eq!(rejected(&report), vec![(2, "founded".into(), "invalid_value".into())]);
    assert_eq!(report["ignored_columns"], serde_json::json!(["序号"]));
}

#[test]
fn unreadable_files_exit_2_with_a_message() {
    let env = Env::new();
    let r = env.run(&["import", "enterprises", "/nonexistent/x.csv"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let odd = env.write("firms.pdf", "x");
    let r = env.run(&["import", "enterprises", s(&odd)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".xlsx"), "{}", r.stderr);
    let broken = env.write("firms.xlsx", "not a workbook");
    let r = env.run(&["import", "enterprises", s(&broken)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("XLSX"), "{}", r.stderr);
}

#[test]
fn generated_enterprises_import_cleanly_and_the_generator_is_deterministic() {
    let env = Env::new();
    let a = env.path("a.jsonl");
    let b = env.path("b.jsonl");
    env.ok(&["gen", "--enterprises", "2000", "--seed", "5", "--out", s(&a)]);
    env.ok(&["gen", "--enterprises", "2000", "--seed", "5", "--out", s(&b)]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let report = env.ok_json(&["import", "enterprises", s(&a)]);
    assert_eq!(report["inserted"], 2000, "{report}");
    assert_eq!(report["rejected"].as_array().unwrap().len(), 0);
}

#[test]
fn search_from_the_command_line_prints_the_api_shape() {
    let env = Env::new();
    env.ok(&["import", "demo"]);
    let r = env.ok_json(&["search", "宁德时代", "--limit", "5"]);
    assert_eq!(r["hits"][0]["name"], "宁德时代新能源科技股份有限公司");
    assert_eq!(r["hits"][0]["highlight"]["name"], "<em>宁德时代</em>新能源科技股份有限公司");
    assert!(r["total"].as_u64().unwrap() >= 1);
    assert_eq!(r["total_exact"], true);
    for key in ["region", "tag", "link"] {
        assert!(r["facets"][key].is_array(), "{key}");
    }
    let filtered = env.ok_json(&["search", "电池", "--region", "江苏", "--limit", "50"]);
    assert!(
        filtered["hits"].as_array().unwrap().iter().all(|h| h["region"].as_str().unwrap().starts_with("32"))
    );
    let human = env.ok(&["search", "时代新能"]);
    assert!(human.stdout.contains("宁德【时代新能】源"), "{}", human.stdout);
    let bad = env.run(&["search", "x", "--link", "nolink"]);
    assert_eq!(bad.code, 2);
    let bad = env.run(&["search", "x", "--region", "火星"]);
    assert_eq!(bad.code, 2);
}
