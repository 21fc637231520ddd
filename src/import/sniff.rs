//! Columns of a headerless file (ministry name lists, scraped registers), recognised by what
//! their cells hold (SPEC §4): valid credit codes, enterprise-like names, addresses, region
//! names, capital amounts, dates. The report says which columns were guessed.

use super::headers::Column;
use crate::model::{CreditCode, regions};

/// Endings of registered enterprise names.
const NAME_ENDINGS: &[&str] = &[
    "公司",
    "集团",
    "厂",
    "合作社",
    "研究院",
    "研究所",
    "中心",
    "商行",
    "事务所",
    "分公司",
    "有限合伙）",
    "（有限合伙）",
    "企业",
    "医院",
    "学校",
    "大学",
    "银行",
    "协会",
    "门市部",
    "经营部",
    "店",
];

/// Words that make a cell look like a street address.
const ADDRESS_WORDS: &[&str] = &["路", "街", "号", "道", "镇", "村", "园区", "大厦", "室", "楼", "巷", "弄"];

/// The share of a column's non-empty cells that must fit a kind for the column to be taken as it.
const ENOUGH: f64 = 0.6;

pub(super) fn looks_like_name(s: &str) -> bool {
    s.chars().count() >= 4 && NAME_ENDINGS.iter().any(|e| s.ends_with(e))
}

fn looks_like_address(s: &str) -> bool {
    s.chars().count() >= 6 && ADDRESS_WORDS.iter().any(|w| s.contains(w)) && !looks_like_name(s)
}

fn looks_like_region(s: &str) -> bool {
    s.chars().count() <= 12 && regions().parse(s).is_ok()
}

fn looks_like_capital(s: &str) -> bool {
    (s.contains('万') || s.contains('元') || s.contains('亿'))
        && crate::model::values::parse_capital(s).is_ok()
}

fn looks_like_date(s: &str) -> bool {
    let today = chrono::NaiveDate::from_ymd_opt(2200, 1, 1).expect("valid date");
    s.chars().any(|c| matches!(c, '-' | '/' | '年')) && crate::model::values::parse_date(s, today).is_ok()
}

/// For each column of `rows`, the field its content shows, if any; each field at most once, the
/// column that fits it best winning.
pub(super) fn guess_columns(rows: &[Vec<String>]) -> Vec<Option<Column>> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    type Fits = fn(&str) -> bool;
    let kinds: &[(&str, Fits)] = &[
        ("credit_code", |s| CreditCode::parse(s).is_ok()),
        ("name", looks_like_name),
        ("address", looks_like_address),
        ("registered_capital", looks_like_capital),
        ("founded", looks_like_date),
        ("region", looks_like_region),
    ];
    let mut out: Vec<Option<Column>> = vec![None; width];
    for (field, fits) in kinds {
        let best = (0..width)
            .filter(|c| out[*c].is_none())
            .map(|c| {
                let cells: Vec<&str> = rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect();
                let share = if cells.is_empty() {
                    0.0
                } else {
                    cells.iter().filter(|s| fits(s)).count() as f64 / cells.len() as f64
                };
                (c, share)
            })
            .filter(|(_, share)| *share >= ENOUGH)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((c, _)) = best {
            out[c] = Some(Column { field, in_yuan: false });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_register_without_a_header_is_read_by_content() {
        let rows: Vec<Vec<String>> = [
            ["1", "91152201078377449P", "无锡某某精密机械有限公司", "张三", "江苏省"],
            ["2", "911522010783762860", "北京某某科技有限公司", "李四", "北京市"],
            ["3", "", "常州某某新材料股份有限公司", "王五", "江苏省"],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        let fields: Vec<Option<&str>> = guess_columns(&rows).iter().map(|c| c.map(|c| c.field)).collect();
        assert_eq!(fields, vec![None, Some("credit_code"), Some("name"), None, Some("region")]);
    }
}
