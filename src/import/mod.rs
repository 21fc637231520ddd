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
mod sniff;

use crate::error::{Error, Problem, Result};
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::Path;

pub use headers::{HEADERS, field_for_header};

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
    /// Each column and the field it is read into.
    pub columns: Vec<ColumnMapping>,
    pub header: HeaderSource,
    /// Rows with more filled cells than the header has columns (or, headerless, a different
    /// number of cells): read by position, counted in the report.
    pub ragged_rows: usize,
    /// Leading rows of a headerless file that held no enterprise name (titles, a header of
    /// unknown words): skipped, not imported.
    pub skipped_rows: usize,
}

/// Rows as a reader yields them: from memory for spreadsheets, streamed for JSON Lines files, so
/// importing 10M lines never holds the file.
pub struct Rows {
    pub rows: Box<dyn Iterator<Item = Row> + Send>,
    pub ignored_columns: Vec<String>,
    pub columns: Vec<ColumnMapping>,
    pub header: HeaderSource,
    pub ragged_rows: usize,
    pub skipped_rows: usize,
    /// How many rows to expect, for progress (estimated for a streamed file).
    pub expected: usize,
}

impl From<Table> for Rows {
    fn from(t: Table) -> Rows {
        Rows {
            expected: t.rows.len(),
            rows: Box::new(t.rows.into_iter()),
            ignored_columns: t.ignored_columns,
            columns: t.columns,
            header: t.header,
            ragged_rows: t.ragged_rows,
            skipped_rows: t.skipped_rows,
        }
    }
}

/// Opens a file for import: JSON Lines are streamed, spreadsheets read whole (they are what
/// analysts send, and calamine reads a sheet at once).
pub fn open_file(path: &Path, sheet: Option<&str>) -> Result<Rows> {
    open_file_with(path, &ReadOptions { sheet: sheet.map(str::to_string), ..Default::default() })
}

/// [`open_file`] with every read option.
pub fn open_file_with(path: &Path, options: &ReadOptions) -> Result<Rows> {
    if Format::from_path(path) != Some(Format::JsonLines) {
        return read_file_with(path, options).map(Rows::from);
    }
    let unreadable =
        |e: std::io::Error| Error::UnreadableInput(format!("{}: cannot read the file: {e}", path.display()));
    let expected = estimate_lines(path).map_err(unreadable)?;
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let reader = std::io::BufReader::with_capacity(256 * 1024, file);
    Ok(Rows {
        rows: Box::new(jsonl::stream(reader)),
        ignored_columns: vec![],
        columns: vec![],
        header: HeaderSource::Found,
        ragged_rows: 0,
        skipped_rows: 0,
        expected,
    })
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
    read_file_with(path, &ReadOptions { sheet: sheet.map(str::to_string), ..Default::default() })
}

/// [`read_file`] with every read option.
pub fn read_file_with(path: &Path, options: &ReadOptions) -> Result<Table> {
    let format = Format::from_path(path).ok_or_else(|| {
        Error::UnreadableInput(format!(
            "{}: unknown file type; use .csv, .xlsx, .xls or .jsonl",
            path.display()
        ))
    })?;
    let bytes = std::fs::read(path)
        .map_err(|e| Error::UnreadableInput(format!("{}: cannot read the file: {e}", path.display())))?;
    read_bytes_with(&bytes, format, options).map_err(|e| match e {
        Error::UnreadableInput(m) => Error::UnreadableInput(format!("{}: {m}", path.display())),
        other => other,
    })
}

/// Reads file contents of a known format.
pub fn read_bytes(bytes: &[u8], format: Format, sheet: Option<&str>) -> Result<Table> {
    read_bytes_with(bytes, format, &ReadOptions { sheet: sheet.map(str::to_string), ..Default::default() })
}

/// [`read_bytes`] with every read option.
pub fn read_bytes_with(bytes: &[u8], format: Format, options: &ReadOptions) -> Result<Table> {
    match format {
        Format::Csv => delimited::read(bytes, options),
        Format::Xlsx | Format::Xls => sheet::read(bytes, format, options),
        Format::JsonLines => Ok(jsonl::read(bytes)),
    }
}

/// A grid row that a reader could not parse (an unclosed quote in a CSV line).
const MALFORMED: &str = "\u{0}malformed";

/// How a file's columns were told: by its header row, by `--columns`, or guessed from content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HeaderSource {
    #[default]
    Found,
    Given,
    Guessed,
}

/// One column of the file and the field it was read into (`None`: ignored).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ColumnMapping {
    /// 1-based, as spreadsheets number columns.
    pub column: usize,
    /// The header cell (empty for a headerless file).
    pub header: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Options of a read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The sheet of a workbook (default: the first).
    pub sheet: Option<String>,
    /// Header names for a headerless file, one per column (`序号,统一社会信用代码,企业名称`):
    /// every row is data.
    pub columns: Option<Vec<String>>,
    /// The field chosen for a column (1-based), overriding the header (the import page's preview
    /// lets the user change the mapping); `None` ignores the column.
    pub mapping: Vec<(usize, Option<String>)>,
}

/// Cells that mean "nothing here" (SPEC §4): read as empty, never as bad values.
fn is_empty_marker(cell: &str) -> bool {
    matches!(cell, "-" | "—" | "--" | "——" | "/" | "无" | "暂无" | "N/A" | "n/a" | "NA" | "null" | "NULL")
        || (cell.starts_with('#') && is_excel_error(cell))
}

/// Excel's error values (#N/A, #VALUE!, #REF!, #DIV/0!, #NAME?, #NULL!, #NUM!, #SPILL!, …).
fn is_excel_error(cell: &str) -> bool {
    let rest = &cell[1..];
    !rest.is_empty()
        && rest.len() <= 14
        && rest.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "/!?_".contains(c))
}

/// How many leading rows a headerless file is recognised from.
const SNIFF_ROWS: usize = 50;

/// Turns a grid of cells (title rows, a header row, data rows — or data rows alone) into records.
fn rows_from_grid(mut grid: impl Iterator<Item = Vec<String>>, options: &ReadOptions) -> Result<Table> {
    let mut table = Table::default();
    let mut columns: Option<Vec<Option<headers::Column>>> = None;
    let mut pending: Vec<Vec<String>> = Vec::new();
    if let Some(given) = &options.columns {
        let cols: Vec<_> = given.iter().map(|h| headers::column_for_header(h)).collect();
        if !cols.iter().any(|c| c.is_some_and(|c| c.field == "name")) {
            return Err(Error::UnreadableInput(
                "--columns names no enterprise name column (企业名称 or name)".into(),
            ));
        }
        table.header = HeaderSource::Given;
        table.columns = mapping_of(given, &cols);
        columns = Some(cols);
    } else {
        // The header is the first row with a name column; without one among the first rows, the
        // file is headerless and its columns are recognised by content.
        for cells in grid.by_ref() {
            let mapped: Vec<Option<headers::Column>> =
                cells.iter().map(|c| headers::column_for_header(c)).collect();
            // A header names the enterprise column and another one, or is the row's only cell
            // (a data row whose 主体类型 cell says 企业 is not a header).
            let named = mapped.iter().filter(|c| c.is_some()).count();
            let filled = cells.iter().filter(|c| !c.trim().is_empty()).count();
            if mapped.iter().any(|c| c.is_some_and(|c| c.field == "name")) && (named >= 2 || filled == 1) {
                table.columns = mapping_of(&cells, &mapped);
                columns = Some(mapped);
                pending.clear();
                break;
            }
            pending.push(cells);
            if pending.len() >= SNIFF_ROWS {
                break;
            }
        }
        if columns.is_none() {
            let guessed = sniff::guess_columns(&pending);
            if !guessed.iter().any(|c| c.is_some_and(|c| c.field == "name")) {
                return Err(Error::UnreadableInput(
                    "no header row found and no column of enterprise names recognised: one row must \
                     name the enterprise column (企业名称 or name), or give the columns (--columns)"
                        .into(),
                ));
            }
            table.header = HeaderSource::Guessed;
            table.columns = mapping_of(&vec![String::new(); guessed.len()], &guessed);
            // Title rows and a header nobody recognised (申报单位…) lead the data: skip them, as
            // a file with a header skips its title rows.
            if let Some(name_col) = guessed.iter().position(|c| c.is_some_and(|c| c.field == "name")) {
                let leading = pending
                    .iter()
                    .take_while(|r| !r.get(name_col).is_some_and(|c| sniff::looks_like_name(c.trim())))
                    .count();
                pending.drain(..leading);
                table.skipped_rows = leading;
            }
            columns = Some(guessed);
        } else {
            pending.clear();
        }
    }
    let mut cols = columns.expect("set above");
    for (column, field) in &options.mapping {
        if *column == 0 {
            continue;
        }
        if cols.len() < *column {
            cols.resize(*column, None);
        }
        let chosen = field.as_deref().and_then(headers::column_for_header);
        cols[column - 1] = chosen;
        if let Some(m) = table.columns.iter_mut().find(|m| m.column == *column) {
            m.field = chosen.map(|c| c.field.to_string());
        }
    }
    let ignored: Vec<String> = table
        .columns
        .iter()
        .filter(|m| m.field.is_none() && !m.header.trim().is_empty())
        .map(|m| m.header.trim().to_string())
        .collect();
    // A report names at most this many; a sheet with 100k stray columns says how many.
    const LISTED: usize = 50;
    table.ignored_columns = ignored.iter().take(LISTED).cloned().collect();
    if ignored.len() > LISTED {
        table.ignored_columns.push(format!("……另有 {} 列", ignored.len() - LISTED));
    }
    // The mapping is shown to people: a hostile sheet of 100k columns does not put 100k in it.
    table.columns.truncate(LISTED * 4);
    // The row length a headerless file usually has (its header's width otherwise).
    let width = if table.header == HeaderSource::Found {
        cols.len()
    } else {
        let mut lengths: std::collections::HashMap<usize, usize> = Default::default();
        for r in &pending {
            *lengths.entry(r.len()).or_default() += 1;
        }
        lengths.into_iter().max_by_key(|(len, n)| (*n, *len)).map_or(cols.len(), |(len, _)| len)
    };
    for (i, cells) in pending.into_iter().chain(grid).enumerate() {
        let number = i + 1;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if cells.iter().any(|c| c == MALFORMED) {
            let problem =
                Problem::new("", crate::error::Code::MalformedRow, "该行格式错误（引号不配对），未能读取");
            table.rows.push(Row { number, record: Err(problem) });
            continue;
        }
        let filled = cells.iter().rposition(|c| !c.trim().is_empty()).map_or(0, |i| i + 1);
        if filled > width || (table.header != HeaderSource::Found && cells.len() != width) {
            table.ragged_rows += 1;
        }
        table.rows.push(Row { number, record: Ok(record_of(&cols, cells)) });
    }
    Ok(table)
}

fn mapping_of(headers: &[String], cols: &[Option<headers::Column>]) -> Vec<ColumnMapping> {
    headers
        .iter()
        .zip(cols)
        .enumerate()
        .map(|(i, (h, c))| ColumnMapping {
            column: i + 1,
            header: h.trim().to_string(),
            field: c.map(|c| c.field.to_string()),
        })
        .collect()
}

/// One row's cells as a record: empty markers dropped, a field named twice takes its first
/// non-empty cell (list fields join theirs), bare numbers in a 元 capital column marked as yuan.
fn record_of(cols: &[Option<headers::Column>], cells: Vec<String>) -> Map<String, Value> {
    let mut record = Map::new();
    for (column, cell) in cols.iter().zip(cells) {
        let (Some(column), cell) = (column, cell.trim()) else { continue };
        if cell.is_empty() || is_empty_marker(cell) {
            continue;
        }
        // A 9-character 组织机构代码 (`71093201-3`) under that heading is not a credit code.
        if column.field == "credit_code"
            && cell.chars().count() < 18
            && cell.chars().filter(|c| *c != '-').count() == 9
        {
            continue;
        }
        let bare: String = cell.chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
        let cell = if column.in_yuan && bare.parse::<f64>().is_ok() {
            format!("{bare}元")
        } else {
            cell.to_string()
        };
        match record.get_mut(column.field) {
            Some(Value::String(prev)) if headers::LIST_FIELDS.contains(&column.field) => {
                prev.push('；');
                prev.push_str(&cell);
            }
            Some(_) => {} // the first non-empty cell wins
            None => {
                record.insert(column.field.to_string(), Value::String(cell));
            }
        }
    }
    record
}

/// The import report (SPEC §7).
#[derive(Debug, Default, Clone, Serialize, schemars::JsonSchema)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    /// Rows that matched a stored enterprise and changed nothing (a re-import of the same file).
    #[serde(skip_serializing_if = "is_zero")]
    pub unchanged: usize,
    /// Rows applied onto an enterprise that an earlier row of the same file inserted (rows
    /// repeated inside one file are one enterprise).
    #[serde(skip_serializing_if = "is_zero")]
    pub merged: usize,
    pub rejected: Vec<RejectedRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_columns: Vec<String>,
    /// How the columns were told: the header row (`found`), `--columns` (`given`) or content
    /// (`guessed`).
    #[serde(skip_serializing_if = "is_found")]
    pub header: HeaderSource,
    /// Each column of the file and the field it was read into.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnMapping>,
    /// Rows stored with a region the row did not say, by where it came from.
    #[serde(skip_serializing_if = "RegionCounts::is_empty")]
    pub region_inferred: RegionCounts,
    /// New enterprises stored with no region (none said, none inferred): 地区不详.
    #[serde(skip_serializing_if = "is_zero")]
    pub region_unknown: usize,
    /// Rows with more (or, headerless, a different number of) cells than columns: read by
    /// position, not dropped.
    #[serde(skip_serializing_if = "is_zero")]
    pub ragged_rows: usize,
    /// Leading rows of a headerless file with no enterprise name in them (titles, a header of
    /// words nobody recognised): skipped.
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_rows: usize,
}

/// Rows that got their region from each source (SPEC §4).
#[derive(Debug, Default, Clone, Serialize, schemars::JsonSchema)]
pub struct RegionCounts {
    pub address: usize,
    pub credit_code: usize,
    pub name: usize,
}

impl RegionCounts {
    fn is_empty(&self) -> bool {
        self.address + self.credit_code + self.name == 0
    }

    pub fn count(&mut self, from: crate::model::RegionSource) {
        match from {
            crate::model::RegionSource::Address => self.address += 1,
            crate::model::RegionSource::CreditCode => self.credit_code += 1,
            crate::model::RegionSource::Name => self.name += 1,
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_found(h: &HeaderSource) -> bool {
    *h == HeaderSource::Found
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
