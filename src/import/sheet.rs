//! Excel workbooks (XLSX and the older XLS): the first sheet, or the one named. Cells come back
//! as the text an analyst sees: numbers without a trailing `.0` (codes Excel stored as numbers),
//! dates as `YYYY-MM-DD`.

use super::Format;
use crate::error::{Error, Result};
use calamine::{Data, Reader};
use std::io::Cursor;

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => d.date().format("%Y-%m-%d").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        // #N/A, #VALUE! and the other error values are empty cells (SPEC §4).
        Data::Error(_) => String::new(),
    }
}

/// The sheet asked for by name, or the first.
fn pick_sheet(names: &[String], sheet: Option<&str>) -> Result<String> {
    match sheet {
        Some(s) if names.iter().any(|n| n == s) => Ok(s.to_string()),
        Some(s) => Err(Error::UnreadableInput(format!("no sheet named {s:?}; sheets: {}", names.join(", ")))),
        None => {
            names.first().cloned().ok_or_else(|| Error::UnreadableInput("the workbook has no sheet".into()))
        }
    }
}

fn grid<R: Reader<Cursor<Vec<u8>>>>(mut workbook: R, sheet: Option<&str>) -> Result<Vec<Vec<String>>>
where
    R::Error: std::fmt::Display,
{
    let name = pick_sheet(&workbook.sheet_names(), sheet)?;
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| Error::UnreadableInput(format!("sheet {name:?} cannot be read: {e}")))?;
    Ok(range.rows().map(|r| r.iter().map(cell_text).collect()).collect())
}

/// What an XLSX may unpack to. Workbooks analysts send unpack to tens of MB; a zip bomb (a few
/// KB that inflate to gigabytes) is refused before anything is inflated.
const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// Cells read from one sheet; beyond it the workbook is refused rather than filling memory.
const MAX_CELLS: usize = 20_000_000;
/// Excel's own column limit (XFD).
const MAX_COLUMNS: u32 = 16_384;

fn check_unpacked_size(bytes: &[u8]) -> Result<()> {
    let unreadable =
        |e: zip::result::ZipError| Error::UnreadableInput(format!("not a readable XLSX workbook: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        // Sizes from the central directory, read without inflating anything.
        total = total.saturating_add(archive.by_index_raw(i).map_err(unreadable)?.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(Error::UnreadableInput(format!(
            "工作簿解压后达 {} MB，超过上限 {} MB，疑似压缩炸弹，未读取",
            total / 1024 / 1024,
            MAX_UNPACKED_BYTES / 1024 / 1024
        )));
    }
    Ok(())
}

/// The cells of an XLSX sheet, read one by one: memory follows the cells that exist, not the
/// sheet's declared dimensions (a lone cell at XFD1048576 must not allocate 17 billion).
fn xlsx_grid(mut workbook: calamine::Xlsx<Cursor<Vec<u8>>>, sheet: Option<&str>) -> Result<Vec<Vec<String>>> {
    let name = pick_sheet(&workbook.sheet_names(), sheet)?;
    let unreadable =
        |e: calamine::XlsxError| Error::UnreadableInput(format!("sheet {name:?} cannot be read: {e}"));
    let mut reader = workbook.worksheet_cells_reader(&name).map_err(unreadable)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut cells = 0usize;
    let mut first_row: Option<u32> = None;
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        if col >= MAX_COLUMNS {
            return Err(Error::UnreadableInput(format!(
                "工作表第 {} 列超出 Excel 的列数上限，未读取",
                col + 1
            )));
        }
        cells += 1;
        if cells > MAX_CELLS {
            return Err(Error::UnreadableInput(format!(
                "工作表超过 {MAX_CELLS} 个单元格，请拆分为多个文件后导入"
            )));
        }
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        let first = *first_row.get_or_insert(row);
        let at = row.saturating_sub(first) as usize;
        if at >= rows.len() {
            rows.resize_with(at + 1, Vec::new);
        }
        let r = &mut rows[at];
        if r.len() <= col as usize {
            r.resize(col as usize + 1, String::new());
        }
        r[col as usize] = text;
    }
    Ok(rows)
}

pub(super) fn read(bytes: &[u8], format: Format, options: &super::ReadOptions) -> Result<super::Table> {
    let sheet = options.sheet.as_deref();
    let cursor = Cursor::new(bytes.to_vec());
    let cells = match format {
        Format::Xls => grid(
            calamine::Xls::new(cursor)
                .map_err(|e| Error::UnreadableInput(format!("not a readable XLS workbook: {e}")))?,
            sheet,
        )?,
        _ => {
            check_unpacked_size(bytes)?;
            let workbook = calamine::Xlsx::new(cursor)
                .map_err(|e| Error::UnreadableInput(format!("not a readable XLSX workbook: {e}")))?;
            xlsx_grid(workbook, sheet)?
        }
    };
    super::rows_from_grid(cells.into_iter(), options)
}
