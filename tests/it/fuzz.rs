//! Fuzz targets, driven by proptest: the CSV, XLSX, JSON Lines and chain-TOML readers and the
//! credit-code parser take arbitrary and mutated input without panicking or hanging, and every
//! row is accounted for. `cargo test` runs a few hundred cases each; `scripts/fuzz.sh` runs each
//! target for a bounded time with many more (`CHAINSCOUT_FUZZ_CASES`). Failures proptest finds
//! are kept by proptest under `tests/it/proptest-regressions/` (commit them) and replayed first
//! on every run.

use chainscout::import::{Format, read_bytes};
use chainscout::model::CreditCode;
use chainscout::model::chain::parse_chain_toml;
use proptest::prelude::*;

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("CHAINSCOUT_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, max_shrink_iters: 2_000, ..ProptestConfig::default() }
}

/// Bytes that look like what a reader expects, then damaged: flipped, cut, repeated, spliced.
fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = seed.len().max(1);
    prop::collection::vec((0..len, any::<u8>(), 0u8..4), 0..12).prop_map(move |edits| {
        let mut b = seed.clone();
        for (at, byte, op) in edits {
            if b.is_empty() {
                b.push(byte);
                continue;
            }
            let at = at % b.len();
            match op {
                0 => b[at] = byte,
                1 => b.truncate(at),
                2 => b.insert(at, byte),
                _ => {
                    let piece: Vec<u8> = b[at..(at + 16).min(b.len())].to_vec();
                    b.splice(at..at, piece);
                }
            }
        }
        b
    })
}

const CSV_SEED: &str = "标题：2026年重点企业名单\n企业名称,统一社会信用代码,行政区划代码,注册资本,成立日期,主营产品\n\
    常州甲有限公司,91152201078377449P,320412,1.2亿元,2021年10月19日,正极材料；电芯\n\
    \"引号,逗号\",,320000,500万元,2020/1/2,\"隔膜\"\n";

const JSONL_SEED: &str = "{\"name\":\"常州甲有限公司\",\"region\":\"320412\",\"products\":[\"正极材料\"]}\n\
    {\"name\":\"乙公司\",\"credit_code\":\"91110000600037341N\",\"signals\":[{\"kind\":\"扩产\",\"date\":\"2024-03-01\"}]}\n";

fn xlsx_seed() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["企业名称", "行政区划代码", "注册资本", "成立日期"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "常州甲有限公司").unwrap();
    sheet.write_number(1, 1, 320412.0).unwrap();
    sheet.write_string(1, 2, "1.2亿元").unwrap();
    sheet.write_number(1, 3, 44000.0).unwrap();
    book.save_to_buffer().unwrap()
}

/// Rows are numbered from 1, strictly increasing, and each read or rejected with a reason.
fn rows_are_accounted(table: &chainscout::import::Table) -> Result<(), TestCaseError> {
    let mut last = 0;
    for row in &table.rows {
        prop_assert!(row.number > last, "row numbers increase: {} after {last}", row.number);
        last = row.number;
        if let Err(p) = &row.record {
            prop_assert!(!p.reason.is_empty()); // the code is a `Code`: never empty
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn csv_reader_takes_any_bytes(bytes in prop_oneof![any::<Vec<u8>>(), mutated(CSV_SEED.as_bytes().to_vec())]) {
        if let Ok(table) = read_bytes(&bytes, Format::Csv, None) {
            rows_are_accounted(&table)?;
        }
    }

    #[test]
    fn jsonl_reader_gives_one_row_per_non_blank_line(bytes in prop_oneof![any::<Vec<u8>>(), mutated(JSONL_SEED.as_bytes().to_vec())]) {
        let table = read_bytes(&bytes, Format::JsonLines, None).unwrap();
        rows_are_accounted(&table)?;
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let non_blank = body
            .split(|&b| b == b'\n')
            .filter(|l| std::str::from_utf8(l).map_or(true, |t| !t.trim().is_empty()))
            .count();
        prop_assert_eq!(table.rows.len(), non_blank);
    }

    #[test]
    fn xlsx_reader_takes_damaged_workbooks(bytes in prop_oneof![any::<Vec<u8>>(), mutated(xlsx_seed())]) {
        if let Ok(table) = read_bytes(&bytes, Format::Xlsx, None) {
            rows_are_accounted(&table)?;
        }
    }

    #[test]
    fn chain_toml_parser_takes_any_text(text in prop_oneof![
        "\\PC{0,200}",
        mutated(include_bytes!("../../graphs/lithium-battery.toml").to_vec())
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]) {
        if let Err(e) = parse_chain_toml("fuzz.toml", &text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn credit_code_parser_takes_any_text_and_accepts_what_it_makes(s in "\\PC{0,24}", body in "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}") {
        if let Ok(code) = CreditCode::parse(&s) {
            prop_assert_eq!(CreditCode::parse(code.as_str()).unwrap(), code);
        }
        let made = CreditCode::with_check_character(&body).unwrap();
        prop_assert_eq!(CreditCode::parse(made.as_str()).unwrap(), made);
    }
}

proptest! {
    #![proptest_config(cases(24))]

    /// Through the write path: whatever the reader yields, the report accounts for every row.
    #[test]
    fn an_import_of_damaged_json_lines_accounts_for_every_row(bytes in mutated(JSONL_SEED.repeat(3).into_bytes())) {
        let dir = tempfile::tempdir().unwrap();
        let app = chainscout::app::App::open(crate::helpers::location(dir.path())).unwrap();
        let table = read_bytes(&bytes, Format::JsonLines, None).unwrap();
        let n = table.rows.len();
        let report = app.import_table(table, None, &mut |_, _| {}).unwrap();
        prop_assert_eq!(report.inserted + report.updated + report.unchanged + report.merged + report.rejected.len(), n);
        prop_assert_eq!(app.store().count_enterprises(), report.inserted);
    }
}
