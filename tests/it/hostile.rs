//! Hostile input, case by case: what analysts are sent (or an attacker uploads) must give a clear
//! answer in bounded time and memory, account for every row, and never come back out of an
//! export as a live formula. The open-ended search for crashes is `fuzz.rs` (and
//! `scripts/fuzz.sh` for long runs); these are the named cases of issue 7.

use crate::helpers::{Env, s};
use chainscout::app::App;
use chainscout::import::{Format, read_bytes};

fn import(bytes: &[u8], format: Format) -> chainscout::Result<chainscout::import::ImportReport> {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(crate::helpers::location(dir.path())).unwrap();
    let table = read_bytes(bytes, format, None)?;
    app.import_table(table, None, &mut |_, _| {})
}

/// A small XLSX: a header and `rows` data rows.
fn workbook(rows: usize) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "企业名称").unwrap();
    sheet.write_string(0, 1, "行政区划代码").unwrap();
    for r in 1..=rows as u32 {
        sheet.write_string(r, 0, format!("表格测试{r}有限公司")).unwrap();
        sheet.write_string(r, 1, "320583").unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_zip_bomb_workbook_is_refused_before_anything_is_inflated() {
    let mut bytes = workbook(3);
    // Make every central-directory entry declare 300 MB unpacked, as a bomb's does.
    let mut at = 0;
    let mut patched = 0;
    while let Some(p) = bytes[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let header = at + p;
        bytes[header + 24..header + 28].copy_from_slice(&300_000_000u32.to_le_bytes());
        patched += 1;
        at = header + 4;
    }
    assert!(patched >= 3);
    let err = import(&bytes, Format::Xlsx).unwrap_err().to_string();
    assert!(err.contains("压缩炸弹"), "{err}");
    // The untouched workbook imports.
    assert_eq!(import(&workbook(3), Format::Xlsx).unwrap().inserted, 3);
}

#[test]
fn a_lone_cell_at_the_far_corner_of_a_sheet_costs_nothing() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "企业名称").unwrap();
    sheet.write_string(0, 1, "行政区划代码").unwrap();
    sheet.write_string(1, 0, "角落测试有限公司").unwrap();
    sheet.write_string(1, 1, "320583").unwrap();
    // XFD1048576: a dense reader would allocate 17 billion cells for this sheet.
    sheet.write_string(1_048_575, 16_383, "远角").unwrap();
    let report = import(&book.save_to_buffer().unwrap(), Format::Xlsx).unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(report.rejected.len(), 1, "the far row has no name: {:?}", report.rejected);
    assert_eq!(report.rejected[0].code, "missing_field");
}

#[test]
fn a_csv_with_100k_columns_imports_and_names_a_bounded_list_of_ignored_columns() {
    let extra: Vec<String> = (0..100_000).map(|i| format!("多余列{i}")).collect();
    let mut csv = format!("企业名称,行政区划代码,{}\n", extra.join(","));
    for r in 0..3 {
        csv.push_str(&format!("宽表测试{r}有限公司,320583,{}\n", vec!["x"; 100_000].join(",")));
    }
    let report = import(csv.as_bytes(), Format::Csv).unwrap();
    assert_eq!(report.inserted, 3);
    assert_eq!(report.ignored_columns.len(), 51);
    assert_eq!(report.ignored_columns[50], "……另有 99950 列");
}

#[test]
fn unclosed_quotes_on_every_line_stay_linear_and_spoil_only_their_rows() {
    // 20k lines, each opening a quote that never closes properly: a rescan per bad line would
    // take minutes here.
    let mut csv = String::from("企业名称,行政区划代码\n");
    for i in 0..20_000 {
        csv.push_str(&format!("\"引号{i}\"坏,320583\n"));
    }
    csv.push_str("好行有限公司,320583\n");
    let report = import(csv.as_bytes(), Format::Csv).unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(report.rejected.len(), 20_000);
    assert!(report.rejected.iter().all(|r| r.code == "malformed_row"));
}

#[test]
fn invalid_utf8_and_overlong_lines_are_rejected_rows_and_the_rest_imports() {
    let mut jsonl = Vec::new();
    jsonl.extend_from_slice("{\"name\":\"好行甲有限公司\",\"region\":\"320583\"}\n".as_bytes());
    jsonl.extend_from_slice(b"{\"name\":\"\xff\xfe\xfd\",\"region\":\"320583\"}\n");
    jsonl.extend_from_slice(format!("{{\"name\":\"{}\"}}\n", "长".repeat(3 * 1024 * 1024)).as_bytes());
    jsonl.extend_from_slice("{\"name\":\"好行乙有限公司\",\"region\":\"320583\"}\n".as_bytes());
    let report = import(&jsonl, Format::JsonLines).unwrap();
    assert_eq!(report.inserted, 2);
    let codes: Vec<(usize, &str)> = report.rejected.iter().map(|r| (r.row, r.code.as_str())).collect();
    assert_eq!(codes, [(2, "invalid_utf8"), (3, "line_too_long")]);

    // A CSV that is neither UTF-8 nor GBK says so.
    let err = import(b"\xff\xfe\xfd\xfc,\x81\n\x80\x80", Format::Csv).unwrap_err().to_string();
    assert!(err.contains("neither UTF-8 nor GBK"), "{err}");
}

#[test]
fn formula_cells_come_out_of_exports_as_text() {
    let env = Env::new();
    env.ok(&["import", "demo"]);
    // An enterprise outside 江苏 in a target link of the lithium chain, named like a formula.
    let name = "=HYPERLINK(\"http://evil.example\",\"点我\")";
    let file = env.write(
        "evil.jsonl",
        format!(
            "{}\n",
            serde_json::json!({"name": name, "region": "440300", "products": ["负极材料", "锂盐"], "tags": ["上市公司"]})
        ),
    );
    env.ok(&["import", "enterprises", s(&file)]);
    let xlsx = env.path("leads.xlsx");
    let csv = env.path("leads.csv");
    env.ok(&["leads", "lithium-battery", "--limit", "5000", "--out", s(&xlsx)]);
    env.ok(&["leads", "lithium-battery", "--limit", "5000", "--out", s(&csv)]);

    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("'=HYPERLINK"), "the CSV cell is escaped");
    assert!(!text.lines().any(|l| l.starts_with("=") || l.contains(",=")), "no cell starts with =");

    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    let cell = range
        .rows()
        .flat_map(|r| r.iter())
        .find_map(|c| match c {
            calamine::Data::String(s) if s.contains("HYPERLINK") => Some(s.clone()),
            _ => None,
        })
        .expect("the enterprise is among the leads");
    assert!(cell.starts_with("'="), "{cell}");
    let formulas = book.worksheet_formula(&first).unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no formula in the workbook");
}

#[test]
fn a_nul_character_in_a_cell_rejects_that_row_with_the_field_and_the_rest_imports() {
    // NUL is never meaningful in a record, and PostgreSQL's text cannot hold it: refused at the
    // record's one door for both stores, row by row (not a whole batch failing at the store).
    let csv = "企业名称,行政区划代码,主营产品\n空字符前有限公司,320583,电池\n空字符\0有限公司,320583,电池\n空字符后有限公司,320583,隔\0膜\n末行有限公司,320583,电池\n";
    let report = import(csv.as_bytes(), Format::Csv).unwrap();
    assert_eq!(report.inserted, 2, "{:?}", report.rejected);
    let rejected: Vec<(usize, &str)> = report.rejected.iter().map(|r| (r.row, r.code.as_str())).collect();
    assert_eq!(rejected, vec![(2, "invalid_value"), (3, "invalid_value")]);
    assert!(report.rejected[0].reason.contains("NUL"), "{:?}", report.rejected[0]);
}
