//! Which field a spreadsheet header names (SPEC §4), in Chinese or English, as the exports of
//! 企查查 / 天眼查 / 启信宝, supplier master lists and ministry name lists write them.
//!
//! Headers are compared after folding: full-width to half-width, bracketed parts dropped (units
//! such as `（万元人民币）`), blanks, `*` required-markers, `_` and `-` dropped, case folded — so
//! `creditCode`, `credit_code` and `Credit Code` are one name. The synonym table below is the only
//! list; the import page shows it as help (`GET /api/v1/import/headers`).

/// Header words for each field, as analysts' files write them. The JSON name itself is always
/// accepted too.
pub const HEADERS: &[(&str, &[&str])] = &[
    (
        "name",
        &[
            "企业名称",
            "公司名称",
            "单位名称",
            "名称",
            "公司名字",
            "企业名字",
            "供应商名称",
            "客户名称",
            "商家名称",
            "企业全称",
            "公司全称",
            "申报单位",
            "申报企业",
            "主体名称",
            "机构名称",
            "纳税人名称",
            "企业",
            "公司",
            "company",
            "company_name",
            "enterprise_name",
            "name",
        ],
    ),
    (
        "credit_code",
        &[
            "统一社会信用代码",
            "社会信用代码",
            "信用代码",
            "统一组织信用代码",
            "组织机构代码",
            "统一代码",
            "uscc",
            "credit_code",
            "creditCode",
            "unified_social_credit_code",
        ],
    ),
    (
        "aliases",
        &[
            "简称/曾用名",
            "简称",
            "曾用名",
            "别名",
            "企业简称",
            "公司简称",
            "品牌",
            "short_name",
            "shortName",
            "alias",
        ],
    ),
    ("region", &["行政区划代码", "行政区划", "区划代码", "地区代码", "所在地区", "地区", "region", "adcode"]),
    ("province", &["省", "省份", "所在省份", "所属省份", "省份名称", "所属省", "province"]),
    ("city", &["市", "城市", "地市", "所在城市", "所属城市", "所在地市", "所属地市", "city"]),
    ("county", &["区县", "县区", "区/县", "县/区", "所在区县", "所属区县", "district", "county"]),
    (
        "address",
        &[
            "地址",
            "注册地址",
            "住所",
            "通信地址",
            "通讯地址",
            "详细地址",
            "企业地址",
            "经营地址",
            "办公地址",
            "address",
        ],
    ),
    ("registered_capital", &["注册资本", "注册资金", "注册资本金", "capital", "registered_capital"]),
    ("registered_capital_currency", &["注册资本币种", "币种", "currency"]),
    (
        "founded",
        &["成立日期", "成立时间", "注册日期", "成立年份", "注册时间", "founded", "date", "establish_date"],
    ),
    ("stock_code", &["股票代码", "证券代码", "上市代码", "stock_code", "ticker"]),
    ("tags", &["标签", "企业标签", "资质", "企业资质", "荣誉资质", "tags"]),
    ("products", &["主营产品", "产品", "主要产品", "主营业务产品", "经营产品", "products"]),
    ("industry_code", &["行业代码", "国民经济行业代码", "国标行业代码", "industry_code"]),
    ("description", &["简介", "企业简介", "描述", "公司简介", "备注", "description"]),
    ("links", &["产业链环节", "环节", "所属环节", "links"]),
    ("signals", &["动态", "企业动态", "投资动态", "signals"]),
    ("partners", &["上下游企业", "上下游", "供应链伙伴", "partners"]),
    ("restricted", &["两高", "是否两高", "两高企业", "restricted"]),
    ("source", &["来源", "数据来源", "source"]),
];

/// Fields whose cells are lists: a second column for the same field adds to the list (简称 and
/// 曾用名); for every other field the first non-empty cell of the row wins.
pub const LIST_FIELDS: &[&str] = &["aliases", "tags", "products", "links", "signals", "partners"];

/// What a header column carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub field: &'static str,
    /// A capital column whose header says its unit is 元 (`注册资本(元)`): a bare number is yuan.
    pub in_yuan: bool,
}

/// Full-width to half-width, one char for one char (ＡＢＣ１２３（） → ABC123()).
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

/// The header folded for comparison, and what its brackets said (for the unit).
fn fold(header: &str) -> (String, String) {
    let mut out = String::new();
    let mut bracketed = String::new();
    let mut depth: i32 = 0;
    for c in header.trim().trim_start_matches('\u{feff}').chars().map(half_width) {
        match c {
            '(' | '[' | '【' | '〔' | '{' => depth += 1,
            ')' | ']' | '】' | '〕' | '}' => depth = (depth - 1).max(0),
            c if depth > 0 => bracketed.push(c),
            '*' | ' ' | ':' | '_' | '-' | '.' | '\t' | '\n' | '\r' => {}
            // camelCase and snake_case fold alike: creditCode, credit_code → creditcode.
            c => out.extend(c.to_lowercase()),
        }
    }
    (out, bracketed)
}

/// The column a header names, if any.
pub fn column_for_header(header: &str) -> Option<Column> {
    let (h, bracketed) = fold(header);
    if h.is_empty() {
        return None;
    }
    let field = HEADERS
        .iter()
        .find(|(field, words)| fold(field).0 == h || words.iter().any(|w| fold(w).0 == h))
        .map(|(field, _)| *field)
        .or_else(|| {
            // 注册资本（万元人民币） folds to 注册资本; 注册资本万元 (no brackets) too.
            let stripped = h.trim_end_matches("人民币").trim_end_matches("万元").trim_end_matches('元');
            (stripped != h && matches!(stripped, "注册资本" | "注册资金" | "注册资本金"))
                .then_some("registered_capital")
        })?;
    let unit = format!("{bracketed}{h}");
    let in_yuan =
        field == "registered_capital" && unit.contains('元') && !unit.contains('万') && !unit.contains('亿');
    Some(Column { field, in_yuan })
}

/// The field a header names, if any.
pub fn field_for_header(header: &str) -> Option<&'static str> {
    column_for_header(header).map(|c| c.field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers_with_units_and_markers() {
        assert_eq!(field_for_header("*企业名称"), Some("name"));
        assert_eq!(field_for_header("注册资本（万元）"), Some("registered_capital"));
        assert_eq!(field_for_header("注册资本(万元人民币)"), Some("registered_capital"));
        assert_eq!(field_for_header("registered_capital"), Some("registered_capital"));
        assert_eq!(field_for_header("Name"), Some("name"));
        assert_eq!(field_for_header("简称/曾用名"), Some("aliases"));
        assert_eq!(field_for_header("\u{feff}统一社会信用代码"), Some("credit_code"));
        assert_eq!(field_for_header("序号"), None);
    }

    #[test]
    fn the_names_real_exports_use() {
        for (header, field) in [
            ("creditCode", "credit_code"),
            ("credit_code", "credit_code"),
            ("Credit Code", "credit_code"),
            ("统一组织信用代码", "credit_code"),
            ("供应商名称", "name"),
            ("公司名字", "name"),
            ("company_name", "name"),
            ("companyName", "name"),
            ("ＣＯＭＰＡＮＹ", "name"),
            ("short_name", "aliases"),
            ("注册地址", "address"),
            ("住所", "address"),
            ("capital", "registered_capital"),
            ("date", "founded"),
            ("成立时间", "founded"),
        ] {
            assert_eq!(field_for_header(header), Some(field), "{header}");
        }
    }

    #[test]
    fn a_capital_header_in_yuan_is_told_apart() {
        assert!(column_for_header("注册资本(元)").unwrap().in_yuan);
        assert!(column_for_header("注册资本（人民币元）").unwrap().in_yuan);
        assert!(!column_for_header("注册资本（万元人民币)").unwrap().in_yuan);
        assert!(!column_for_header("注册资本").unwrap().in_yuan);
    }
}
