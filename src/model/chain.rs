//! 产业链 (chain) maps: links (环节) in stages, their hierarchy and the supply flows between them.
//!
//! Chains are written as TOML files (SPEC §3). [`parse_chain_toml`] turns one file into a
//! [`Chain`] or rejects it whole with the file, the line and the reason. Checks that need other
//! chains (flows into another chain) are done by [`check_cross_chain_flows`].

use super::industry::normalise_industry_code;
use super::region::{RegionCode, regions};
use crate::error::{ChainProblem, Error};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use toml::Spanned;

/// 上游 / 中游 / 下游.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Upstream,
    Midstream,
    Downstream,
}

impl Stage {
    pub fn chinese(self) -> &'static str {
        match self {
            Stage::Upstream => "上游",
            Stage::Midstream => "中游",
            Stage::Downstream => "下游",
        }
    }
}

/// 环节: one node of a chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Link {
    pub id: String,
    pub name: String,
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// 关键环节: a link the region must control.
    #[serde(default)]
    pub key: bool,
    /// 两高: never a lead target.
    #[serde(default)]
    pub restricted: bool,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Words that veto a keyword match (an extension of SPEC §3): a product containing one of
    /// them does not join this link by keyword, so `锂电池隔膜` can stay out of 电芯 while
    /// `锂电池` is a 电芯 keyword.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Keywords that count only in context (SPEC §11): `with` — one of these words must occur
    /// among the firm's products or in its name; `without` — none of these may.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<KeywordContext>,
    #[serde(default)]
    pub industry_codes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A keyword whose match needs context: `系统集成` is 工业机器人 only beside 机器人 or 自动化.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeywordContext {
    pub keyword: String,
    /// One of these must occur among the firm's products or in its name (empty: no need).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
    /// None of these may occur among the firm's products or in its name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub without: Vec<String>,
}

/// The membership strength below which a keyword membership is weak evidence only (SPEC §11).
pub const DEFAULT_MIN_STRENGTH: f64 = 0.05;

fn default_min_strength() -> f64 {
    DEFAULT_MIN_STRENGTH
}

/// 供给关系: `from` supplies `to`. Either end is a link id of this chain or `chain-id/link-id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Flow {
    pub from: String,
    pub to: String,
}

/// 产业链: a chain map for one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Chain {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub sector: String,
    pub region: RegionCode,
    /// 链长.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// 牵头部门.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the map comes from; shipped maps say they are authored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default)]
    pub industry_codes: Vec<String>,
    /// Local enterprises a link needs to be `strong`.
    #[serde(default = "default_threshold")]
    pub strong_threshold: u32,
    /// Keyword memberships weaker than this are weak evidence only (SPEC §11).
    #[serde(default = "default_min_strength")]
    pub min_strength: f64,
    /// 链主: credit codes or exact names.
    #[serde(default)]
    pub chain_masters: Vec<String>,
    /// Regions to court first: group names (长三角) or codes.
    #[serde(default)]
    pub source_regions: Vec<String>,
    /// Lead scoring weights by reason factor.
    #[serde(default)]
    pub scoring: BTreeMap<String, f64>,
    pub links: Vec<Link>,
    #[serde(default)]
    pub flows: Vec<Flow>,
}

fn default_threshold() -> u32 {
    3
}

/// The scoring factors a `[scoring]` table may weigh (SPEC §6).
pub const SCORING_FACTORS: &[&str] =
    &["gap", "key_link", "strength", "signal", "distance", "supply_tie", "fit"];

impl Chain {
    pub fn link(&self, id: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.id == id)
    }
}

/// A reference to a link from outside its chain: `chain-id/link-id` (serialised as that string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkRef {
    pub chain: String,
    pub link: String,
}

impl LinkRef {
    pub fn parse(s: &str) -> Option<LinkRef> {
        let (chain, link) = s.trim().split_once('/')?;
        (is_id(chain) && is_id(link)).then(|| LinkRef { chain: chain.to_string(), link: link.to_string() })
    }
}

impl std::fmt::Display for LinkRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.chain, self.link)
    }
}

impl Serialize for LinkRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LinkRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LinkRef::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid link reference {s:?}")))
    }
}

impl schemars::JsonSchema for LinkRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LinkRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[^/]+/[^/]+$", "description": "CHAIN/LINK"})
    }
}

/// Ids are `[a-z0-9-]+`.
pub fn is_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

// ---- the file format, with spans so errors can name a line ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChainFile {
    id: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    sector: String,
    region: Spanned<String>,
    owner: Option<String>,
    lead_department: Option<String>,
    description: Option<String>,
    source: Option<String>,
    #[serde(default)]
    industry_codes: Vec<Spanned<String>>,
    strong_threshold: Option<Spanned<i64>>,
    min_strength: Option<Spanned<f64>>,
    #[serde(default)]
    chain_masters: Vec<String>,
    #[serde(default)]
    source_regions: Vec<Spanned<String>>,
    #[serde(default)]
    scoring: BTreeMap<Spanned<String>, Spanned<f64>>,
    #[serde(default)]
    links: Vec<Spanned<LinkFile>>,
    #[serde(default)]
    flows: Vec<Spanned<FlowFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkFile {
    id: Spanned<String>,
    name: Spanned<String>,
    stage: Spanned<String>,
    parent: Option<Spanned<String>>,
    #[serde(default)]
    key: bool,
    #[serde(default)]
    restricted: bool,
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    context: Vec<Spanned<KeywordContext>>,
    #[serde(default)]
    industry_codes: Vec<Spanned<String>>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowFile {
    from: Spanned<String>,
    to: Spanned<String>,
}

/// Turns byte offsets into 1-based line numbers.
struct Lines<'a> {
    file: &'a str,
    text: &'a str,
}

impl Lines<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())].bytes().filter(|&b| b == b'\n').count() + 1
    }

    fn error(&self, span: Range<usize>, reason: impl Into<String>) -> Error {
        Error::InvalidChain(vec![ChainProblem {
            file: self.file.to_string(),
            line: self.line_of(span.start),
            code: crate::error::Code::InvalidChain,
            reason: reason.into(),
        }])
    }
}

/// Links a chain map may have. Real maps have 20 to 100; the bound keeps every per-link walk
/// (statuses, sub-trees, the drawing) small whatever a file says.
pub const MAX_LINKS: usize = 1_000;
/// How deep links may nest under a top-level link (real maps nest two or three deep).
pub const MAX_DEPTH: usize = 16;
/// Characters of a chain's or link's name, a keyword or an exclude word.
pub const MAX_TEXT: usize = 200;

/// Parses and checks one chain file. `file` names it in errors.
pub fn parse_chain_toml(file: &str, text: &str) -> Result<Chain, Error> {
    let lines = Lines { file, text };
    let raw: ChainFile = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        lines.error(span, e.message().to_string())
    })?;

    let check_id = |s: &Spanned<String>, what: &str| -> Result<String, Error> {
        if is_id(s.get_ref()) {
            Ok(s.get_ref().clone())
        } else {
            Err(lines.error(
                s.span(),
                format!("{what} id {:?} must be lowercase letters, digits and '-'", s.get_ref()),
            ))
        }
    };
    let non_empty = |s: &Spanned<String>, what: &str| -> Result<String, Error> {
        let v = s.get_ref().trim();
        let n = v.chars().count();
        if v.is_empty() {
            Err(lines.error(s.span(), format!("{what} is empty")))
        } else if n > MAX_TEXT {
            Err(lines.error(s.span(), format!("{what} is {n} characters long; at most {MAX_TEXT}")))
        } else {
            Ok(v.to_string())
        }
    };
    let industry = |codes: &[Spanned<String>]| -> Result<Vec<String>, Error> {
        codes
            .iter()
            .map(|c| {
                normalise_industry_code(c.get_ref()).ok_or_else(|| {
                    lines.error(c.span(), format!("unknown GB/T 4754-2017 industry code {:?}", c.get_ref()))
                })
            })
            .collect()
    };

    let id = check_id(&raw.id, "chain")?;
    let name = non_empty(&raw.name, "chain name")?;
    let region = regions().parse(raw.region.get_ref()).map_err(|e| {
        lines.error(raw.region.span(), format!("bad region code {:?}: {e}", raw.region.get_ref()))
    })?;
    let strong_threshold = match &raw.strong_threshold {
        None => default_threshold(),
        Some(t) if (1..=1000).contains(t.get_ref()) => *t.get_ref() as u32,
        Some(t) => {
            return Err(
                lines.error(t.span(), format!("strong_threshold {} must be between 1 and 1000", t.get_ref()))
            );
        }
    };
    let min_strength = match &raw.min_strength {
        None => DEFAULT_MIN_STRENGTH,
        Some(m) if (0.0..=1.0).contains(m.get_ref()) => *m.get_ref(),
        Some(m) => {
            return Err(
                lines.error(m.span(), format!("min_strength {} must be between 0 and 1", m.get_ref()))
            );
        }
    };
    for entry in &raw.source_regions {
        regions().expand_group(entry.get_ref()).map_err(|e| {
            lines.error(entry.span(), format!("bad source region {:?}: {e}", entry.get_ref()))
        })?;
    }
    let mut scoring = BTreeMap::new();
    for (factor, weight) in &raw.scoring {
        if !SCORING_FACTORS.contains(&factor.get_ref().as_str()) {
            return Err(lines.error(
                factor.span(),
                format!(
                    "unknown scoring factor {:?}; known: {}",
                    factor.get_ref(),
                    SCORING_FACTORS.join(", ")
                ),
            ));
        }
        if !weight.get_ref().is_finite() || *weight.get_ref() < 0.0 || *weight.get_ref() > 1000.0 {
            return Err(lines.error(
                weight.span(),
                format!("scoring weight {} must be between 0 and 1000", weight.get_ref()),
            ));
        }
        scoring.insert(factor.get_ref().clone(), *weight.get_ref());
    }
    if raw.links.is_empty() {
        return Err(lines.error(raw.id.span(), "a chain needs at least one [[links]] entry"));
    }
    if raw.links.len() > MAX_LINKS {
        return Err(lines.error(
            raw.id.span(),
            format!("a chain map has at most {MAX_LINKS} links; this one has {}", raw.links.len()),
        ));
    }

    let mut links = Vec::with_capacity(raw.links.len());
    let mut spans: HashMap<String, Range<usize>> = HashMap::new();
    for spanned in &raw.links {
        let l = spanned.get_ref();
        let link_id = check_id(&l.id, "link")?;
        if spans.insert(link_id.clone(), l.id.span()).is_some() {
            return Err(lines.error(l.id.span(), format!("duplicate link id {link_id:?}")));
        }
        let stage = match l.stage.get_ref().as_str() {
            "upstream" | "上游" => Stage::Upstream,
            "midstream" | "中游" => Stage::Midstream,
            "downstream" | "下游" => Stage::Downstream,
            other => {
                return Err(lines.error(
                    l.stage.span(),
                    format!("bad stage {other:?}: use upstream, midstream or downstream"),
                ));
            }
        };
        let mut keywords: Vec<String> = Vec::new();
        for k in &l.keywords {
            let k = non_empty(k, "keyword")?;
            if !keywords.contains(&k) {
                keywords.push(k);
            }
        }
        let mut context: Vec<KeywordContext> = Vec::new();
        for rule in &l.context {
            let r = rule.get_ref();
            let blank = |w: &String| w.trim().is_empty();
            if r.keyword.trim().is_empty() || r.with.iter().any(blank) || r.without.iter().any(blank) {
                return Err(lines.error(rule.span(), "a context entry has an empty keyword or word"));
            }
            if r.with.is_empty() && r.without.is_empty() {
                return Err(lines.error(
                    rule.span(),
                    format!("context for {:?} has neither `with` nor `without`", r.keyword),
                ));
            }
            if context.iter().any(|c| c.keyword == r.keyword) {
                return Err(lines.error(rule.span(), format!("context for {:?} is given twice", r.keyword)));
            }
            context.push(r.clone());
        }
        links.push(Link {
            id: link_id,
            context,
            name: non_empty(&l.name, "link name")?,
            stage,
            parent: l.parent.as_ref().map(|p| p.get_ref().clone()),
            key: l.key,
            restricted: l.restricted,
            keywords,
            exclude: l.exclude.iter().map(|k| non_empty(k, "exclude word")).collect::<Result<_, _>>()?,
            industry_codes: industry(&l.industry_codes)?,
            description: l.description.clone(),
        });
    }

    // Parents must exist and must not form a cycle.
    let parent_of: HashMap<&str, &str> =
        links.iter().filter_map(|l| l.parent.as_deref().map(|p| (l.id.as_str(), p))).collect();
    for spanned in &raw.links {
        let l = spanned.get_ref();
        if let Some(p) = &l.parent {
            if !spans.contains_key(p.get_ref()) {
                return Err(
                    lines.error(p.span(), format!("parent {:?} is not a link of this chain", p.get_ref()))
                );
            }
            // At most MAX_DEPTH steps up, each a map lookup: linear in the links, whatever the
            // nesting (a 4,000-deep chain took 27 s to store before this bound, issue 17).
            let mut seen = HashSet::new();
            let mut at = l.id.get_ref().as_str();
            let mut depth = 0;
            while let Some(&next) = parent_of.get(at) {
                if !seen.insert(at) {
                    return Err(lines.error(
                        p.span(),
                        format!("cycle in parent: {} leads back to itself", l.id.get_ref()),
                    ));
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(lines.error(
                        p.span(),
                        format!(
                            "links nest at most {MAX_DEPTH} deep under a top link; {} is deeper",
                            l.id.get_ref()
                        ),
                    ));
                }
                at = next;
            }
        }
    }

    let mut flows = Vec::new();
    let mut seen_flows = HashSet::new();
    for spanned in &raw.flows {
        let f = spanned.get_ref();
        for end in [&f.from, &f.to] {
            let v = end.get_ref();
            let ok = if v.contains('/') { LinkRef::parse(v).is_some() } else { spans.contains_key(v) };
            if !ok {
                return Err(lines.error(end.span(), format!("flow names unknown link {v:?}")));
            }
        }
        if f.from.get_ref() == f.to.get_ref() {
            return Err(lines.error(f.from.span(), format!("flow from {:?} to itself", f.from.get_ref())));
        }
        if seen_flows.insert((f.from.get_ref().clone(), f.to.get_ref().clone())) {
            flows.push(Flow { from: f.from.get_ref().clone(), to: f.to.get_ref().clone() });
        }
    }

    Ok(Chain {
        id,
        name,
        sector: raw.sector,
        region,
        owner: raw.owner,
        lead_department: raw.lead_department,
        description: raw.description,
        source: raw.source,
        industry_codes: industry(&raw.industry_codes)?,
        strong_threshold,
        min_strength,
        chain_masters: raw.chain_masters,
        source_regions: raw.source_regions.into_iter().map(Spanned::into_inner).collect(),
        scoring,
        links,
        flows,
    })
}

/// Checks flows that point into other chains: the chain must be known (`known` maps chain id to
/// its link ids) and must have the link. Returns the first bad flow in words.
pub fn check_cross_chain_flows(
    chain: &Chain,
    known: &HashMap<String, HashSet<String>>,
) -> Result<(), String> {
    for flow in &chain.flows {
        for end in [&flow.from, &flow.to] {
            let Some(r) = LinkRef::parse(end) else { continue };
            let links = if r.chain == chain.id {
                Some(chain.links.iter().map(|l| l.id.clone()).collect())
            } else {
                known.get(&r.chain).cloned()
            };
            match links {
                None => {
                    return Err(format!(
                        "flow {} → {} names unknown chain {:?}",
                        flow.from, flow.to, r.chain
                    ));
                }
                Some(ids) if !ids.contains(&r.link) => {
                    return Err(format!(
                        "flow {} → {} names unknown link {:?} of chain {:?}",
                        flow.from, flow.to, r.link, r.chain
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "test-chain"
name = "测试链"
region = "320400"
source = "authored for tests"

[[links]]
id = "materials"
name = "材料"
stage = "upstream"

[[links]]
id = "cathode"
name = "正极材料"
stage = "upstream"
parent = "materials"
key = true
keywords = ["正极材料", "磷酸铁锂"]
industry_codes = ["2613"]

[[links]]
id = "cell"
name = "电芯"
stage = "midstream"

[[flows]]
from = "cathode"
to = "cell"
"#;

    fn err_of(text: &str) -> (usize, String) {
        match parse_chain_toml("x.toml", text) {
            Err(Error::InvalidChain(p)) => (p[0].line, p[0].reason.clone()),
            other => panic!("expected an invalid chain, got {other:?}"),
        }
    }

    #[test]
    fn a_good_file_parses_with_defaults_and_normalised_codes() {
        let chain = parse_chain_toml("x.toml", GOOD).unwrap();
        assert_eq!(chain.region.to_string(), "320400");
        assert_eq!(chain.strong_threshold, 3);
        assert_eq!(chain.links.len(), 3);
        assert_eq!(chain.link("cathode").unwrap().industry_codes, vec!["C2613"]);
        assert_eq!(chain.flows, vec![Flow { from: "cathode".into(), to: "cell".into() }]);
    }

    #[test]
    fn a_flow_to_an_unknown_link_names_its_line() {
        let text = GOOD.replace("to = \"cell\"", "to = \"anode\"");
        let (line, reason) = err_of(&text);
        assert_eq!(line, 28);
        assert!(reason.contains("anode"), "{reason}");
    }

    #[test]
    fn duplicate_ids_bad_stages_and_unknown_keys_are_rejected() {
        let (line, reason) = err_of(&GOOD.replace("id = \"cell\"", "id = \"cathode\""));
        assert_eq!(line, 22);
        assert!(reason.contains("duplicate"));
        let (line, reason) = err_of(&GOOD.replace("stage = \"midstream\"", "stage = \"middle\""));
        assert_eq!(line, 24);
        assert!(reason.contains("middle"));
        let (line, reason) = err_of(&GOOD.replace("key = true", "kye = true"));
        assert_eq!(line, 17);
        assert!(reason.contains("kye"), "{reason}");
    }

    #[test]
    fn a_parent_cycle_is_rejected() {
        let text = GOOD.replace(
            "stage = \"upstream\"\n\n[[links]]\nid = \"cathode\"",
            "stage = \"upstream\"\nparent = \"cathode\"\n\n[[links]]\nid = \"cathode\"",
        );
        let (_, reason) = err_of(&text);
        assert!(reason.contains("cycle"), "{reason}");
    }

    #[test]
    fn bad_regions_industry_codes_and_malformed_toml_are_rejected() {
        let (line, reason) = err_of(&GOOD.replace("320400", "329999"));
        assert_eq!(line, 4);
        assert!(reason.contains("329999"));
        let (_, reason) = err_of(&GOOD.replace("\"2613\"", "\"9999\""));
        assert!(reason.contains("9999"));
        let (line, _) = err_of(&GOOD.replace("name = \"电芯\"", "name = \"电芯"));
        assert_eq!(line, 23);
    }

    #[test]
    fn cross_chain_flows_need_a_known_chain_and_link() {
        let text = GOOD.replace("from = \"cathode\"", "from = \"other/mine\"");
        let chain = parse_chain_toml("x.toml", &text).unwrap();
        let mut known = HashMap::new();
        assert!(check_cross_chain_flows(&chain, &known).unwrap_err().contains("unknown chain"));
        known.insert("other".to_string(), HashSet::from(["quarry".to_string()]));
        assert!(check_cross_chain_flows(&chain, &known).unwrap_err().contains("mine"));
        known.insert("other".to_string(), HashSet::from(["mine".to_string()]));
        assert!(check_cross_chain_flows(&chain, &known).is_ok());
    }
}
