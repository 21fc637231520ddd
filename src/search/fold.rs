//! Text folding for search: full-width → half-width, traditional → simplified (fast2s,
//! character by character), ASCII lower case. Folding keeps one char for one char, so a match
//! found in folded text sits at the same char offsets in the original (highlights stay right).

/// Folds one string. The result has exactly as many chars as the input.
pub fn fold(text: &str) -> String {
    let half: String = text
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c.to_ascii_lowercase(),
        })
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let simplified = fast2s::convert(&half);
    debug_assert_eq!(simplified.chars().count(), text.chars().count());
    simplified
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn width_case_and_script_fold_char_for_char() {
        assert_eq!(fold("寧德時代"), "宁德时代");
        assert_eq!(fold("ＣＡＴＬ　300750"), "catl 300750");
        assert_eq!(fold("比亞迪（BYD）"), "比亚迪(byd)");
        for s in ["寧德時代新能源科技股份有限公司", "ＡＢＣ", "e"] {
            assert_eq!(fold(s).chars().count(), s.chars().count());
        }
    }
}
