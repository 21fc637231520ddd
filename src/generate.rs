//! `chainscout gen`: realistic **synthetic** enterprises for tests and benchmarks.
//!
//! Chinese legal names with region prefixes and industry words, valid credit codes whose
//! positions 3–8 are the enterprise's county, products drawn from the shipped chain keywords,
//! tags at realistic frequencies (most firms have none), capital with a long tail, and partners
//! and signals for a fraction. Deterministic for a seed: the generator uses its own SplitMix64
//! rather than a crate whose stream may change between versions. Every record says it is
//! synthetic in `source`.

use crate::error::{Error, Result};
use crate::model::region::Level;
use crate::model::{CreditCode, RegionCode, chain::parse_chain_toml, regions};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

/// SplitMix64: tiny, fast, and its stream is fixed forever.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Characters common in registered trade names (字号).
const NAME_CHARS: &str = "华新中天金宏泰鑫盛德恒瑞海信达通联创科源嘉博汇丰东方远明辉荣升龙凯亿锦隆安康永昌富润祥和兴旺益群晟正光宇星耀远航卓越铭诚启晨翔睿智力合众祺沃泽浩峰";
/// Industry words placed between trade name and company form.
const INDUSTRY_WORDS: &[&str] = &[
    "新能源科技",
    "新材料",
    "电子科技",
    "智能装备",
    "精密机械",
    "半导体",
    "生物科技",
    "医药",
    "汽车零部件",
    "光电科技",
    "化工",
    "电池",
    "自动化设备",
    "信息技术",
    "环保科技",
    "食品",
    "农业科技",
    "电气",
    "机器人",
    "储能技术",
];
const FORMS: &[(&str, u32)] = &[("有限公司", 80), ("股份有限公司", 15), ("集团有限公司", 5)];
const SIGNALS: &[&str] = &["扩产", "新设子公司", "定向增发", "增资扩股", "融资"];
/// (tag, probability): most firms carry no tag at all.
const TAGS: &[(&str, f64)] = &[
    ("高新技术企业", 0.12),
    ("专精特新", 0.04),
    ("专精特新小巨人", 0.008),
    ("单项冠军", 0.001),
    ("上市公司", 0.004),
    ("中国500强", 0.0008),
    ("世界500强", 0.0002),
    ("央企", 0.0003),
];

struct Pools {
    counties: Vec<RegionCode>,
    jiangsu_counties: Vec<RegionCode>,
    keywords: Vec<String>,
    name_chars: Vec<char>,
}

fn pools() -> Result<Pools> {
    let mut keywords = Vec::new();
    for (name, text) in crate::demo::CHAIN_FILES {
        let chain = parse_chain_toml(name, text)?;
        for link in chain.links {
            keywords.extend(link.keywords);
        }
    }
    keywords.sort();
    keywords.dedup();
    let mut counties: Vec<RegionCode> = (110000..=659999)
        .map(RegionCode::from_u32)
        .filter(|c| c.level() == Level::County && regions().get(*c).is_some())
        .collect();
    counties.sort();
    let jiangsu = RegionCode::from_u32(320000);
    let jiangsu_counties = counties.iter().copied().filter(|c| c.is_within(jiangsu)).collect();
    // Each character once: trade names are numbers written in these characters.
    let mut name_chars: Vec<char> = Vec::new();
    for c in NAME_CHARS.chars() {
        if !name_chars.contains(&c) {
            name_chars.push(c);
        }
    }
    Ok(Pools { counties, jiangsu_counties, keywords, name_chars })
}

/// A short place prefix for a legal name: the city's name without its suffix (常州), or the
/// province's for municipalities.
fn place_prefix(code: RegionCode) -> String {
    let table = regions();
    let city = code.city().and_then(|c| table.get(c)).map(|r| r.name.clone()).unwrap_or_default();
    let name = if city.is_empty() || city.contains("辖") || city == "县" {
        table.get(code.province()).map(|r| r.name.clone()).unwrap_or_default()
    } else {
        city
    };
    for suffix in ["维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区", "省", "市", "盟"]
    {
        if let Some(short) = name.strip_suffix(suffix)
            && short.chars().count() >= 2
        {
            return short.to_string();
        }
    }
    name
}

/// A bijection of `0..modulus` that looks random: `i → (a·i + b) mod modulus` with `a` coprime
/// to the modulus. It numbers records uniquely in O(1) memory, so 10M records need no set of
/// names or codes seen.
struct Shuffle {
    modulus: u128,
    a: u128,
    b: u128,
}

impl Shuffle {
    fn new(modulus: u128, rng: &mut Rng) -> Shuffle {
        fn gcd(a: u128, b: u128) -> u128 {
            if b == 0 { a } else { gcd(b, a % b) }
        }
        let mut a = (rng.next() as u128 % modulus) | 1;
        while gcd(a, modulus) != 1 {
            a += 2;
        }
        Shuffle { modulus, a, b: rng.next() as u128 % modulus }
    }

    /// The `i`-th value written as `digits` characters of `alphabet`.
    fn word(&self, i: usize, alphabet: &[char], digits: u32) -> String {
        let mut v = (self.a * i as u128 + self.b) % self.modulus;
        let base = alphabet.len() as u128;
        (0..digits)
            .map(|_| {
                let c = alphabet[(v % base) as usize];
                v /= base;
                c
            })
            .collect()
    }
}

const CODE_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A credit code of `region` whose 9-character organisation code is `org` (unique per record).
fn credit_code(region: RegionCode, org: &str) -> CreditCode {
    CreditCode::with_check_character(&format!("91{region}{org}")).expect("a well-formed body")
}

/// Generates `n` enterprises and hands each to `emit`.
pub fn generate(n: usize, seed: u64, mut emit: impl FnMut(usize, Value) -> Result<()>) -> Result<()> {
    let pools = pools()?;
    let mut rng = Rng(seed ^ 0x6368_6169_6E73_636F);
    // Trade names: the fewest characters that number every record (at least 2), so names are
    // unique within a region (same place prefix); organisation codes: 9 of the 31 code chars.
    let base = pools.name_chars.len() as u128;
    let mut name_digits = 2u32;
    while base.pow(name_digits) < n as u128 {
        name_digits += 1;
    }
    let trade_names = Shuffle::new(base.pow(name_digits), &mut rng);
    let code_chars: Vec<char> = CODE_CHARS.chars().collect();
    let org_codes = Shuffle::new(31u128.pow(9), &mut rng);
    let mut earlier: Vec<String> = Vec::new();
    let form_total: u32 = FORMS.iter().map(|(_, w)| w).sum();
    for i in 0..n {
        // A third in 江苏 (the demo's home region), the rest anywhere.
        let region =
            if rng.chance(0.33) { *rng.pick(&pools.jiangsu_counties) } else { *rng.pick(&pools.counties) };
        let prefix = place_prefix(region);
        let industry = *rng.pick(INDUSTRY_WORDS);
        let mut roll = rng.below(form_total as usize) as u32;
        let form = FORMS
            .iter()
            .find(|(_, w)| {
                if roll < *w {
                    true
                } else {
                    roll -= w;
                    false
                }
            })
            .map(|(f, _)| *f)
            .unwrap_or("有限公司");
        let name = format!("{prefix}{}{industry}{form}", trade_names.word(i, &pools.name_chars, name_digits));
        let n_products = 1 + rng.below(4);
        let mut products: Vec<String> = Vec::new();
        for _ in 0..n_products {
            let k = rng.pick(&pools.keywords).clone();
            if !products.contains(&k) {
                products.push(k);
            }
        }
        let tags: Vec<&str> = TAGS.iter().filter(|(_, p)| rng.chance(*p)).map(|(t, _)| *t).collect();
        // Capital: log-uniform-ish long tail from 10万 to 1000亿, most under 5000万.
        let capital = (10f64.powf(1.0 + rng.unit().powf(2.2) * 6.0) * 100.0).round() / 100.0;
        let year = 1985 + rng.below(40) as i32;
        let founded = format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28));
        let mut record = json!({
            "name": name,
            "credit_code": credit_code(region, &org_codes.word(i, &code_chars, 9)).to_string(),
            "region": region.to_string(),
            "address": format!("{}{}路{}号", regions().full_name(region), rng.pick(&pools.name_chars), 1 + rng.below(999)),
            "registered_capital": capital,
            "founded": founded,
            "products": products,
            "description": format!("合成数据：从事{}相关业务。", industry),
            "source": format!("synthetic: chainscout gen --seed {seed}"),
        });
        if !tags.is_empty() {
            record["tags"] = json!(tags);
        }
        if tags.contains(&"上市公司") {
            record["stock_code"] = json!(format!("{:06}.SZ", 300000 + i % 100000));
        }
        if rng.chance(0.08) {
            let signals: Vec<Value> = (0..1 + rng.below(2))
                .map(|_| {
                    json!({
                        "kind": *rng.pick(SIGNALS),
                        "date": format!("{}-{:02}-{:02}", 2023 + rng.below(3), 1 + rng.below(12), 1 + rng.below(28)),
                        "text": "合成数据：公开动态示例",
                    })
                })
                .collect();
            record["signals"] = Value::Array(signals);
        }
        if !earlier.is_empty() && rng.chance(0.10) {
            let partners: Vec<Value> = (0..1 + rng.below(3))
                .map(|_| {
                    json!({
                        "enterprise": rng.pick(&earlier).clone(),
                        "relation": if rng.chance(0.5) { "supplier" } else { "customer" },
                    })
                })
                .collect();
            record["partners"] = Value::Array(partners);
        }
        if rng.chance(0.01) {
            record["restricted"] = json!(true);
        }
        if earlier.len() < 10_000 {
            earlier.push(name);
        } else {
            let slot = rng.below(earlier.len());
            earlier[slot] = name;
        }
        emit(i, record)?;
    }
    Ok(())
}

/// Writes `n` synthetic enterprises as JSON Lines; returns how many were written.
pub fn write_file(path: &Path, n: usize, seed: u64, progress: &mut dyn FnMut(usize, usize)) -> Result<usize> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    generate(n, seed, |i, record| {
        serde_json::to_writer(&mut out, &record).map_err(|e| Error::io(path, e.into()))?;
        out.write_all(b"\n").map_err(|e| Error::io(path, e))?;
        if (i + 1) % 1024 == 0 || i + 1 == n {
            progress(i + 1, n);
        }
        Ok(())
    })?;
    out.flush().map_err(|e| Error::io(path, e))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn sample(n: usize, seed: u64) -> Vec<Value> {
        let mut out = Vec::new();
        generate(n, seed, |_, v| {
            out.push(v);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn the_same_seed_gives_the_same_records_and_another_seed_does_not() {
        assert_eq!(sample(200, 7), sample(200, 7));
        assert_ne!(sample(200, 7), sample(200, 8));
    }

    #[test]
    fn records_are_valid_labelled_and_unique() {
        let records = sample(3000, 1);
        let mut names = HashSet::new();
        let mut tagged = 0;
        for r in &records {
            let code = CreditCode::parse(r["credit_code"].as_str().unwrap()).expect("valid credit code");
            assert_eq!(code.region_digits(), r["region"].as_str().unwrap(), "positions 3–8 are the region");
            assert!(r["source"].as_str().unwrap().starts_with("synthetic"));
            assert!(names.insert(r["name"].as_str().unwrap().to_string()), "names are unique");
            let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            crate::model::EnterprisePatch::from_record(r.as_object().unwrap(), today).expect("parses");
            tagged += r.get("tags").is_some() as usize;
        }
        assert!(tagged < records.len() / 4, "most firms carry no tag ({tagged})");
    }

    #[test]
    fn names_and_credit_codes_stay_unique_past_the_first_name_length() {
        // 70-odd name characters: 5,000+ records need three-character trade names.
        let mut names = HashSet::new();
        let mut codes = HashSet::new();
        generate(60_000, 3, |_, r| {
            assert!(names.insert((r["name"].as_str().unwrap().to_string(), r["region"].clone())));
            assert!(codes.insert(r["credit_code"].as_str().unwrap().to_string()));
            Ok(())
        })
        .unwrap();
    }
}
