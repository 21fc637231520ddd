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

/// The lines of quoted fields that never close properly: the quote runs to the end of the file,
/// or a lone quote inside it is followed by ordinary text. A CSV reader would swallow the rows
/// after such a line into one cell. After a bad line the scan starts again on the next line, as if
/// that line had been removed. One pass: the text inside a bad quote holds no quote, so going
/// back over it is cheap, and hostile input (a quote on every line) stays linear.
fn unbalanced_quote_lines(text: &str, delimiter: u8) -> Vec<usize> {
    // Bytes: quote, delimiter and newline are ASCII, never inside a UTF-8 multibyte character.
    let chars = text.as_bytes();
    let mut bad = Vec::new();
    let (mut line, mut open_line, mut open_at) = (0, 0, 0);
    let (mut in_quote, mut at_field_start) = (false, true);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_quote {
            if c == b'"' {
                match chars.get(i + 1) {
                    Some(b'"') => i += 1,
                    None | Some(b'\n') | Some(b'\r') => in_quote = false,
                    Some(&d) if d == delimiter => in_quote = false,
                    Some(_) => {
                        // Mark the opening line and go on from the line after it.
                        bad.push(open_line);
                        let next = chars[open_at..].iter().position(|&c| c == b'\n').map(|p| open_at + p + 1);
                        let Some(next) = next else { return bad };
                        (line, in_quote, at_field_start, i) = (open_line + 1, false, true, next);
                        continue;
                    }
                }
            } else if c == b'\n' {
                line += 1;
            }
        } else if c == b'"' && at_field_start {
            in_quote = true;
            (open_line, open_at) = (line, i);
        } else if c == b'\n' {
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
    if in_quote {
        bad.push(open_line);
        // The rest holds no quote: nothing more to find after the opening line.
    }
    bad
}

/// Replaces every line holding an unbalanced quote with a marker row.
fn mark_unclosed_quotes(text: String, delimiter: char) -> String {
    let bad = unbalanced_quote_lines(&text, delimiter as u8);
    if bad.is_empty() {
        return text;
    }
    let bad: std::collections::HashSet<usize> = bad.into_iter().collect();
    text.split('\n')
        .enumerate()
        .map(|(i, l)| if bad.contains(&i) { MALFORMED } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

use super::MALFORMED;

pub(super) fn read(bytes: &[u8], options: &super::ReadOptions) -> Result<super::Table> {
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
    super::rows_from_grid(grid.into_iter(), options)
}
