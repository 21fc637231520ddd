//! JSON Lines: one enterprise object per line; a line that is not a JSON object is a rejected
//! row, not the end of the import.
//!
//! Read as a stream, so a 10M-line file costs a line of memory, not the file: lines longer than
//! [`MAX_LINE_BYTES`] are skipped to their end (a 1 GB line costs no more than a short one) and
//! reported; a line that is not UTF-8 is reported, never silently altered.

use super::{Row, Table};
use crate::error::Problem;
use serde_json::Value;
use std::io::BufRead;

/// The longest line read as a record. Real records are under 10 KB.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Reads JSON Lines held in memory.
pub(super) fn read(bytes: &[u8]) -> Table {
    Table { rows: stream(bytes).collect(), ..Default::default() }
}

/// The rows of a JSON Lines stream, one by one.
pub fn stream<R: BufRead>(mut reader: R) -> impl Iterator<Item = Row> {
    let mut number = 0usize;
    let mut line = Vec::new();
    let mut failed = false;
    std::iter::from_fn(move || {
        loop {
            if failed {
                return None;
            }
            line.clear();
            let (read, too_long) = match read_line_capped(&mut reader, &mut line, MAX_LINE_BYTES) {
                Ok(r) => r,
                Err(e) => {
                    // Nothing more can be read: report this line and stop.
                    number += 1;
                    failed = true;
                    let problem = Problem::new(
                        "",
                        crate::error::Code::MalformedRow,
                        format!("读取文件出错，导入在此停止：{e}"),
                    );
                    return Some(Row { number, record: Err(problem) });
                }
            };
            if read == 0 {
                return None;
            }
            number += 1;
            if number == 1 && line.starts_with(b"\xEF\xBB\xBF") {
                line.drain(..3);
            }
            if too_long {
                let problem = Problem::new(
                    "",
                    crate::error::Code::LineTooLong,
                    format!("该行长度超过 {} KB，未读取（实际 {} 字节）", MAX_LINE_BYTES / 1024, read),
                );
                return Some(Row { number, record: Err(problem) });
            }
            let Ok(text) = std::str::from_utf8(&line) else {
                let problem = Problem::new(
                    "",
                    crate::error::Code::InvalidUtf8,
                    "该行不是有效的UTF-8文本（请以UTF-8编码保存）",
                );
                return Some(Row { number, record: Err(problem) });
            };
            if text.trim().is_empty() {
                continue;
            }
            let record = match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => Ok(map),
                Ok(_) => Err(Problem::new("", crate::error::Code::MalformedRow, "该行不是JSON对象")),
                Err(e) => {
                    Err(Problem::new("", crate::error::Code::MalformedRow, format!("该行JSON格式错误：{e}")))
                }
            };
            return Some(Row { number, record });
        }
    })
}

/// Reads one line (without its `\n`/`\r\n`) into `out`, keeping at most `cap` bytes; returns the
/// bytes the line had and whether it was longer than `cap`. `(0, false)` at the end of input.
fn read_line_capped<R: BufRead>(
    reader: &mut R,
    out: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let mut total = 0usize;
    let mut ended = false;
    while !ended {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            if total == 0 {
                return Ok((0, false));
            }
            break;
        }
        let (chunk, used) = match buf.iter().position(|&b| b == b'\n') {
            Some(at) => {
                ended = true;
                (&buf[..at], at + 1)
            }
            None => (buf, buf.len()),
        };
        if out.len() < cap {
            out.extend_from_slice(&chunk[..chunk.len().min(cap - out.len())]);
        }
        total += chunk.len();
        reader.consume(used);
    }
    if out.ends_with(b"\r") && total <= cap {
        out.pop();
    }
    // A line counts as read even when it is empty, so blank lines keep their numbers.
    Ok((total.max(1), total > cap))
}
