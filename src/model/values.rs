//! Parsers for the cell values analysts really type: capital as `1.2亿元`, dates as
//! `2021年10月19日`, booleans as 是/否, lists separated by `；` `;` `,` `，` `、`.
//! Each returns the value or a Chinese reason naming what was wrong.

use chrono::NaiveDate;

/// Largest registered capital accepted, in 万元 (10 万亿元): anything above is a typo.
pub const MAX_CAPITAL_WAN: f64 = 1.0e9;

/// Parses registered capital into 万元. A bare number is taken as 万元 (the usual column unit).
pub fn parse_capital(input: &str) -> Result<f64, String> {
    let s: String = input.trim().chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
    let s = s.strip_prefix("人民币").unwrap_or(&s);
    let s = s.strip_suffix("人民币").unwrap_or(s);
    if s.contains("美元") || s.contains("港元") || s.contains("欧元") || s.contains("日元") {
        return Err(format!("注册资本“{}”不是人民币金额，请换算为万元人民币", input.trim()));
    }
    let (number, factor) = if let Some(n) = s.strip_suffix("亿元").or_else(|| s.strip_suffix("亿")) {
        (n, 10_000.0)
    } else if let Some(n) = s.strip_suffix("万元").or_else(|| s.strip_suffix("万")) {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('元') {
        (n, 0.0001)
    } else {
        (s, 1.0)
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("注册资本“{}”不是有效金额（例：500万元、1.2亿元）", input.trim()))?;
    let wan = value * factor;
    if !wan.is_finite() || wan < 0.0 {
        return Err(format!("注册资本“{}”不能为负数", input.trim()));
    }
    if wan > MAX_CAPITAL_WAN {
        return Err(format!("注册资本“{}”超过10万亿元，疑为录入错误", input.trim()));
    }
    Ok((wan * 10_000.0).round() / 10_000.0)
}

/// Parses `2021-10-19`, `2021/10/19`, `2021.10.19`, `20211019`, `2021年10月19日` (and an
/// Excel date-time with a time part). Dates before 1800 or after `latest` are rejected.
pub fn parse_date(input: &str, latest: NaiveDate) -> Result<NaiveDate, String> {
    let s = input.trim();
    let s = s.split_whitespace().next().unwrap_or("");
    let s = s.split('T').next().unwrap_or("");
    let unified: String = s
        .chars()
        .map(|c| match c {
            '年' | '月' | '/' | '.' => '-',
            c => c,
        })
        .filter(|&c| c != '日')
        .collect();
    let date = NaiveDate::parse_from_str(&unified, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&unified, "%Y%m%d"))
        .map_err(|_| format!("日期“{}”无法识别（例：2021-10-19、2021年10月19日）", input.trim()))?;
    let earliest = NaiveDate::from_ymd_opt(1800, 1, 1).expect("valid date");
    if date < earliest || date > latest {
        return Err(format!("日期“{}”不在合理范围内", input.trim()));
    }
    Ok(date)
}

/// Parses 是/否, true/false, 1/0, yes/no, y/n, 对/错.
pub fn parse_bool(input: &str) -> Result<bool, String> {
    match input.trim().to_lowercase().as_str() {
        "是" | "true" | "1" | "yes" | "y" | "对" | "√" => Ok(true),
        "否" | "false" | "0" | "no" | "n" | "错" | "×" | "" => Ok(false),
        other => Err(format!("“{other}”不是是/否值（可填：是、否、true、false、1、0）")),
    }
}

/// Splits a list cell on `；` `;` `,` `，` `、` and newlines; trims, drops empties and repeats.
pub fn split_list(input: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for part in input.split(['；', ';', ',', '，', '、', '\n']) {
        let item = part.trim();
        if !item.is_empty() && !items.iter().any(|i| i == item) {
            items.push(item.to_string());
        }
    }
    items
}

/// Normalises an enterprise name for identity: trimmed, inner blanks removed, ASCII brackets
/// folded to the full-width ones registered names use.
pub fn normalise_name(input: &str) -> String {
    input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn capital_in_every_written_form() {
        assert_eq!(parse_capital("1.2亿元"), Ok(12_000.0));
        assert_eq!(parse_capital("500万元"), Ok(500.0));
        assert_eq!(parse_capital("5000000元"), Ok(500.0));
        assert_eq!(parse_capital("人民币 3,000万元"), Ok(3000.0));
        assert_eq!(parse_capital("800"), Ok(800.0));
        assert!(parse_capital("-5").unwrap_err().contains("负数"));
        assert!(parse_capital("1e12").unwrap_err().contains("10万亿"));
        assert!(parse_capital("五百万").is_err());
        assert!(parse_capital("500万美元").unwrap_err().contains("人民币"));
    }

    #[test]
    fn dates_in_every_written_form() {
        let d = NaiveDate::from_ymd_opt(2021, 10, 19).unwrap();
        for s in
            ["2021-10-19", "2021/10/19", "2021年10月19日", "2021.10.19", "20211019", "2021-10-19 00:00:00"]
        {
            assert_eq!(parse_date(s, today()), Ok(d), "{s}");
        }
        assert!(parse_date("2021-13-01", today()).is_err());
        assert!(parse_date("2099-01-01", today()).is_err());
        assert!(parse_date("1700-01-01", today()).is_err());
    }

    #[test]
    fn booleans_and_lists() {
        assert_eq!(parse_bool("是"), Ok(true));
        assert_eq!(parse_bool("0"), Ok(false));
        assert!(parse_bool("maybe").is_err());
        assert_eq!(
            split_list("锂电池；正极材料,电解液、 隔膜 ;锂电池"),
            vec!["锂电池", "正极材料", "电解液", "隔膜"]
        );
    }

    #[test]
    fn names_fold_brackets_and_blanks() {
        assert_eq!(normalise_name(" 比亚迪(深圳) 有限公司 "), "比亚迪（深圳）有限公司");
    }
}
