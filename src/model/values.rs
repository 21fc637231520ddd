//! Parsers for the cell values analysts really type: capital as `1.2亿元`, dates as
//! `2021年10月19日`, booleans as 是/否, lists separated by `；` `;` `,` `，` `、`.
//! Each returns the value or a Chinese reason naming what was wrong.

use chrono::NaiveDate;

/// Largest registered capital accepted, in 万元 (10 万亿元): anything above is a typo.
pub const MAX_CAPITAL_WAN: f64 = 1.0e9;

/// Currencies a capital may be written in, by the words analysts use, with their ISO codes.
const CURRENCIES: &[(&str, &str)] = &[
    ("人民币", "CNY"),
    ("元人民币", "CNY"),
    ("美元", "USD"),
    ("港元", "HKD"),
    ("港币", "HKD"),
    ("欧元", "EUR"),
    ("日元", "JPY"),
    ("英镑", "GBP"),
];

/// A currency word or code (`美元`, `USD`, `人民币`) as its ISO code.
pub fn parse_currency(input: &str) -> Option<&'static str> {
    let s = input.trim();
    CURRENCIES
        .iter()
        .find(|(word, code)| *word == s || code.eq_ignore_ascii_case(s))
        .map(|(_, code)| *code)
        .or_else(|| s.eq_ignore_ascii_case("RMB").then_some("CNY"))
}

/// Parses registered capital into 万元 and its currency's ISO code (`CNY` unless the cell
/// names another: `1000万美元` is 1000 and `USD`). A bare number is taken as 万元 (the usual
/// column unit); `5000000元` is 500.
pub fn parse_capital(input: &str) -> Result<(f64, &'static str), String> {
    let s: String = input.trim().chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
    let mut currency = "CNY";
    let mut s = s.as_str();
    for (word, code) in CURRENCIES {
        if let Some(rest) = s.strip_suffix(word).or_else(|| s.strip_prefix(word)) {
            currency = code;
            s = rest;
            break;
        }
    }
    // `万美元`: the currency word followed the unit, leaving `1000万`.
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
    Ok(((wan * 10_000.0).round() / 10_000.0, currency))
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
        let cny = |v: f64| Ok((v, "CNY"));
        assert_eq!(parse_capital("1.2亿元"), cny(12_000.0));
        assert_eq!(parse_capital("1.2亿"), cny(12_000.0));
        assert_eq!(parse_capital("500万元"), cny(500.0));
        assert_eq!(parse_capital("100万元"), cny(100.0));
        assert_eq!(parse_capital("5000万人民币"), cny(5000.0));
        assert_eq!(parse_capital("5000万元人民币"), cny(5000.0));
        assert_eq!(parse_capital("5000000元"), cny(500.0));
        assert_eq!(parse_capital("人民币 3,000万元"), cny(3000.0));
        assert_eq!(parse_capital("156039.6056"), cny(156_039.605_6));
        assert_eq!(parse_capital("800"), cny(800.0));
        assert_eq!(parse_capital("1000万美元"), Ok((1000.0, "USD")));
        assert_eq!(parse_capital("50万港元"), Ok((50.0, "HKD")));
        assert!(parse_capital("-5").unwrap_err().contains("负数"));
        assert!(parse_capital("1e12").unwrap_err().contains("10万亿"));
        assert!(parse_capital("五百万").is_err());
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
