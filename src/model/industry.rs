//! GB/T 4754-2017 国民经济行业分类: the codes chain maps may cite, embedded from `gbt4754.tsv`.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Section-qualified code (`C3841`) → name; plus the bare code (`3841`) → qualified code.
struct IndustryTable {
    names: HashMap<String, String>,
    qualified: HashMap<String, String>,
}

static TABLE: LazyLock<IndustryTable> = LazyLock::new(|| {
    let mut names = HashMap::new();
    let mut qualified = HashMap::new();
    for line in include_str!("gbt4754.tsv").lines().filter(|l| !l.starts_with('#')) {
        if let Some((code, name)) = line.split_once('\t') {
            names.insert(code.to_string(), name.to_string());
            if code.len() > 1 {
                qualified.insert(code[1..].to_string(), code.to_string());
            }
        }
    }
    IndustryTable { names, qualified }
});

/// `"3841"` or `"C3841"` → `Some("C3841")` when the code exists.
pub fn normalise_industry_code(input: &str) -> Option<String> {
    let s = input.trim().to_ascii_uppercase();
    if TABLE.names.contains_key(&s) {
        return Some(s);
    }
    TABLE.qualified.get(&s).cloned()
}

/// The Chinese name of a qualified code.
pub fn industry_name(code: &str) -> Option<&'static str> {
    TABLE.names.get(code).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_and_qualified_codes_normalise() {
        assert_eq!(normalise_industry_code("3841").as_deref(), Some("C3841"));
        assert_eq!(normalise_industry_code("c3841").as_deref(), Some("C3841"));
        assert_eq!(industry_name("C3841"), Some("锂离子电池制造"));
        assert_eq!(normalise_industry_code("9999"), None);
    }
}
