//! 行政区划代码 (administrative division codes) and the table of every province, city and county.
//!
//! A [`RegionCode`] is six digits: `PP0000` a province, `PPCC00` a city, `PPCCAA` a county.
//! Containment follows the digits, so a city contains its counties, and an enterprise known only
//! by its province code is *not* inside any city. The table is embedded from
//! `regions.tsv` (NBS 2023 via npm china-division, coordinates via PyPI cpca; see
//! scripts/convert-reference-data.py), so the program needs no file at run time.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

/// A normalised six-digit division code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(u32);

/// The level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Province,
    City,
    County,
}

impl RegionCode {
    /// No known place: an enterprise whose record gave no region and none could be inferred
    /// (SPEC §4: region is optional). It lies inside no region and contains none; it prints as
    /// `000000` and is named 地区不详.
    pub const UNKNOWN: RegionCode = RegionCode(0);

    /// Whether this is a real division code (not [`RegionCode::UNKNOWN`]).
    pub fn is_known(self) -> bool {
        self != RegionCode::UNKNOWN
    }

    /// Parses 2-, 4-, 6- or 12-digit input (`32`, `3204`, `320400`, `320400000000`).
    /// The code need not be in the table; see [`RegionTable::get`].
    pub fn parse(input: &str) -> Option<Self> {
        let s = input.trim();
        let s = s.strip_suffix(".0").unwrap_or(s); // Excel numbers
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let six = match s.len() {
            2 => format!("{s}0000"),
            4 => format!("{s}00"),
            6 => s.to_string(),
            9 | 12 if s[6..].bytes().all(|b| b == b'0') => s[..6].to_string(),
            _ => return None,
        };
        let code: u32 = six.parse().ok()?;
        (code >= 110000).then_some(RegionCode(code))
    }

    pub fn from_u32(code: u32) -> Self {
        RegionCode(code)
    }

    pub fn as_u32(self) -> u32 {
        self.0
    }

    pub fn level(self) -> Level {
        if self.0.is_multiple_of(10000) {
            Level::Province
        } else if self.0.is_multiple_of(100) {
            Level::City
        } else {
            Level::County
        }
    }

    pub fn province(self) -> RegionCode {
        RegionCode(self.0 / 10000 * 10000)
    }

    /// The city this code lies in (itself for a city); `None` for a province.
    pub fn city(self) -> Option<RegionCode> {
        (self.level() != Level::Province).then_some(RegionCode(self.0 / 100 * 100))
    }

    /// Whether `self` lies inside `outer` (a region contains itself). A coarser code is never
    /// inside a finer one: 320000 is not inside 320400.
    pub fn is_within(self, outer: RegionCode) -> bool {
        match outer.level() {
            Level::Province => self.0 / 10000 == outer.0 / 10000,
            Level::City => self.level() != Level::Province && self.0 / 100 == outer.0 / 100,
            Level::County => self == outer,
        }
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "000000" {
            return Ok(RegionCode::UNKNOWN);
        }
        RegionCode::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid region code {s:?}")))
    }
}

impl schemars::JsonSchema for RegionCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RegionCode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[0-9]{6}$", "description": "a 6-digit administrative division code (GB/T 2260)"})
    }
}

/// One division of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: Level,
    /// Longitude and latitude of the division's centre (GCJ-02), where known.
    pub coordinates: Option<(f64, f64)>,
}

/// Why a region could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("行政区划“{0}”不存在")]
    Unknown(String),
    #[error("行政区划名称“{name}”有歧义（可能是{candidates}），请同时填写省或市")]
    Ambiguous { name: String, candidates: String },
}

impl RegionError {
    pub fn code(&self) -> crate::error::Code {
        match self {
            RegionError::Unknown(_) => crate::error::Code::InvalidRegion,
            RegionError::Ambiguous { .. } => crate::error::Code::AmbiguousRegion,
        }
    }
}

/// Every division, looked up by code or by (full or short) name.
pub struct RegionTable {
    /// Every code, sorted: a region's position here is its dense ordinal.
    ordered: Vec<RegionCode>,
    by_code: HashMap<RegionCode, Region>,
    by_name: HashMap<String, Vec<RegionCode>>,
    /// `江苏省常州市` → 320400, made on first use; where two codes share a full name (北京市 the
    /// province and its placeholder city) the coarser one.
    by_full_name: std::sync::OnceLock<HashMap<String, RegionCode>>,
}

/// Named groups of provinces and cities used as `source_regions` (长三角 and others).
const GROUPS: &[(&str, &[u32])] = &[
    ("长三角", &[310000, 320000, 330000, 340000]),
    ("珠三角", &[440100, 440300, 440400, 440600, 440700, 441200, 441300, 441900, 442000]),
    ("京津冀", &[110000, 120000, 130000]),
    ("成渝", &[500000, 510000]),
];

/// Name suffixes that may be left off (`江苏` for 江苏省, `常州` for 常州市, `武进` for 武进区).
const SUFFIXES: &[&str] = &[
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "特别行政区",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
    "地区",
];

/// Placeholder city names that never identify a place by themselves.
const PLACEHOLDERS: &[&str] = &["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"];

/// Whether text following a place name makes it a street name (`西路1266号`, `路88号`, `大街`).
fn names_a_street(after: &str) -> bool {
    let after = after.trim_start_matches(['东', '西', '南', '北', '中']);
    ["路", "街", "道", "巷", "弄", "大街", "大道"].iter().any(|w| after.starts_with(w))
}

/// The longest division name, in characters (新疆维吾尔自治区 is 8).
const MAX_NAME_CHARS: usize = 12;

fn short_name(name: &str) -> Option<&str> {
    SUFFIXES.iter().find_map(|s| name.strip_suffix(s)).filter(|short| short.chars().count() >= 2)
}

static TABLE: LazyLock<RegionTable> = LazyLock::new(|| RegionTable::from_tsv(include_str!("regions.tsv")));

/// The embedded table of divisions.
pub fn regions() -> &'static RegionTable {
    &TABLE
}

impl RegionTable {
    fn from_tsv(text: &str) -> Self {
        let mut by_code = HashMap::new();
        let mut by_name: HashMap<String, Vec<RegionCode>> = HashMap::new();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let cols: Vec<&str> = line.split('\t').collect();
            let code = RegionCode(cols[0].parse().expect("regions.tsv: code"));
            let name = cols[1].to_string();
            let level = match cols[2] {
                "province" => Level::Province,
                "city" => Level::City,
                _ => Level::County,
            };
            let coordinates = cols[4].parse().ok().zip(cols[5].parse().ok());
            if !PLACEHOLDERS.contains(&name.as_str()) {
                by_name.entry(name.clone()).or_default().push(code);
                if let Some(short) = short_name(&name) {
                    let entry = by_name.entry(short.to_string()).or_default();
                    if !entry.contains(&code) {
                        entry.push(code);
                    }
                }
            }
            by_code.insert(code, Region { code, name, level, coordinates });
        }
        let mut ordered: Vec<RegionCode> = by_code.keys().copied().collect();
        ordered.sort();
        RegionTable { ordered, by_code, by_name, by_full_name: Default::default() }
    }

    /// A dense number for a known code (0 to `len() - 1`), for counting in arrays.
    pub fn ordinal(&self, code: RegionCode) -> Option<usize> {
        self.ordered.binary_search(&code).ok()
    }

    /// The code with a dense number.
    pub fn by_ordinal(&self, ordinal: usize) -> Option<RegionCode> {
        self.ordered.get(ordinal).copied()
    }

    pub fn get(&self, code: RegionCode) -> Option<&Region> {
        self.by_code.get(&code)
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    /// `江苏省常州市武进区` style full name of a code (placeholders such as 市辖区 left out).
    pub fn full_name(&self, code: RegionCode) -> String {
        if !code.is_known() {
            return "地区不详".to_string();
        }
        let mut parts = vec![code.province()];
        if let Some(city) = code.city() {
            parts.push(city);
        }
        if code.level() == Level::County {
            parts.push(code);
        }
        parts
            .iter()
            .filter_map(|c| self.get(*c))
            .map(|r| r.name.as_str())
            .filter(|n| !PLACEHOLDERS.contains(n))
            .collect()
    }

    /// Coordinates of the code, or of the nearest enclosing division that has them.
    pub fn coordinates(&self, code: RegionCode) -> Option<(f64, f64)> {
        [Some(code), code.city(), Some(code.province())]
            .into_iter()
            .flatten()
            .find_map(|c| self.get(c).and_then(|r| r.coordinates))
    }

    /// Parses a code, a name (`320400`, `常州市`, `常州`) or a full name as [`Self::full_name`]
    /// writes it (`江苏省常州市`, `北京市朝阳区`: what the API shows as `region_name`, and what
    /// an ambiguous name's error suggests); a known code only.
    pub fn parse(&self, input: &str) -> Result<RegionCode, RegionError> {
        if let Some(code) = RegionCode::parse(input) {
            return self
                .get(code)
                .map(|r| r.code)
                .ok_or_else(|| RegionError::Unknown(input.trim().to_string()));
        }
        match self.resolve(None, None, Some(input)) {
            Err(RegionError::Unknown(why)) => {
                let full = self.by_full_name.get_or_init(|| {
                    let mut map = HashMap::new();
                    for code in &self.ordered {
                        map.entry(self.full_name(*code)).or_insert(*code);
                    }
                    map
                });
                full.get(input.trim()).copied().ok_or(RegionError::Unknown(why))
            }
            resolved => resolved,
        }
    }

    /// Resolves names given in separate province / city / county columns, any of them empty.
    /// The most specific given name decides; the coarser ones narrow an ambiguous name down.
    pub fn resolve(
        &self,
        province: Option<&str>,
        city: Option<&str>,
        county: Option<&str>,
    ) -> Result<RegionCode, RegionError> {
        fn clean(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let (province, city, county) = (clean(province), clean(city), clean(county));
        let mut scope: Option<RegionCode> = None;
        for name in [province, city, county].into_iter().flatten() {
            if let Some(code) = RegionCode::parse(name) {
                scope = Some(self.get(code).ok_or_else(|| RegionError::Unknown(name.to_string()))?.code);
                continue;
            }
            let candidates: Vec<RegionCode> = self
                .by_name
                .get(name)
                .map(|v| v.iter().copied().filter(|c| scope.is_none_or(|s| c.is_within(s))).collect())
                .unwrap_or_default();
            scope = Some(match candidates.as_slice() {
                [] => return Err(RegionError::Unknown(name.to_string())),
                [one] => *one,
                many => {
                    return Err(RegionError::Ambiguous {
                        name: name.to_string(),
                        candidates: many.iter().map(|c| self.full_name(*c)).collect::<Vec<_>>().join("、"),
                    });
                }
            });
        }
        scope.ok_or_else(|| RegionError::Unknown(String::new()))
    }

    /// The region named at the start of `text` (an address or an enterprise name): the longest
    /// division name there, then finer ones after it (`江苏省苏州市吴中区…` → 320506,
    /// `北京市东城区…` → 110101, `苏州工业园区…` → 320500). Where a name stands for several places
    /// that do not nest (`朝阳…`), the text names no region: `None`. With `short_counties` false
    /// (for enterprise names), a county counts only by its full name (东方电气 is not 东方市).
    pub fn infer_from_prefix(&self, text: &str, short_counties: bool) -> Option<RegionCode> {
        let text = text.trim_start_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation());
        let mut scope: Option<RegionCode> = None;
        let mut rest = text;
        'levels: for _ in 0..3 {
            let chars: Vec<(usize, char)> = rest.char_indices().take(MAX_NAME_CHARS + 1).collect();
            // Longest first: 苏州市 before 苏州.
            for len in (2..=chars.len().min(MAX_NAME_CHARS)).rev() {
                let end = chars.get(len).map_or(rest.len(), |(i, _)| *i);
                let name = &rest[..end];
                let Some(codes) = self.by_name.get(name) else { continue };
                let full = codes.iter().any(|c| self.get(*c).is_some_and(|r| r.name == name));
                let candidates: Vec<RegionCode> = codes
                    .iter()
                    .copied()
                    .filter(|c| scope.is_none_or(|s| c.is_within(s) && *c != s))
                    .collect();
                // Nested candidates (邵阳市 and its 邵阳县) are the coarser one.
                let coarsest =
                    candidates.iter().copied().find(|c| candidates.iter().all(|o| o.is_within(*c)));
                match (candidates.len(), coarsest) {
                    (0, _) => continue,
                    // A county by its short name only where short names are trusted (addresses).
                    (_, Some(c)) if !full && !short_counties && c.level() == Level::County => return scope,
                    // 南京西路、中山北路、解放路: a street named after a place, not the place.
                    (_, Some(_)) if !full && names_a_street(&rest[end..]) => return scope,
                    (_, Some(c)) => {
                        scope = Some(c);
                        rest = &rest[end..];
                        continue 'levels;
                    }
                    _ => return scope, // ambiguous here: keep what is certain
                }
            }
            break;
        }
        scope
    }

    /// The codes a `source_regions` entry stands for: a group name (长三角), a code or a name.
    pub fn expand_group(&self, entry: &str) -> Result<Vec<RegionCode>, RegionError> {
        if let Some((_, codes)) = GROUPS.iter().find(|(name, _)| *name == entry.trim()) {
            return Ok(codes.iter().map(|c| RegionCode(*c)).collect());
        }
        self.parse(entry).map(|c| vec![c])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn the_table_has_every_division() {
        let t = regions();
        // 31 + 342 + 2,978 rows in the source; three codes appear both as a city and a county.
        assert_eq!(t.len(), 3348);
        assert_eq!(t.get(code("320400")).unwrap().name, "常州市");
        assert_eq!(t.full_name(code("320412")), "江苏省常州市武进区");
        assert_eq!(t.full_name(code("110105")), "北京市朝阳区");
        let (lon, lat) = t.coordinates(code("320412")).unwrap();
        assert!((119.0..120.5).contains(&lon) && (31.0..32.5).contains(&lat));
    }

    #[test]
    fn codes_of_every_length_are_normalised() {
        assert_eq!(code("32"), code("320000"));
        assert_eq!(code("3204"), code("320400"));
        assert_eq!(code("320412000000"), code("320412"));
        assert_eq!(code("320400.0"), code("320400"));
        assert!(RegionCode::parse("3204a0").is_none());
        assert!(RegionCode::parse("32041").is_none());
    }

    #[test]
    fn containment_follows_the_levels() {
        assert!(code("320412").is_within(code("320400")));
        assert!(code("320412").is_within(code("320000")));
        assert!(code("320400").is_within(code("320400")));
        assert!(!code("320000").is_within(code("320400")), "a province-only firm is not local to a city");
        assert!(!code("320500").is_within(code("320400")));
        assert!(!code("330400").is_within(code("320000")));
    }

    #[test]
    fn names_resolve_with_or_without_suffix() {
        let t = regions();
        assert_eq!(t.parse("江苏省").unwrap(), code("320000"));
        assert_eq!(t.parse("江苏").unwrap(), code("320000"));
        assert_eq!(t.parse("常州").unwrap(), code("320400"));
        assert_eq!(t.parse("内蒙古").unwrap(), code("150000"));
        assert_eq!(t.resolve(Some("江苏省"), Some("常州市"), Some("武进区")).unwrap(), code("320412"));
    }

    #[test]
    fn an_ambiguous_county_needs_its_province_or_city() {
        let t = regions();
        let err = t.parse("朝阳区").unwrap_err();
        assert_eq!(err.code(), "ambiguous_region");
        assert!(err.to_string().contains("北京市朝阳区"));
        assert_eq!(t.resolve(Some("北京市"), None, Some("朝阳区")).unwrap(), code("110105"));
        assert_eq!(t.resolve(None, Some("长春市"), Some("朝阳区")).unwrap(), code("220104"));
        // The full name the error suggests (and the API shows as `region_name`) is taken.
        assert_eq!(t.parse("北京市朝阳区").unwrap(), code("110105"));
        for c in ["440300", "320400", "320412", "350900", "110000", "500000"] {
            assert_eq!(t.parse(&t.full_name(code(c))).unwrap(), code(c), "{c}");
        }
        assert_eq!(
            t.parse("江苏省苏州市武进区").unwrap_err().code(),
            "invalid_region",
            "武进 is not in 苏州"
        );
    }

    #[test]
    fn unknown_names_and_codes_are_rejected() {
        let t = regions();
        assert_eq!(t.parse("火星市").unwrap_err().code(), "invalid_region");
        assert_eq!(t.parse("329900").unwrap_err().code(), "invalid_region");
        assert_eq!(t.resolve(Some("浙江省"), None, Some("武进区")).unwrap_err().code(), "invalid_region");
    }

    #[test]
    fn regions_are_read_off_the_start_of_addresses_and_names() {
        let t = regions();
        let at = |s: &str| t.infer_from_prefix(s, true).map(|c| c.to_string());
        assert_eq!(at("北京市东城区东长安街1号").as_deref(), Some("110101"));
        assert_eq!(at("江苏省苏州市吴中区木渎镇").as_deref(), Some("320506"));
        assert_eq!(
            at("苏州工业园区星湖街328号").as_deref(),
            Some("320576"),
            "a county-level zone by its own name"
        );
        assert_eq!(at("苏州市相城区").as_deref(), Some("320507"));
        assert_eq!(at("广东省深圳市南山区").as_deref(), Some("440305"));
        assert_eq!(at("邵阳市大祥区").map(|c| c[..4].to_string()).as_deref(), Some("4305"));
        assert_eq!(at("朝阳区某路"), None, "three 朝阳 that do not nest");
        assert_eq!(at("南京西路1266号"), None, "a Shanghai street, not 南京市");
        assert_eq!(at("上海市南京西路1266号").as_deref(), Some("310000"));
        assert_eq!(at("解放路8号"), None);
        assert_eq!(at("某某路88号"), None);
        let name = |s: &str| t.infer_from_prefix(s, false).map(|c| c.to_string());
        assert_eq!(name("深圳市腾讯计算机系统有限公司").as_deref(), Some("440300"));
        assert_eq!(name("邵阳纺织机械有限责任公司").as_deref(), Some("430500"));
        assert_eq!(name("东方电气股份有限公司"), None, "东方市 is a county: only by its full name");
        assert_eq!(name("江苏恒瑞医药股份有限公司").as_deref(), Some("320000"));
        assert_eq!(name("朝阳某某有限公司"), None, "朝阳市, and two 朝阳区 that are not inside it");
    }

    #[test]
    fn the_unknown_region_is_inside_nothing() {
        let u = RegionCode::UNKNOWN;
        assert!(!u.is_within(code("320000")) && !u.is_within(code("320400")) && !u.is_known());
        assert_eq!(regions().full_name(u), "地区不详");
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(json, "\"000000\"");
        assert_eq!(serde_json::from_str::<RegionCode>(&json).unwrap(), u);
    }

    #[test]
    fn groups_expand_to_their_members() {
        let t = regions();
        assert!(t.expand_group("长三角").unwrap().contains(&code("320000")));
        assert_eq!(t.expand_group("320000").unwrap(), vec![code("320000")]);
    }
}
#[cfg(test)]
mod full_names {
    #[test]
    fn every_full_name_parses_back_to_its_code() {
        let t = super::regions();
        // A placeholder city (110100 市辖区) has its province's full name, and is the province.
        let failed: Vec<String> = t
            .ordered
            .iter()
            .filter(|c| t.parse(&t.full_name(**c)).map(|p| t.full_name(p)).ok() != Some(t.full_name(**c)))
            .map(|c| format!("{c} {}", t.full_name(*c)))
            .collect();
        assert!(failed.is_empty(), "{} of {}: {:?}", failed.len(), t.len(), &failed[..failed.len().min(20)]);
    }
}
