use super::*;

fn records(table: &Table) -> Vec<&Map<String, Value>> {
    table.rows.iter().filter_map(|r| r.record.as_ref().ok()).collect()
}

#[test]
fn csv_with_bom_title_rows_and_chinese_headers() {
    let text = "\u{feff}2026年重点企业名单,,\n制表：招商局,,\n序号,企业名称,注册资本（万元）\n1,甲公司,500\n,,\n3,乙公司,1.2亿元\n";
    let table = read_bytes(text.as_bytes(), Format::Csv, None).unwrap();
    assert_eq!(table.ignored_columns, vec!["序号"]);
    let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers, vec![1, 3], "the empty row is skipped but keeps its number");
    assert_eq!(records(&table)[1]["registered_capital"], "1.2亿元");
}

#[test]
fn gbk_csv_is_decoded() {
    let (bytes, _, _) = encoding_rs::GBK.encode("企业名称,省,市\n常州某某有限公司,江苏省,常州市\n");
    let table = read_bytes(&bytes, Format::Csv, None).unwrap();
    assert_eq!(records(&table)[0]["name"], "常州某某有限公司");
    assert_eq!(records(&table)[0]["city"], "常州市");
}

#[test]
fn a_file_without_a_name_column_is_unreadable() {
    let err = read_bytes("a,b\n1,2\n".as_bytes(), Format::Csv, None).unwrap_err();
    assert!(err.to_string().contains("header"));
}

#[test]
fn jsonl_keeps_going_past_a_bad_line() {
    let text = "{\"name\":\"甲\"}\n{oops\n[1]\n{\"name\":\"乙\"}\n";
    let table = read_bytes(text.as_bytes(), Format::JsonLines, None).unwrap();
    assert_eq!(table.rows.len(), 4);
    assert_eq!(records(&table).len(), 2);
    assert_eq!(table.rows[1].record.as_ref().unwrap_err().code, crate::error::Code::MalformedRow);
}

#[test]
fn xlsx_with_numbers_for_codes_and_real_dates() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "企业清单").unwrap();
    for (c, h) in ["企业名称", "行政区划代码", "成立日期", "股票代码"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    sheet.write_string(2, 0, "常州某某有限公司").unwrap();
    sheet.write_number(2, 1, 320412.0).unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2021, 10, 19).unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_datetime_with_format(2, 2, &date, &format).unwrap();
    sheet.write_number(2, 3, 300750.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let table = read_bytes(&bytes, Format::Xlsx, None).unwrap();
    let r = records(&table)[0];
    assert_eq!(r["region"], "320412");
    assert_eq!(r["founded"], "2021-10-19");
    assert_eq!(r["stock_code"], "300750");
    assert_eq!(table.rows[0].number, 1);
}

#[test]
fn garbage_named_xlsx_is_unreadable_not_a_panic() {
    let err = read_bytes(b"not a zip", Format::Xlsx, None).unwrap_err();
    assert!(matches!(err, Error::UnreadableInput(_)));
}

#[test]
fn an_unclosed_quote_spoils_its_own_row_only() {
    let text = "企业名称,主营产品\n甲公司,电芯\n\"乙公司,正极材料\n丙公司,\"多行\n说明\"\n丁公司,隔膜\n";
    let table = read_bytes(text.as_bytes(), Format::Csv, None).unwrap();
    let names: Vec<String> =
        records(&table).iter().map(|r| r["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, vec!["甲公司", "丙公司", "丁公司"]);
    let bad: Vec<usize> = table.rows.iter().filter(|r| r.record.is_err()).map(|r| r.number).collect();
    assert_eq!(bad, vec![2]);
    assert_eq!(records(&table)[1]["products"], "多行\n说明");
}
