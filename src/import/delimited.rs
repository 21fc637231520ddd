//! CSV in whatever encoding Excel or a portal saved it: UTF-8 (with or without BOM) or
//! GBK/GB18030, comma- or tab-separated.

use crate::error::{Error, Result};

/// Decodes to text: UTF-8 when the bytes are valid UTF-8, else GB18030 (a superset of GBK).
fn decode(bytes: &[u8]) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(Error::UnreadableInput("the file is neither UTF-8 nor GBK/GB18030 text".into()));
    }
    Ok(text.into_owned())
}

pub(super) fn read(bytes: &[u8]) -> Result<super::Table> {
    let text = decode(bytes)?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter =
        if first_line.matches('\t').count() > first_line.matches(',').count() { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => grid.push(r.iter().map(str::to_string).collect::<Vec<_>>()),
            // A malformed line (an unclosed quote) becomes an empty-looking row so numbering
            // stays right; the csv crate resynchronises at the next line.
            Err(_) => grid.push(vec!["\u{0}malformed".to_string()]),
        }
    }
    let mut table = super::rows_from_grid(grid.into_iter())?;
    for row in &mut table.rows {
        if let Ok(record) = &row.record
            && record.values().any(|v| v.as_str() == Some("\u{0}malformed"))
        {
            row.record =
                Err(crate::error::Problem::new("", "malformed_row", "该行CSV格式错误（引号不配对）"));
        }
    }
    Ok(table)
}
