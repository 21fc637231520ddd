//! The JSON shapes of SPEC §8, built from the graph. The HTTP handlers and the CLI's `--json`
//! both print these, so the two can never drift apart. Stored records are not API types.

use crate::export::{Cell, Sheet};
use crate::graph::{Evidence, Graph};
use crate::leads::{ChainLeads, Direction, Kind, Reason, TargetLink, classify};
use crate::model::{LinkRef, regions};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct StatusCounts {
    pub strong: usize,
    pub weak: usize,
    pub missing: usize,
}

/// Target links by lead kind.
#[derive(Debug, Default, Serialize)]
pub struct KindCounts {
    pub fill: usize,
    pub extend: usize,
    pub strengthen: usize,
}

fn kind_counts(targets: &[TargetLink]) -> KindCounts {
    let n = |k| targets.iter().filter(|t| t.kind == k).count();
    KindCounts { fill: n(Kind::Fill), extend: n(Kind::Extend), strengthen: n(Kind::Strengthen) }
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct ChainList {
    pub chains: Vec<ChainSummary>,
}

#[derive(Debug, Serialize)]
pub struct LocalEnterprise {
    pub id: String,
    pub name: String,
    pub region: String,
    pub leader: bool,
    /// Why it is in this link (or the sub-link it came from): explicit, or product + keyword.
    pub evidence: Vec<EvidenceView>,
}

#[derive(Debug, Serialize)]
pub struct EvidenceView {
    pub link: String,
    #[serde(flatten)]
    pub evidence: Evidence,
}

#[derive(Debug, Serialize)]
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
}

/// A candidate shown on the chain map.
#[derive(Debug, Serialize)]
pub struct CandidateView {
    pub id: String,
    pub name: String,
    pub region_name: String,
    pub score: f64,
}

/// 链主: designated in the chain file, or else the strongest local enterprise of the chain.
#[derive(Debug, Serialize)]
pub struct ChainMasterView {
    pub name: String,
    pub id: Option<String>,
    pub designated: bool,
}

#[derive(Debug, Serialize)]
pub struct FlowView {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Serialize)]
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
        as_of: crate::app::today(),
        kind: None,
        link: None,
        limit: 2000,
        offset: 0,
        dismissed: Default::default(),
    };
    let leads = app.leads(id, query)?;
    chain_detail_with_leads(&app.graph(), id, per_link, Some(&leads))
        .ok_or_else(|| crate::Error::NotFound(format!("chain {id:?}")))
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
                        .filter(|(r, _)| {
                            r.chain == chain.id && subtrees[link.id.as_str()].contains(&r.link.as_str())
                        })
                        .flat_map(|(r, ev)| {
                            ev.into_iter()
                                .map(move |evidence| EvidenceView { link: r.link.clone(), evidence })
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
#[derive(Debug, Serialize)]
pub struct LeadEnterprise {
    pub id: String,
    pub name: String,
    pub region: String,
    pub region_name: String,
    pub tags: Vec<String>,
    pub registered_capital: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct LeadView {
    pub enterprise: LeadEnterprise,
    pub link: Option<String>,
    pub link_name: Option<String>,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// `GET /api/v1/chains/{id}/leads` (SPEC §8), with the target links and the total.
#[derive(Debug, Serialize)]
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

pub fn leads_view(graph: &Graph, l: ChainLeads) -> LeadsView {
    let chain = graph.chain(&l.chain);
    let region = chain.map(|c| c.region);
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
                reasons: lead.reasons,
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
            "推荐理由",
            "标签",
            "注册资本（万元）",
            "企业ID",
        ],
        widths: vec![6.0, 36.0, 20.0, 16.0, 12.0, 8.0, 70.0, 18.0, 14.0, 12.0],
        rows,
    }
}
