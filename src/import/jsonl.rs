//! JSON Lines: one enterprise object per line; a line that is not a JSON object is a rejected
//! row, not the end of the import.

use super::{Row, Table};
use crate::error::Problem;
use serde_json::Value;

pub(super) fn read(bytes: &[u8]) -> Table {
    let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(Problem::new("", "malformed_row", "该行不是JSON对象")),
            Err(e) => Err(Problem::new("", "malformed_row", format!("该行JSON格式错误：{e}"))),
        };
        rows.push(Row { number: i + 1, record });
    }
    Table { rows, ignored_columns: vec![] }
}
