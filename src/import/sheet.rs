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
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn grid<R: Reader<Cursor<Vec<u8>>>>(mut workbook: R, sheet: Option<&str>) -> Result<Vec<Vec<String>>>
where
    R::Error: std::fmt::Display,
{
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(s) if names.iter().any(|n| n == s) => s.to_string(),
        Some(s) => {
            return Err(Error::UnreadableInput(format!(
                "no sheet named {s:?}; sheets: {}",
                names.join(", ")
            )));
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::UnreadableInput("the workbook has no sheet".into()))?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| Error::UnreadableInput(format!("sheet {name:?} cannot be read: {e}")))?;
    Ok(range.rows().map(|r| r.iter().map(cell_text).collect()).collect())
}

pub(super) fn read(bytes: &[u8], format: Format, sheet: Option<&str>) -> Result<super::Table> {
    let cursor = Cursor::new(bytes.to_vec());
    let cells = match format {
        Format::Xls => grid(
            calamine::Xls::new(cursor)
                .map_err(|e| Error::UnreadableInput(format!("not a readable XLS workbook: {e}")))?,
            sheet,
        )?,
        _ => grid(
            calamine::Xlsx::new(cursor)
                .map_err(|e| Error::UnreadableInput(format!("not a readable XLSX workbook: {e}")))?,
            sheet,
        )?,
    };
    super::rows_from_grid(cells.into_iter())
}
