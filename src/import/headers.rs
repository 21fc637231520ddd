//! Which field a spreadsheet header names, in English or Chinese (SPEC §4), forgiving of units
//! in brackets (注册资本（万元）), required-markers (`*企业名称`) and blanks.

/// Header words for each field. The JSON name itself is always accepted too.
const HEADERS: &[(&str, &[&str])] = &[
    ("name", &["企业名称", "名称", "公司名称", "企业全称", "公司全称", "单位名称", "企业"]),
    ("credit_code", &["统一社会信用代码", "社会信用代码", "信用代码", "uscc"]),
    ("aliases", &["简称/曾用名", "简称", "曾用名", "别名", "企业简称", "公司简称", "品牌"]),
    ("region", &["行政区划代码", "行政区划", "区划代码", "地区代码", "所在地区", "地区"]),
    ("province", &["省", "省份", "所在省份", "所属省份", "省份名称"]),
    ("city", &["市", "城市", "地市", "所在城市", "所属城市", "所在地市"]),
    ("county", &["区县", "县区", "区/县", "县/区", "所在区县", "所属区县"]),
    ("address", &["地址", "注册地址", "详细地址", "企业地址", "经营地址"]),
    ("registered_capital", &["注册资本", "注册资金"]),
    ("founded", &["成立日期", "成立时间", "注册日期", "成立年份"]),
    ("stock_code", &["股票代码", "证券代码", "上市代码"]),
    ("tags", &["标签", "企业标签", "资质", "企业资质", "荣誉资质"]),
    ("products", &["主营产品", "产品", "主要产品", "主营业务产品"]),
    ("description", &["简介", "企业简介", "描述", "公司简介", "备注"]),
    ("links", &["产业链环节", "环节", "所属环节"]),
    ("signals", &["动态", "企业动态", "投资动态"]),
    ("partners", &["上下游企业", "上下游", "供应链伙伴"]),
    ("restricted", &["两高", "是否两高", "两高企业"]),
    ("source", &["来源", "数据来源"]),
];

fn clean(header: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in header.trim().trim_start_matches('\u{feff}').chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = (depth - 1).max(0),
            '*' | '＊' | ' ' | '\u{3000}' | ':' | '：' => {}
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.to_lowercase()
}

/// The field a header names, if any.
pub fn field_for_header(header: &str) -> Option<&'static str> {
    let h = clean(header);
    if h.is_empty() {
        return None;
    }
    // "简称/曾用名" contains a slash that clean keeps; try it whole first.
    HEADERS
        .iter()
        .find(|(field, words)| *field == h || words.iter().any(|w| clean(w) == h))
        .map(|(field, _)| *field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers_with_units_and_markers() {
        assert_eq!(field_for_header("*企业名称"), Some("name"));
        assert_eq!(field_for_header("注册资本（万元）"), Some("registered_capital"));
        assert_eq!(field_for_header("registered_capital"), Some("registered_capital"));
        assert_eq!(field_for_header("Name"), Some("name"));
        assert_eq!(field_for_header("简称/曾用名"), Some("aliases"));
        assert_eq!(field_for_header("\u{feff}统一社会信用代码"), Some("credit_code"));
        assert_eq!(field_for_header("序号"), None);
    }
}
