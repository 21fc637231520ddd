//! The JSON shapes of SPEC §8, built from the graph. The HTTP handlers and the CLI's `--json`
//! both print these, so the two can never drift apart. Stored records are not API types.

use crate::graph::{Evidence, Graph};
use crate::model::{LinkRef, regions};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct StatusCounts {
    pub strong: usize,
    pub weak: usize,
    pub missing: usize,
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
    pub chain_masters: Vec<String>,
    pub source_regions: Vec<String>,
    pub counts: StatusCounts,
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
            }
        })
        .collect();
    ChainList { chains }
}

/// The chain with every link's status and local enterprises (at most `per_link` listed each).
pub fn chain_detail(graph: &Graph, id: &str, per_link: usize) -> Option<ChainDetail> {
    let chain = graph.chain(id)?;
    let status = graph.chain_status(id)?;
    let subtrees = crate::graph::subtrees(chain);
    let links = chain
        .links
        .iter()
        .zip(&status.links)
        .map(|(link, s)| {
            let local_enterprises = s
                .local_enterprises
                .iter()
                .take(per_link)
                .filter_map(|eid| {
                    let brief = graph.enterprise(*eid)?;
                    let evidence = graph
                        .links_of(*eid)
                        .into_iter()
                        .filter(|(r, _)| {
                            r.chain == chain.id && subtrees[link.id.as_str()].contains(&r.link.as_str())
                        })
                        .flat_map(|(r, ev)| {
                            ev.iter().map(move |e| EvidenceView { link: r.link.clone(), evidence: e.clone() })
                        })
                        .collect();
                    Some(LocalEnterprise {
                        id: brief.id.to_string(),
                        name: brief.name.clone(),
                        region: brief.region.to_string(),
                        leader: brief.leader,
                        evidence,
                    })
                })
                .collect();
            LinkView {
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
        chain_masters: chain.chain_masters.clone(),
        source_regions: chain.source_regions.clone(),
        counts: StatusCounts { strong, weak, missing },
        links,
        flows: chain.flows.iter().map(|f| FlowView { from: f.from.clone(), to: f.to.clone() }).collect(),
    })
}

/// `chain-id/link-id` for a link of a chain.
pub fn link_ref(chain: &str, link: &str) -> String {
    LinkRef { chain: chain.to_string(), link: link.to_string() }.to_string()
}
