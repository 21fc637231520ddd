//! Highlighting by hand: find each query term in the folded text and wrap the same char range
//! of the original in `<em>`. Folding keeps one char for one char, so offsets are always right,
//! whatever the tokenizers did (a known failure of other engines on Chinese names).

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Char ranges of a text where any of `terms` (already folded) occurs in its `folded` form,
/// merged. Terms are found by byte search; only a text with a match pays for the char offsets.
fn ranges(folded: &str, terms: &[String]) -> Vec<(usize, usize)> {
    let mut found: Vec<(usize, usize)> = Vec::new();
    for term in terms.iter().filter(|t| !t.is_empty()) {
        let mut from = 0;
        while let Some(i) = folded[from..].find(term.as_str()) {
            let start = from + i;
            found.push((start, start + term.len()));
            // Overlapping matches too (`aa` twice in `aaa`): go on from the next char.
            from = start + folded[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if found.is_empty() {
        return found;
    }
    // Byte offsets in the folded text → char offsets (the same in the original).
    let char_at = |byte: usize| folded[..byte].chars().count();
    let mut chars: Vec<(usize, usize)> = found.iter().map(|&(s, e)| (char_at(s), char_at(e))).collect();
    chars.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in chars {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The text with every match wrapped in `<em>…</em>`, HTML-escaped, or `None` when nothing
/// matches. Long texts are cut to a window of about `window` chars around the first match.
/// (The search folds each text once, for this and to see which words a hit has whole.)
#[cfg(test)]
fn highlight(text: &str, terms: &[String], window: usize) -> Option<String> {
    highlight_folded(text, &super::fold::fold(text), terms, window)
}

/// [`highlight`] of a text already folded (`folded` is `fold(text)`).
pub fn highlight_folded(text: &str, folded: &str, terms: &[String], window: usize) -> Option<String> {
    let found = ranges(folded, terms);
    let first = *found.first()?;
    let chars: Vec<char> = text.chars().collect();
    let (from, to) = if chars.len() <= window {
        (0, chars.len())
    } else {
        let from = first.0.saturating_sub(window / 4);
        (from, (from + window).min(chars.len()))
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    for (s, e) in found.into_iter().filter(|(s, _)| *s < to) {
        let s = s.max(from);
        let e = e.min(to);
        out.push_str(&escape(&chars[at..s].iter().collect::<String>()));
        out.push_str("<em>");
        out.push_str(&escape(&chars[s..e].iter().collect::<String>()));
        out.push_str("</em>");
        at = e;
    }
    out.push_str(&escape(&chars[at..to].iter().collect::<String>()));
    if to < chars.len() {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::highlight;

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matches_are_wrapped_at_the_right_chars() {
        assert_eq!(
            highlight("宁德时代新能源科技股份有限公司", &terms(&["时代新能"]), 80).unwrap(),
            "宁德<em>时代新能</em>源科技股份有限公司"
        );
        assert_eq!(highlight("寧德時代", &terms(&["宁德"]), 80).unwrap(), "<em>寧德</em>時代");
        assert_eq!(highlight("ＣＡＴＬ<b>", &terms(&["catl"]), 80).unwrap(), "<em>ＣＡＴＬ</em>&lt;b&gt;");
        assert_eq!(
            highlight("正极材料、负极材料", &terms(&["材料", "正极"]), 80).unwrap(),
            "<em>正极材料</em>、负极<em>材料</em>"
        );
        assert_eq!(highlight("ａａａ-b", &terms(&["aa"]), 80).unwrap(), "<em>ａａａ</em>-b");
        assert_eq!(highlight("电芯", &terms(&["隔膜"]), 80), None);
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let text = format!("{}正极材料{}", "甲".repeat(100), "乙".repeat(100));
        let h = highlight(&text, &terms(&["正极"]), 40).unwrap();
        assert!(h.starts_with('…') && h.ends_with('…'));
        assert!(h.contains("<em>正极</em>"));
        assert!(h.chars().count() < 60);
    }
}
