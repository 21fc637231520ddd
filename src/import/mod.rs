//! Enterprise import: CSV (UTF-8 with or without BOM, GBK/GB18030), XLSX/XLS and JSON Lines,
//! with English or Chinese headers, turned into numbered records for the app's write path.
//!
//! Readers never stop at a bad row: a row that cannot even be read becomes a rejected row with a
//! reason, and every other row goes on. Spreadsheets may have title rows above the header: the
//! header is the first row with a name column.

mod delimited;
mod headers;
mod jsonl;
mod sheet;

use crate::error::{Error, Problem, Result};
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::Path;

pub use headers::field_for_header;

/// One data row: its number (data rows count from 1; title and header rows are not counted)
/// and either the record (JSON field names → values) or why it could not be read.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: usize,
    pub record: std::result::Result<Map<String, Value>, Problem>,
}

/// What a reader found in a file.
#[derive(Debug, Default)]
pub struct Table {
    pub rows: Vec<Row>,
    /// Header cells that map to no field (kept out of the import, listed in the report).
    pub ignored_columns: Vec<String>,
}

/// Rows as a reader yields them: from memory for spreadsheets, streamed for JSON Lines files, so
/// importing 10M lines never holds the file.
pub struct Rows {
    pub rows: Box<dyn Iterator<Item = Row> + Send>,
    pub ignored_columns: Vec<String>,
    /// How many rows to expect, for progress (estimated for a streamed file).
    pub expected: usize,
}

impl From<Table> for Rows {
    fn from(t: Table) -> Rows {
        Rows {
            expected: t.rows.len(),
            rows: Box::new(t.rows.into_iter()),
            ignored_columns: t.ignored_columns,
        }
    }
}

/// Opens a file for import: JSON Lines are streamed, spreadsheets read whole (they are what
/// analysts send, and calamine reads a sheet at once).
pub fn open_file(path: &Path, sheet: Option<&str>) -> Result<Rows> {
    if Format::from_path(path) != Some(Format::JsonLines) {
        return read_file(path, sheet).map(Rows::from);
    }
    let unreadable =
        |e: std::io::Error| Error::UnreadableInput(format!("{}: cannot read the file: {e}", path.display()));
    let expected = estimate_lines(path).map_err(unreadable)?;
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let reader = std::io::BufReader::with_capacity(256 * 1024, file);
    Ok(Rows { rows: Box::new(jsonl::stream(reader)), ignored_columns: vec![], expected })
}

/// Lines to expect, for progress only: counted in the first MiB and scaled to the file's size
/// (exact for files under a MiB), so a 4 GB file is not read twice.
fn estimate_lines(path: &Path) -> std::io::Result<usize> {
    use std::io::Read;
    let size = std::fs::metadata(path)?.len();
    let mut sample = Vec::with_capacity(1 << 20);
    std::fs::File::open(path)?.take(1 << 20).read_to_end(&mut sample)?;
    if sample.is_empty() {
        return Ok(0);
    }
    let lines = sample.iter().filter(|&&b| b == b'\n').count().max(1) as u64;
    Ok((size * lines / sample.len() as u64) as usize)
}

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
    JsonLines,
}

impl Format {
    /// By file extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "xls" => Some(Format::Xls),
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            _ => None,
        }
    }

    /// By HTTP media type.
    pub fn from_media_type(media: &str) -> Option<Format> {
        match media.split(';').next()?.trim() {
            "text/csv" => Some(Format::Csv),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some(Format::Xlsx),
            "application/vnd.ms-excel" => Some(Format::Xls),
            "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
                Some(Format::JsonLines)
            }
            _ => None,
        }
    }
}

/// Reads a file, choosing the format by its extension.
pub fn read_file(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let format = Format::from_path(path).ok_or_else(|| {
        Error::UnreadableInput(format!(
            "{}: unknown file type; use .csv, .xlsx, .xls or .jsonl",
            path.display()
        ))
    })?;
    let bytes = std::fs::read(path)
        .map_err(|e| Error::UnreadableInput(format!("{}: cannot read the file: {e}", path.display())))?;
    read_bytes(&bytes, format, sheet).map_err(|e| match e {
        Error::UnreadableInput(m) => Error::UnreadableInput(format!("{}: {m}", path.display())),
        other => other,
    })
}

/// Reads file contents of a known format.
pub fn read_bytes(bytes: &[u8], format: Format, sheet: Option<&str>) -> Result<Table> {
    match format {
        Format::Csv => delimited::read(bytes),
        Format::Xlsx | Format::Xls => sheet::read(bytes, format, sheet),
        Format::JsonLines => Ok(jsonl::read(bytes)),
    }
}

/// A grid row that a reader could not parse (an unclosed quote in a CSV line).
const MALFORMED: &str = "\u{0}malformed";

/// Turns a grid of cells (title rows, a header row, data rows) into records.
fn rows_from_grid(grid: impl Iterator<Item = Vec<String>>) -> Result<Table> {
    let mut table = Table::default();
    let mut columns: Option<Vec<Option<&'static str>>> = None;
    let mut number = 0;
    for cells in grid {
        let Some(cols) = &columns else {
            let mapped: Vec<Option<&'static str>> = cells.iter().map(|c| field_for_header(c)).collect();
            if mapped.contains(&Some("name")) {
                let ignored: Vec<String> = cells
                    .iter()
                    .zip(&mapped)
                    .filter(|(c, m)| m.is_none() && !c.trim().is_empty())
                    .map(|(c, _)| c.trim().to_string())
                    .collect();
                // A report names at most this many; a sheet with 100k stray columns says how many.
                const LISTED: usize = 50;
                table.ignored_columns = ignored.iter().take(LISTED).cloned().collect();
                if ignored.len() > LISTED {
                    table.ignored_columns.push(format!("……另有 {} 列", ignored.len() - LISTED));
                }
                columns = Some(mapped);
            }
            continue;
        };
        number += 1;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if cells.iter().any(|c| c == MALFORMED) {
            let problem =
                Problem::new("", crate::error::Code::MalformedRow, "该行格式错误（引号不配对），未能读取");
            table.rows.push(Row { number, record: Err(problem) });
            continue;
        }
        let mut record = Map::new();
        for (field, cell) in cols.iter().zip(cells) {
            let (Some(field), cell) = (field, cell.trim()) else { continue };
            if cell.is_empty() {
                continue;
            }
            // Two columns for one field (简称 and 曾用名): join them as a list.
            let value = match record.remove(*field) {
                Some(Value::String(prev)) => format!("{prev}；{cell}"),
                _ => cell.to_string(),
            };
            record.insert(field.to_string(), Value::String(value));
        }
        table.rows.push(Row { number, record: Ok(record) });
    }
    if columns.is_none() {
        return Err(Error::UnreadableInput(
            "no header row found: one row must name the enterprise column (企业名称 or name)".into(),
        ));
    }
    Ok(table)
}

/// The import report (SPEC §7).
#[derive(Debug, Default, Clone, Serialize, schemars::JsonSchema)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub rejected: Vec<RejectedRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_columns: Vec<String>,
}

/// One rejected row: its first problem, and all of them in `errors`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RejectedRow {
    pub row: usize,
    pub field: String,
    pub code: crate::error::Code,
    pub reason: String,
    pub errors: Vec<Problem>,
}

impl RejectedRow {
    pub fn new(row: usize, errors: Vec<Problem>) -> Self {
        let first = errors
            .first()
            .cloned()
            .unwrap_or_else(|| Problem::new("", crate::error::Code::InvalidValue, "无效行"));
        RejectedRow { row, field: first.field, code: first.code, reason: first.reason, errors }
    }
}

#[cfg(test)]
mod tests;
