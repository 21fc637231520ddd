//! Leads (SPEC §6): for one chain and its region, which enterprises to court and why.
//!
//! Pure functions over the graph: [`classify`] finds the target links (补链 / 延链 / 强链),
//! [`leads`] gathers candidates — enterprises outside the region in a target link, and suppliers
//! and customers of local enterprises (以商招商) — scores each with reasons and ranks them.
//! Every candidate is scored numerically first; reasons are written only for the page returned,
//! which keeps a chain over 1M enterprises fast.

mod classify;
mod compare;
mod geo;
mod score;

pub use compare::{Comparison, Destination, LinkComparison, RegionLink, compare, destinations};
pub use geo::{GeoCount, GeoCounts, geo};

pub use classify::{Direction, Kind, TargetLink, classify};
pub use score::{DEFAULT_WEIGHTS, EXPANSION_SIGNALS, Reason};

use crate::graph::Graph;
use crate::model::{Chain, EnterpriseId, LinkRef, RegionCode};
use chrono::NaiveDate;
use score::{Context, Tie};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What to compute.
#[derive(Debug, Clone)]
pub struct LeadQuery {
    pub as_of: NaiveDate,
    pub kind: Option<Kind>,
    /// Only leads for this link id.
    pub link: Option<String>,
    /// Only candidates located in this region (the map's click: a province, city or district).
    pub region: Option<RegionCode>,
    pub limit: usize,
    pub offset: usize,
    /// Enterprises dismissed for this chain.
    pub dismissed: HashSet<EnterpriseId>,
}

/// One lead.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Lead {
    pub enterprise: EnterpriseId,
    /// The target link; `None` for a supplier or customer in no link of the chain.
    pub link: Option<String>,
    pub link_name: Option<String>,
    pub kind: Kind,
    pub direction: Option<Direction>,
    pub score: f64,
    /// How strongly the firm is in the target link, in [0, 1] (SPEC §11); 0 without one.
    pub fit: f64,
    pub reasons: Vec<Reason>,
}

/// The leads of one chain, best first, with the target links they came from.
#[derive(Debug, Clone, Serialize)]
pub struct ChainLeads {
    pub chain: String,
    pub as_of: NaiveDate,
    pub targets: Vec<TargetLink>,
    /// Candidates before paging (after the kind/link filters).
    pub total: usize,
    pub leads: Vec<Lead>,
}

/// A candidate before reasons are written.
struct Candidate<'t> {
    enterprise: EnterpriseId,
    /// Where the candidate is (for the map's counts).
    region: RegionCode,
    target: Option<&'t TargetLink>,
    kind: Kind,
    direction: Option<Direction>,
    tie: Option<&'t Tie>,
    /// Membership strength in the target link (0 without one).
    fit: f64,
    score: f64,
}

/// Supply ties between local members of the chain and enterprises outside the region:
/// candidate → tie with a local enterprise (the first found, by id).
fn ties(graph: &Graph, chain: &Chain) -> HashMap<EnterpriseId, Tie> {
    let mut out: HashMap<EnterpriseId, Tie> = HashMap::new();
    for t in graph.supply_ties() {
        // Exactly one side local, and that side in this chain.
        let (candidate, local, candidate_supplies) =
            match (t.supplier_region.is_within(chain.region), t.customer_region.is_within(chain.region)) {
                (false, true) => (t.supplier, t.customer, true),
                (true, false) => (t.customer, t.supplier, false),
                _ => continue,
            };
        if !graph.is_in_chain(local, &chain.id) {
            continue;
        }
        let local_name = graph.enterprise(local).map(|e| e.name.clone()).unwrap_or_default();
        out.entry(candidate).or_insert(Tie { local_name, candidate_supplies });
    }
    out
}

/// What a chain's leads are drawn from: its target links and the supply ties of its local
/// enterprises. Depends only on the graph, so it can be kept until the graph changes.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub targets: Vec<TargetLink>,
    ties: HashMap<EnterpriseId, Tie>,
    /// Suppliers and customers in no link of the chain (以商招商 without a target link), by id
    /// with their regions: worked out once per graph version, not per request.
    loose: Vec<(EnterpriseId, RegionCode)>,
}

/// Analyses a chain, or `None` when there is no such chain.
pub fn analyse(graph: &Graph, chain_id: &str) -> Option<Analysis> {
    let chain = graph.chain(chain_id)?;
    let ties = ties(graph, chain);
    let mut loose: Vec<(EnterpriseId, RegionCode)> = ties
        .keys()
        .filter(|id| !graph.is_in_chain(**id, &chain.id))
        .filter_map(|id| graph.enterprise(*id).map(|e| (*id, e.region)))
        .collect();
    loose.sort_by_key(|(id, _)| *id);
    Some(Analysis { targets: classify(graph, chain), ties, loose })
}

/// Leads for `chain_id`, or `None` when there is no such chain.
pub fn leads(graph: &Graph, chain_id: &str, q: &LeadQuery) -> Option<ChainLeads> {
    rank(graph, chain_id, &analyse(graph, chain_id)?, q)
}

/// Scores and ranks the candidates of an analysed chain.
pub fn rank(graph: &Graph, chain_id: &str, analysis: &Analysis, q: &LeadQuery) -> Option<ChainLeads> {
    let chain = graph.chain(chain_id)?;
    let ctx = Context::new(chain, q.as_of);
    let candidates = ranked(graph, chain, analysis, q, &ctx);
    let total = candidates.len();
    let leads = candidates.into_iter().skip(q.offset).take(q.limit).map(|c| lead(graph, &ctx, c)).collect();
    Some(ChainLeads {
        chain: chain.id.clone(),
        as_of: q.as_of,
        targets: analysis.targets.clone(),
        total,
        leads,
    })
}

/// Where one enterprise stands among a chain's leads: each (1-based rank, lead) it has, and the
/// number of candidates. Used by the enterprise page ("the leads it appears in").
pub fn standing(
    graph: &Graph,
    chain_id: &str,
    analysis: &Analysis,
    q: &LeadQuery,
    enterprise: EnterpriseId,
) -> Option<(Vec<(usize, Lead)>, usize)> {
    let chain = graph.chain(chain_id)?;
    let ctx = Context::new(chain, q.as_of);
    let candidates = ranked(graph, chain, analysis, q, &ctx);
    let total = candidates.len();
    let mine = candidates
        .into_iter()
        .enumerate()
        .filter(|(_, c)| c.enterprise == enterprise)
        .map(|(i, c)| (i + 1, lead(graph, &ctx, c)))
        .collect();
    Some((mine, total))
}

/// A ranked candidate with its reasons written.
fn lead(graph: &Graph, ctx: &Context, c: Candidate) -> Lead {
    let e = graph.enterprise(c.enterprise).expect("candidate exists");
    let fit_text = || {
        let Some(t) = c.target else { return String::new() };
        let link = LinkRef { chain: ctx.chain.clone(), link: t.link.clone() };
        let evidence = graph.links_of(c.enterprise).into_iter().find(|m| m.link == link).map(|m| m.evidence);
        score::fit_text(&t.name, c.fit, evidence.as_deref().unwrap_or(&[]))
    };
    let reasons = score::reasons(ctx, c.target, e, c.tie, c.fit, &fit_text, true);
    Lead {
        enterprise: c.enterprise,
        link: c.target.map(|t| t.link.clone()),
        link_name: c.target.map(|t| t.name.clone()),
        kind: c.kind,
        direction: c.direction,
        score: (reasons.iter().map(|r| r.contribution).sum::<f64>() * 100.0).round() / 100.0,
        fit: (c.fit * 1000.0).round() / 1000.0,
        reasons,
    }
}

/// Every candidate of the chain that passes the query's filters, scored and best first.
fn ranked<'a>(
    graph: &'a Graph,
    chain: &Chain,
    analysis: &'a Analysis,
    q: &LeadQuery,
    ctx: &Context,
) -> Vec<Candidate<'a>> {
    let mut candidates =
        candidates(graph, chain, analysis, q, |t, e, tie, fit| score::score(ctx, t, e, tie, fit));
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.enterprise.cmp(&b.enterprise))
            .then(a.target.map(|t| &t.link).cmp(&b.target.map(|t| &t.link)))
    });
    candidates
}

/// Every candidate of the chain that passes the query's filters, in no particular order, scored
/// by `score_of` (the map's counts pass a constant: they need the candidates, not their order).
/// The one definition of who is a candidate, so the map's counts are the lead list's.
fn candidates<'a>(
    graph: &'a Graph,
    chain: &Chain,
    analysis: &'a Analysis,
    q: &LeadQuery,
    score_of: impl Fn(Option<&TargetLink>, &crate::graph::EnterpriseBrief, Option<&Tie>, f64) -> f64,
) -> Vec<Candidate<'a>> {
    let targets = &analysis.targets;
    let ties = &analysis.ties;
    let place = |r: RegionCode| !r.is_within(chain.region) && q.region.is_none_or(|f| r.is_within(f));
    let eligible = |e: &crate::graph::EnterpriseBrief| !e.restricted && !q.dismissed.contains(&e.id);

    let mut candidates: Vec<Candidate> = Vec::new();
    for t in targets {
        if q.kind.is_some_and(|k| k != t.kind) || q.link.as_ref().is_some_and(|l| *l != t.link) {
            continue;
        }
        for (e, fit) in
            graph.member_briefs_where(&LinkRef { chain: chain.id.clone(), link: t.link.clone() }, place)
        {
            if !eligible(e) {
                continue;
            }
            let tie = ties.get(&e.id);
            let score = score_of(Some(t), e, tie, fit);
            candidates.push(Candidate {
                enterprise: e.id,
                region: e.region,
                target: Some(t),
                kind: t.kind,
                direction: t.direction,
                tie,
                fit,
                score,
            });
        }
    }
    // Suppliers and customers in no link of this chain extend it up- or downstream.
    if q.link.is_none() && q.kind.is_none_or(|k| k == Kind::Extend) {
        for &(id, region) in &analysis.loose {
            if !place(region) {
                continue;
            }
            let (Some(e), Some(tie)) = (graph.enterprise(id).filter(|e| eligible(e)), ties.get(&id)) else {
                continue;
            };
            let direction = if tie.candidate_supplies { Direction::Upstream } else { Direction::Downstream };
            let score = score_of(None, e, Some(tie), 0.0);
            candidates.push(Candidate {
                enterprise: id,
                region: e.region,
                target: None,
                kind: Kind::Extend,
                direction: Some(direction),
                tie: Some(tie),
                fit: 0.0,
                score,
            });
        }
    }
    candidates
}

#[cfg(test)]
mod tests;
