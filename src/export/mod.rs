//! Files for people who live in Excel: lead lists as XLSX (Chinese header, frozen, sized columns)
//! or CSV (with a BOM so Excel reads UTF-8). Cells that start with `= + - @` are escaped so a
//! spreadsheet never runs them as formulas.
//!
//! Excel's own limits are met here, for every sheet of every export: a sheet name holds none of
//! `/ \ ? * [ ] :` (they become their full-width forms, as a Chinese user would type them), is
//! at most 31 characters and unique in its workbook; a cell holds at most 32,767 characters (a
//! longer text is cut with a note of its length). A chain named `汽车/零部件` or a 40,000-character
//! tag made the whole export fail before (issue 17).

use crate::error::{Error, Result};
use std::path::Path;

/// A table: a header row and rows of cells.
pub struct Sheet {
    pub name: String,
    pub header: Vec<&'static str>,
    /// Column widths in characters.
    pub widths: Vec<f64>,
    pub rows: Vec<Vec<Cell>>,
}

pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

/// Excel's longest sheet name, in characters.
pub const MAX_SHEET_NAME: usize = 31;
/// Excel's longest cell text, in characters.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Excel counts lengths in UTF-16 units: a character outside the basic plane (an emoji, a rare
/// 汉字 of Extension B) counts twice. The longest prefix of `s` within `units`.
fn prefix_within(s: &str, units: usize) -> &str {
    let mut used = 0;
    for (at, c) in s.char_indices() {
        used += c.len_utf16();
        if used > units {
            return &s[..at];
        }
    }
    s
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// A sheet name Excel accepts, not among `used` (compared as Excel does, ignoring case).
pub fn sheet_name(wanted: &str, used: &[String]) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| match c {
            '/' => '／',
            '\\' => '＼',
            '?' => '？',
            '*' => '＊',
            '[' => '【',
            ']' => '】',
            ':' => '：',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    // No quote at either end, also after cutting.
    let fit = |s: &str, units: usize| {
        prefix_within(s.trim().trim_matches('\''), units).trim_matches('\'').trim().to_string()
    };
    let base = match fit(&clean, MAX_SHEET_NAME) {
        b if b.is_empty() => "Sheet".to_string(),
        b => b,
    };
    let taken = |n: &str| used.iter().any(|u| u.to_lowercase() == n.to_lowercase());
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|i| {
            let suffix = format!("({i})");
            format!("{}{suffix}", fit(&base, MAX_SHEET_NAME - suffix.len()))
        })
        .find(|n| !taken(n))
        .expect("some suffix is free")
}

/// A cell text Excel accepts: longer ones are cut, saying so and how long the whole was.
pub fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    if utf16_len(s) <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(s);
    }
    let note = format!("…（已截断，全文 {} 字）", s.chars().count());
    let keep = prefix_within(s, MAX_CELL_CHARS - utf16_len(&note));
    std::borrow::Cow::Owned(format!("{keep}{note}"))
}

/// Neutralises spreadsheet formula injection.
pub fn escape_formula(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() }
}

fn csv_bytes(sheet: &Sheet) -> Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&sheet.header).map_err(|e| Error::UnreadableInput(e.to_string()))?;
        for row in &sheet.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => escape_formula(s),
                    Cell::Number(n) => format!("{n}"),
                    Cell::Empty => String::new(),
                })
                .collect();
            w.write_record(&cells).map_err(|e| Error::UnreadableInput(e.to_string()))?;
        }
        w.flush().map_err(|e| Error::io("csv", e))?;
    }
    Ok(out)
}

fn xlsx_bytes(sheet: &Sheet) -> Result<Vec<u8>> {
    workbook_bytes(std::slice::from_ref(sheet))
}

/// A workbook of several sheets, each with its frozen header row and autofilter.
pub fn workbook_bytes(sheets: &[Sheet]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let err = |e: rust_xlsxwriter::XlsxError| Error::Index(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let mut names: Vec<String> = Vec::new();
    for sheet in sheets {
        let name = sheet_name(&sheet.name, &names);
        write_sheet(&mut book, sheet, &name)?;
        names.push(name);
    }
    book.save_to_buffer().map_err(err)
}

fn write_sheet(book: &mut rust_xlsxwriter::Workbook, sheet: &Sheet, name: &str) -> Result<()> {
    use rust_xlsxwriter::Format;
    let err = |e: rust_xlsxwriter::XlsxError| Error::Index(format!("xlsx: {e}"));
    let ws = book.add_worksheet();
    ws.set_name(name).map_err(err)?;
    let bold = Format::new().set_bold().set_background_color("#DDEBF7");
    let wrap = Format::new().set_text_wrap();
    for (c, h) in sheet.header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(err)?;
        ws.set_column_width(c as u16, sheet.widths.get(c).copied().unwrap_or(14.0)).map_err(err)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Text(s) if s.contains('\n') => {
                    ws.write_string_with_format(r, c, cell_text(&escape_formula(s)), &wrap)
                }
                Cell::Text(s) => ws.write_string(r, c, cell_text(&escape_formula(s))),
                Cell::Number(n) => ws.write_number(r, c, *n),
                Cell::Empty => Ok(&mut *ws),
            }
            .map_err(err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    ws.autofilter(0, 0, sheet.rows.len() as u32, sheet.header.len().saturating_sub(1) as u16).map_err(err)?;
    Ok(())
}

/// The sheet as `.xlsx` or `.csv` bytes, by format name.
pub fn to_bytes(sheet: &Sheet, format: &str) -> Result<Vec<u8>> {
    match format {
        "xlsx" => xlsx_bytes(sheet),
        "csv" => csv_bytes(sheet),
        other => Err(Error::UnreadableInput(format!("unknown export format {other:?}: use xlsx or csv"))),
    }
}

/// Writes the sheet to a file chosen by its extension.
pub fn write_file(sheet: &Sheet, path: &Path) -> Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let bytes = to_bytes(sheet, &ext)?;
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_and_cells_always_fit_excel() {
        assert_eq!(sheet_name("汽车/零部件[一]:*?", &[]), "汽车／零部件【一】：＊？");
        assert_eq!(sheet_name("'引号'", &[]), "引号");
        assert_eq!(sheet_name("  ", &[]), "Sheet");
        let long = "很".repeat(40);
        assert_eq!(sheet_name(&long, &[]).chars().count(), 31);
        let used = vec![sheet_name(&long, &[])];
        let second = sheet_name(&long, &used);
        assert!(second.ends_with("(2)") && second.chars().count() == 31, "{second}");
        assert_eq!(sheet_name("Sheet", &["SHEET".into()]), "Sheet(2)");
        let cell = cell_text(&"字".repeat(40_000)).into_owned();
        assert_eq!(cell.chars().count(), MAX_CELL_CHARS);
        assert!(cell.ends_with("（已截断，全文 40000 字）"));
        assert_eq!(cell_text("短"), "短");
        // Characters outside the basic plane count twice for Excel.
        let emoji = "😀".repeat(20);
        assert_eq!(utf16_len(&sheet_name(&emoji, &[])), 30);
        let wide = cell_text(&"𠀀".repeat(20_000)).into_owned();
        assert!(utf16_len(&wide) <= MAX_CELL_CHARS, "{}", utf16_len(&wide));
        assert_eq!(sheet_name(&format!("{}'尾", "甲".repeat(30)), &[]), "甲".repeat(30));

        // The workbook opens, with the names and the cut cell as written.
        let sheet = |name: &str| Sheet {
            name: name.into(),
            header: vec!["名称", "标签"],
            widths: vec![],
            rows: vec![vec![Cell::Text("甲".into()), Cell::Text("签".repeat(40_000))]],
        };
        let bytes = workbook_bytes(&[sheet("汽车/零部件"), sheet("汽车/零部件"), sheet(&long)]).unwrap();
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["汽车／零部件", "汽车／零部件(2)", &"很".repeat(31)]);
        let range = book.worksheet_range("汽车／零部件").unwrap();
        let tag = range.get_value((1, 1)).unwrap().to_string();
        assert_eq!(tag.chars().count(), MAX_CELL_CHARS);
    }

    #[test]
    fn formulas_are_neutralised_and_csv_starts_with_a_bom() {
        assert_eq!(escape_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(escape_formula("-1+1"), "'-1+1");
        assert_eq!(escape_formula("宁德时代"), "宁德时代");
        let sheet = Sheet {
            name: "线索".into(),
            header: vec!["企业名称", "得分"],
            widths: vec![30.0, 8.0],
            rows: vec![vec![Cell::Text("=cmd".into()), Cell::Number(1.5)]],
        };
        let csv = to_bytes(&sheet, "csv").unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        assert!(String::from_utf8_lossy(&csv).contains("'=cmd,1.5"));
        let xlsx = to_bytes(&sheet, "xlsx").unwrap();
        assert!(xlsx.starts_with(b"PK"));
    }
}
