//! Text folding for search: full-width → half-width, radicals and compatibility ideographs → the
//! ideograph they stand for (PDF copies are full of them: ⾦ U+2FA6 for 金, ⻓ U+2ED3 for 长; see
//! `scripts/make-fold-table.py`), traditional → simplified (fast2s, character by character), ASCII
//! lower case. Folding keeps one char for one char, so a match found in folded text sits at the
//! same char offsets in the original (highlights stay right).

use super::fold_table::IDEOGRAPHS;

/// Folds one string. The result has exactly as many chars as the input.
pub fn fold(text: &str) -> String {
    let half: String = text
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{2E80}'..='\u{2FDF}' | '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}' => {
                IDEOGRAPHS.binary_search_by_key(&c, |(from, _)| *from).map_or(c, |i| IDEOGRAPHS[i].1)
            }
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
        // Kangxi radicals (as a PDF's text gives 金, 田 and 車) and a compatibility ideograph (U+F9F4).
        assert_eq!(fold("宁波\u{2FA6}\u{2F65}铜业"), "宁波金田铜业");
        assert_eq!(fold("\u{2F9E}"), "车", "a radical of a traditional form folds on to the simplified");
        assert_eq!(fold("\u{F9F4}"), "林");
        assert_eq!(fold("\u{2ED3}\u{2EE2}"), "长马", "simplified radicals of the supplement (no NFKC)");
        assert_eq!(fold("\u{2EA1}"), "\u{2EA1}", "a radical that is only a component stays");
        assert!(super::IDEOGRAPHS.windows(2).all(|w| w[0].0 < w[1].0), "sorted for the binary search");
        for s in ["寧德時代新能源科技股份有限公司", "ＡＢＣ", "e", "\u{2FA6}\u{2F65}\u{F9F4}"]
        {
            assert_eq!(fold(s).chars().count(), s.chars().count());
        }
    }
}
