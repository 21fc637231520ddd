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

/// The line of the first quoted field that never closes properly: it runs to the end of the file,
/// or a lone quote inside it is followed by ordinary text. A CSV reader would swallow the rows
/// after such a line into one cell.
fn first_unbalanced_quote(text: &str, delimiter: char) -> Option<usize> {
    let chars: Vec<char> = text.chars().collect();
    let (mut line, mut open_line) = (0, 0);
    let (mut in_quote, mut at_field_start) = (false, true);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_quote {
            if c == '"' {
                match chars.get(i + 1) {
                    Some('"') => i += 1,
                    None | Some('\n') | Some('\r') => in_quote = false,
                    Some(&d) if d == delimiter => in_quote = false,
                    Some(_) => return Some(open_line),
                }
            } else if c == '\n' {
                line += 1;
            }
        } else if c == '"' && at_field_start {
            in_quote = true;
            open_line = line;
        } else if c == '\n' {
            line += 1;
            at_field_start = true;
            i += 1;
            continue;
        } else if c == delimiter {
            at_field_start = true;
            i += 1;
            continue;
        }
        at_field_start = false;
        i += 1;
    }
    in_quote.then_some(open_line)
}

/// Replaces every line holding an unbalanced quote with a marker row.
fn mark_unclosed_quotes(text: String, delimiter: char) -> String {
    let mut text = text;
    while let Some(bad) = first_unbalanced_quote(&text, delimiter) {
        let mut lines: Vec<&str> = text.split('\n').collect();
        lines[bad] = MALFORMED;
        text = lines.join("\n");
    }
    text
}

use super::MALFORMED;

pub(super) fn read(bytes: &[u8]) -> Result<super::Table> {
    let text = decode(bytes)?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter =
        if first_line.matches('\t').count() > first_line.matches(',').count() { b'\t' } else { b',' };
    let text = mark_unclosed_quotes(text, delimiter as char);
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
            Err(_) => grid.push(vec![MALFORMED.to_string()]),
        }
    }
    super::rows_from_grid(grid.into_iter())
}
