//! The presentation layer: the JSON shapes of SPEC §8, built from the graph and the store. The
//! HTTP handlers, the CLI's `--json` and the exports (SVG, spreadsheets) all render these, so
//! they can never drift apart, and no layer above depends on another (`api`, `cli` and `export`
//! each use `views`; none uses the others). Stored records are not API types: each has a view.
//! Every view derives `JsonSchema`, which is how `/openapi.json` describes it.

pub mod geo;
pub mod geo_svg;
pub mod projects;
pub mod svg;

use crate::export::{Cell, Sheet};
use crate::graph::{Evidence, Graph};
use crate::leads::{ChainLeads, Direction, Kind, Reason, TargetLink, classify};
use crate::model::{LinkRef, regions};
use serde::Serialize;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct StatusCounts {
    pub strong: usize,
    pub weak: usize,
    pub missing: usize,
}

/// Target links by lead kind.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub struct KindCounts {
    pub fill: usize,
    pub extend: usize,
    pub strengthen: usize,
}

fn kind_counts(targets: &[TargetLink]) -> KindCounts {
    let n = |k| targets.iter().filter(|t| t.kind == k).count();
    KindCounts { fill: n(Kind::Fill), extend: n(Kind::Extend), strengthen: n(Kind::Strengthen) }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ChainSummary {
    pub id: String,
    pub name: String,
    pub sector: String,
    pub region: String,
    pub region_name: String,
    pub owner: Option<String>,
    pub lead_department: Option<String>,
    pub n_links: usize,
    pub counts: StatusCounts,
    /// Target links by the kind of lead they call for.
    pub leads: KindCounts,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ChainList {
    pub chains: Vec<ChainSummary>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LocalEnterprise {
    pub id: String,
    pub name: String,
    pub region: String,
    pub leader: bool,
    /// Why it is in this link (or the sub-link it came from): explicit, or product + keyword.
    pub evidence: Vec<EvidenceView>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EvidenceView {
    pub link: String,
    #[serde(flatten)]
    pub evidence: Evidence,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LinkView {
    pub id: String,
    pub name: String,
    pub stage: crate::model::Stage,
    pub parent: Option<String>,
    pub key: bool,
    pub restricted: bool,
    pub keywords: Vec<String>,
    pub industry_codes: Vec<String>,
    pub status: crate::graph::LinkState,
    pub local_count: usize,
    pub member_count: usize,
    pub local_enterprises: Vec<LocalEnterprise>,
    /// The lead kind this link calls for, when it is a target (补链/延链/强链).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_kind: Option<Kind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// The best candidates for this link, when it is a target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub top_candidates: Vec<CandidateView>,
    /// Projects on this link in progress today (an active stage, SPEC §10).
    pub projects_in_progress: usize,
}

/// A candidate shown on the chain map.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CandidateView {
    pub id: String,
    pub name: String,
    pub region_name: String,
    pub score: f64,
}

/// 链主: designated in the chain file, or else the strongest local enterprise of the chain.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ChainMasterView {
    pub name: String,
    pub id: Option<String>,
    pub designated: bool,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FlowView {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ChainDetail {
    pub id: String,
    pub name: String,
    pub sector: String,
    pub region: String,
    pub region_name: String,
    pub owner: Option<String>,
    pub lead_department: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub industry_codes: Vec<String>,
    pub strong_threshold: u32,
    pub chain_masters: Vec<ChainMasterView>,
    pub source_regions: Vec<String>,
    pub counts: StatusCounts,
    pub leads: KindCounts,
    pub links: Vec<LinkView>,
    pub flows: Vec<FlowView>,
}

pub fn chain_list(graph: &Graph) -> ChainList {
    let chains = graph
        .chains()
        .map(|c| {
            let (strong, weak, missing) = graph.chain_status(&c.id).map(|s| s.counts()).unwrap_or_default();
            ChainSummary {
                id: c.id.clone(),
                name: c.name.clone(),
                sector: c.sector.clone(),
                region: c.region.to_string(),
                region_name: regions().full_name(c.region),
                owner: c.owner.clone(),
                lead_department: c.lead_department.clone(),
                n_links: c.links.len(),
                counts: StatusCounts { strong, weak, missing },
                leads: kind_counts(&classify(graph, c)),
            }
        })
        .collect();
    ChainList { chains }
}

/// 链主 of a chain: the designated ones (resolved where the data knows them), else the strongest
/// local member — a leader first, then the largest registered capital.
fn chain_masters(
    graph: &Graph,
    chain: &crate::model::Chain,
    status: &crate::graph::ChainStatus,
) -> Vec<ChainMasterView> {
    if !chain.chain_masters.is_empty() {
        return chain
            .chain_masters
            .iter()
            .map(|m| {
                let id = graph.resolve_partner(m);
                let name =
                    id.and_then(|i| graph.enterprise(i)).map(|e| e.name.clone()).unwrap_or_else(|| m.clone());
                ChainMasterView { name, id: id.map(|i| i.to_string()), designated: true }
            })
            .collect();
    }
    let mut locals: Vec<&crate::graph::EnterpriseBrief> = status
        .links
        .iter()
        .flat_map(|l| graph.local_enterprises(&LinkRef { chain: chain.id.clone(), link: l.link.clone() }, 1))
        .collect();
    locals.sort_by(|a, b| {
        b.leader
            .cmp(&a.leader)
            .then(b.registered_capital.unwrap_or(0.0).total_cmp(&a.registered_capital.unwrap_or(0.0)))
            .then(a.id.cmp(&b.id))
    });
    locals
        .first()
        .map(|e| {
            vec![ChainMasterView { name: e.name.clone(), id: Some(e.id.to_string()), designated: false }]
        })
        .unwrap_or_default()
}

/// What the chain map shows (CLI `chain`, `GET /chains/{id}`, the SVG): statuses, local
/// enterprises (`per_link` each), lead kinds and today's best candidates per link.
pub fn chain_map_view(app: &crate::app::App, id: &str, per_link: usize) -> crate::Result<ChainDetail> {
    let query = crate::leads::LeadQuery {
        region: None,
        as_of: crate::app::today(),
        kind: None,
        link: None,
        limit: 2000,
        offset: 0,
        dismissed: Default::default(),
    };
    let leads = app.leads(id, query)?;
    let mut detail = chain_detail_with_leads(&app.graph(), id, per_link, Some(&leads))
        .ok_or_else(|| crate::Error::NotFound(format!("chain {id:?}")))?;
    let book = app.book();
    let today = crate::app::today();
    let mut in_progress: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for e in book.entries().iter().filter(|e| e.project.chain.as_deref() == Some(id)) {
        if let Some(link) = e.project.link.as_deref()
            && crate::projects::state::state_on(&e.events, today).stage.is_active()
        {
            *in_progress.entry(link).or_default() += 1;
        }
    }
    for link in &mut detail.links {
        link.projects_in_progress = in_progress.get(link.id.as_str()).copied().unwrap_or(0);
    }
    Ok(detail)
}

/// The chain with every link's status and local enterprises (at most `per_link` listed each),
/// the lead kind of each target link and its best candidates from `leads`.
pub fn chain_detail(graph: &Graph, id: &str, per_link: usize) -> Option<ChainDetail> {
    chain_detail_with_leads(graph, id, per_link, None)
}

pub fn chain_detail_with_leads(
    graph: &Graph,
    id: &str,
    per_link: usize,
    leads: Option<&ChainLeads>,
) -> Option<ChainDetail> {
    let chain = graph.chain(id)?;
    let status = graph.chain_status(id)?;
    let targets = match leads {
        Some(l) => l.targets.clone(),
        None => classify(graph, chain),
    };
    let subtrees = crate::graph::subtrees(chain);
    let links = chain
        .links
        .iter()
        .zip(&status.links)
        .map(|(link, s)| {
            let r = LinkRef { chain: chain.id.clone(), link: link.id.clone() };
            let local_enterprises = graph
                .local_enterprises(&r, per_link)
                .into_iter()
                .map(|brief| {
                    let evidence = graph
                        .links_of(brief.id)
                        .into_iter()
                        .filter(|m| {
                            m.counted
                                && m.link.chain == chain.id
                                && subtrees[link.id.as_str()].contains(&m.link.link.as_str())
                        })
                        .flat_map(|m| {
                            let link = m.link.link;
                            m.evidence
                                .into_iter()
                                .map(move |evidence| EvidenceView { link: link.clone(), evidence })
                        })
                        .collect();
                    LocalEnterprise {
                        id: brief.id.to_string(),
                        name: brief.name.clone(),
                        region: brief.region.to_string(),
                        leader: brief.leader,
                        evidence,
                    }
                })
                .collect();
            let target = targets.iter().find(|t| t.link == link.id);
            let top_candidates = leads
                .map(|l| {
                    l.leads
                        .iter()
                        .filter(|lead| lead.link.as_deref() == Some(link.id.as_str()))
                        .take(3)
                        .filter_map(|lead| {
                            let e = graph.enterprise(lead.enterprise)?;
                            Some(CandidateView {
                                id: e.id.to_string(),
                                name: e.name.clone(),
                                region_name: regions().full_name(e.region),
                                score: lead.score,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            LinkView {
                lead_kind: target.map(|t| t.kind),
                direction: target.and_then(|t| t.direction),
                top_candidates,
                id: link.id.clone(),
                name: link.name.clone(),
                stage: link.stage,
                parent: link.parent.clone(),
                key: link.key,
                restricted: link.restricted,
                keywords: link.keywords.clone(),
                industry_codes: link.industry_codes.clone(),
                status: s.status,
                local_count: s.local_count,
                member_count: s.member_count,
                local_enterprises,
                projects_in_progress: 0,
            }
        })
        .collect();
    let (strong, weak, missing) = status.counts();
    Some(ChainDetail {
        id: chain.id.clone(),
        name: chain.name.clone(),
        sector: chain.sector.clone(),
        region: chain.region.to_string(),
        region_name: regions().full_name(chain.region),
        owner: chain.owner.clone(),
        lead_department: chain.lead_department.clone(),
        description: chain.description.clone(),
        source: chain.source.clone(),
        industry_codes: chain.industry_codes.clone(),
        strong_threshold: chain.strong_threshold,
        chain_masters: chain_masters(graph, chain, &status),
        source_regions: chain.source_regions.clone(),
        counts: StatusCounts { strong, weak, missing },
        leads: kind_counts(&targets),
        links,
        flows: chain.flows.iter().map(|f| FlowView { from: f.from.clone(), to: f.to.clone() }).collect(),
    })
}

/// The enterprise part of a lead.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LeadEnterprise {
    pub id: String,
    pub name: String,
    pub region: String,
    pub region_name: String,
    pub tags: Vec<String>,
    pub registered_capital: Option<f64>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LeadView {
    pub enterprise: LeadEnterprise,
    pub link: Option<String>,
    pub link_name: Option<String>,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    pub score: f64,
    /// How much of the firm the target link is, in [0, 1] (SPEC §11).
    pub fit: f64,
    pub reasons: Vec<Reason>,
    /// The project this lead was taken up as (SPEC §10), if any.
    pub project: Option<LeadProject>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LeadProject {
    pub id: String,
    pub stage: crate::model::project::Stage,
    pub unit: String,
}

/// `GET /api/v1/chains/{id}/leads` (SPEC §8), with the target links and the total.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LeadsView {
    pub chain: String,
    pub chain_name: String,
    pub region: String,
    pub region_name: String,
    pub as_of: chrono::NaiveDate,
    pub total: usize,
    pub targets: Vec<TargetLink>,
    pub leads: Vec<LeadView>,
}

pub fn leads_view(graph: &Graph, book: &crate::projects::Book, l: ChainLeads) -> LeadsView {
    let chain = graph.chain(&l.chain);
    let region = chain.map(|c| c.region);
    // The newest project on this chain for each enterprise.
    let mut taken: std::collections::HashMap<crate::model::EnterpriseId, &crate::projects::Entry> =
        std::collections::HashMap::new();
    for e in book.entries().iter().filter(|e| e.project.chain.as_deref() == Some(l.chain.as_str())) {
        taken.insert(e.project.enterprise, e);
    }
    let today = crate::app::today();
    let leads = l
        .leads
        .into_iter()
        .filter_map(|lead| {
            let e = graph.enterprise(lead.enterprise)?;
            Some(LeadView {
                enterprise: LeadEnterprise {
                    id: e.id.to_string(),
                    name: e.name.clone(),
                    region: e.region.to_string(),
                    region_name: regions().full_name(e.region),
                    tags: e.tags.to_vec(),
                    registered_capital: e.registered_capital,
                },
                link: lead.link,
                link_name: lead.link_name,
                kind: lead.kind,
                direction: lead.direction,
                score: lead.score,
                fit: lead.fit,
                reasons: lead.reasons,
                project: taken.get(&lead.enterprise).map(|p| LeadProject {
                    id: p.project.id.to_string(),
                    stage: crate::projects::state::state_on(&p.events, today).stage,
                    unit: p.project.unit.clone(),
                }),
            })
        })
        .collect();
    LeadsView {
        chain_name: chain.map(|c| c.name.clone()).unwrap_or_default(),
        region: region.map(|r| r.to_string()).unwrap_or_default(),
        region_name: region.map(|r| regions().full_name(r)).unwrap_or_default(),
        chain: l.chain,
        as_of: l.as_of,
        total: l.total,
        targets: l.targets,
        leads,
    }
}

/// The lead list as a spreadsheet: one row per lead, reasons in one column.
pub fn leads_sheet(v: &LeadsView) -> Sheet {
    let rows = v
        .leads
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let kind = match l.direction {
                Some(d) => format!("{}（{}）", l.kind.chinese(), d.chinese()),
                None => l.kind.chinese().to_string(),
            };
            vec![
                Cell::Number((i + 1) as f64),
                Cell::Text(l.enterprise.name.clone()),
                Cell::Text(l.enterprise.region_name.clone()),
                Cell::Text(l.link_name.clone().unwrap_or_else(|| "（以商招商）".into())),
                Cell::Text(kind),
                Cell::Number(l.score),
                Cell::Number((l.fit * 100.0).round()),
                Cell::Text(
                    l.reasons
                        .iter()
                        .map(|r| format!("{}（+{:.1}）", r.text, r.contribution))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                Cell::Text(l.enterprise.tags.join("、")),
                l.enterprise.registered_capital.map(Cell::Number).unwrap_or(Cell::Empty),
                Cell::Text(l.enterprise.id.clone()),
            ]
        })
        .collect();
    Sheet {
        name: format!("{}招商线索", v.chain_name).chars().take(31).collect(),
        header: vec![
            "排名",
            "企业名称",
            "所在地区",
            "目标环节",
            "类型",
            "得分",
            "契合度（%）",
            "推荐理由",
            "标签",
            "注册资本（万元）",
            "企业ID",
        ],
        widths: vec![6.0, 36.0, 20.0, 16.0, 12.0, 8.0, 10.0, 70.0, 18.0, 14.0, 12.0],
        rows,
    }
}

// ---- the rest of the API's bodies (SPEC §8 and the extensions in ARCHITECTURE.md) ----

/// `GET /api/v1/health`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Health {
    /// Always `ok` when the service answers.
    pub status: String,
    pub enterprises: usize,
    pub chains: usize,
}

/// `GET /api/v1/session`: who the caller is, so the pages show only what the role may do.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Session {
    pub name: String,
    pub role: Option<crate::model::Role>,
    pub public_read: bool,
    pub can_read: bool,
    /// The token's unit (SPEC §10), when it has one.
    pub unit: Option<String>,
}

/// One chain link an enterprise belongs to, and why.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EnterpriseLink {
    pub chain: String,
    pub link: String,
    /// 链名·环节名.
    pub name: Option<String>,
    pub evidence: Vec<Evidence>,
    /// How much of the firm this link is, in [0, 1] (SPEC §11).
    pub strength: f64,
    /// Below the chain's `min_strength`: shown as evidence, counted for nothing.
    pub weak: bool,
}

/// An upstream or downstream partner, resolved to a stored enterprise where the data knows it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PartnerView {
    pub enterprise: String,
    pub relation: crate::model::Relation,
    pub id: Option<String>,
}

/// `GET /api/v1/enterprises/{id}` (and the answer to a create or replace): the record as stored,
/// with its region's full name, its chain links and why, and its partners resolved.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EnterpriseView {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    pub name: String,
    pub aliases: Vec<String>,
    pub region: String,
    pub region_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 注册资本, 万元 (of `registered_capital_currency` when that is given, else 人民币).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_capital: Option<f64>,
    /// ISO code of the capital's currency when it is not 人民币 (`USD`, `HKD`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_capital_currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub founded: Option<chrono::NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_code: Option<String>,
    pub tags: Vec<String>,
    pub products: Vec<crate::model::Product>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Links it is explicitly placed in (`chain/link`).
    pub links: Vec<String>,
    pub signals: Vec<crate::model::Signal>,
    pub restricted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub chain_links: Vec<EnterpriseLink>,
    pub partners: Vec<PartnerView>,
}

pub fn enterprise_view(graph: &Graph, e: &crate::model::Enterprise) -> EnterpriseView {
    let chain_links = graph
        .links_of(e.id)
        .into_iter()
        .map(|m| {
            let r = m.link;
            let name =
                graph.chain(&r.chain).and_then(|c| c.link(&r.link).map(|l| format!("{}·{}", c.name, l.name)));
            EnterpriseLink {
                chain: r.chain,
                link: r.link,
                name,
                evidence: m.evidence,
                strength: m.strength,
                weak: !m.counted,
            }
        })
        .collect();
    let partners = e
        .partners
        .iter()
        .map(|p| PartnerView {
            enterprise: p.enterprise.clone(),
            relation: p.relation,
            id: graph.resolve_partner(&p.enterprise).map(|id| id.to_string()),
        })
        .collect();
    EnterpriseView {
        id: e.id.to_string(),
        credit_code: e.credit_code.as_ref().map(|c| c.as_str().to_string()),
        name: e.name.clone(),
        aliases: e.aliases.clone(),
        region: e.region.to_string(),
        region_name: regions().full_name(e.region),
        address: e.address.clone(),
        registered_capital: e.registered_capital,
        registered_capital_currency: e.registered_capital_currency.clone(),
        founded: e.founded,
        stock_code: e.stock_code.clone(),
        tags: e.tags.clone(),
        products: e.products.clone(),
        description: e.description.clone(),
        links: e.links.iter().map(|l| format!("{}/{}", l.chain, l.link)).collect(),
        signals: e.signals.clone(),
        restricted: e.restricted,
        source: e.source.clone(),
        chain_links,
        partners,
    }
}

/// `GET /api/v1/enterprises/{id}/leads`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EnterpriseLeads {
    pub enterprise: String,
    pub leads: Vec<crate::app::Standing>,
}

/// The answer to a dismissal.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Dismissed {
    pub dismissed: bool,
    pub enterprise: String,
}

/// The answer to `POST /api/v1/tokens`: the secret is in this answer only.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TokenCreated {
    pub id: String,
    pub token: String,
    pub role: crate::model::Role,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// `GET /api/v1/audit`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AuditList {
    pub entries: Vec<crate::store::AuditEntry>,
}

// ---- request bodies (described for `/openapi.json`; the handlers parse them leniently) ----

/// `PATCH /api/v1/chains/{id}`: what a leader changes often. Fields left out stay as they are;
/// `null` or `""` clears the owner or department.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the handler reads it field by field (absent ≠ null); this is its schema
pub struct ChainPatchBody {
    pub owner: Option<String>,
    pub lead_department: Option<String>,
    /// The link ids that are key links (关键环节); every other link is not. `null`: none is.
    pub key_links: Option<Vec<String>>,
}

/// `POST /api/v1/chains/{id}/leads/{enterprise}/dismiss`.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissBody {
    /// Why it is not to be suggested again (must not be empty).
    pub reason: String,
}

/// `POST /api/v1/tokens`.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub role: crate::model::Role,
    /// Who or what the token is for (must not be blank).
    #[schemars(length(min = 1))]
    pub name: String,
    /// A unit id: the token writes (and reads) only that unit's subtree's projects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[cfg(test)]
mod tests {
    /// Every `.rs` file under `src/` + `dir`, with its text.
    fn sources(dir: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
            }
        }
        out
    }

    #[test]
    fn the_layers_have_no_cycles() {
        let uses = |layer: &str| format!("crate::{layer}");
        for (dir, forbidden) in [
            ("views", &["api", "cli", "web"][..]),
            ("export", &["api", "cli", "views", "web"][..]),
            ("web", &["api", "cli", "export"][..]),
        ] {
            for (file, text) in sources(dir) {
                for layer in forbidden {
                    let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
                    assert!(!code.contains(&uses(layer)), "{file} uses {}", uses(layer));
                }
            }
        }
    }
}

/// `import enterprises --dry-run` and the import page's preview: the report (with the column
/// mapping) and the first enterprises as they would be stored. Nothing is stored.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ImportPreview {
    pub dry_run: bool,
    pub report: crate::import::ImportReport,
    pub sample: Vec<PreviewRow>,
}

/// `GET /api/v1/imports/headers`: the header words recognised for one field.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct HeaderSynonyms {
    pub field: String,
    pub headers: Vec<String>,
}

/// One enterprise as an import would store it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PreviewRow {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    pub region: String,
    pub region_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_capital: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_capital_currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub founded: Option<chrono::NaiveDate>,
    pub aliases: Vec<String>,
    pub products: Vec<crate::model::Product>,
}

impl ImportPreview {
    pub fn new(report: crate::import::ImportReport, sample: &[crate::model::Enterprise]) -> Self {
        let sample = sample
            .iter()
            .map(|e| PreviewRow {
                name: e.name.clone(),
                credit_code: e.credit_code.as_ref().map(|c| c.as_str().to_string()),
                region: e.region.to_string(),
                region_name: regions().full_name(e.region),
                address: e.address.clone(),
                registered_capital: e.registered_capital,
                registered_capital_currency: e.registered_capital_currency.clone(),
                founded: e.founded,
                aliases: e.aliases.clone(),
                products: e.products.clone(),
            })
            .collect();
        ImportPreview { dry_run: true, report, sample }
    }
}
