//! 区域对标 (issue 15): a chain's link statuses in its own region beside another region's, link
//! by link, with the other region's leading firms where we are missing or weak; and the regions
//! strong in most of our missing or weak links ("where to go for 补链").
//!
//! Statuses for any region are read from the one graph by the rule of SPEC §6 (distinct counted
//! members of the link and its sub-links inside the region; strong at the chain's
//! `strong_threshold`), so no region keeps a copy of a chain.

use crate::geo::{MapLevel, unit_of};
use crate::graph::{EnterpriseBrief, Graph, LinkState};
use crate::model::{Chain, EnterpriseId, LinkRef, RegionCode};
use std::collections::{BTreeSet, HashMap, HashSet};

/// How many leading firms of the other region are named per link.
pub const LEADING: usize = 5;

/// One link in one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionLink {
    /// Distinct enterprises of the region in the link and its sub-links.
    pub count: usize,
    pub status: LinkState,
    /// A leader (上市公司, 专精特新小巨人, …) is among them.
    pub leader: bool,
}

/// One link, ours beside theirs.
#[derive(Debug, Clone)]
pub struct LinkComparison {
    pub link: String,
    /// A 两高 link the region will not pursue: compared, but nobody named and never a gap.
    pub restricted: bool,
    pub ours: RegionLink,
    pub theirs: RegionLink,
    /// Their leading firms in the link (leaders first, then registered capital), named where we
    /// are missing or weak — whom to visit there. Empty where we are strong or the link is
    /// restricted (两高).
    pub leading: Vec<EnterpriseId>,
}

/// A chain compared across two regions.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub chain: String,
    pub ours: RegionCode,
    pub theirs: RegionCode,
    pub links: Vec<LinkComparison>,
}

impl Comparison {
    /// Our missing or weak links (not restricted) where they are strong.
    pub fn they_fill(&self) -> impl Iterator<Item = &LinkComparison> {
        self.links.iter().filter(|l| {
            !l.restricted && l.ours.status != LinkState::Strong && l.theirs.status == LinkState::Strong
        })
    }
}

/// A region worth a trip: strong in some of our missing or weak links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub region: RegionCode,
    /// Our missing or weak links it is strong in, in the chain's order.
    pub strong_in: Vec<String>,
    /// Our missing or weak links it has firms in but is not strong in.
    pub weak_in: Vec<String>,
    /// Its distinct firms across our missing or weak links.
    pub firms: usize,
}

fn state(count: usize, threshold: usize) -> LinkState {
    match count {
        0 => LinkState::Missing,
        n if n < threshold => LinkState::Weak,
        _ => LinkState::Strong,
    }
}

/// Each link's own counted members inside `region` and outside our own (comparing with a region
/// that contains ours counts only the rest of it: our firms are nobody to visit), by link id. The walk over every membership
/// of the chain is the cost of a comparison (about a million memberships for a chain at 1M
/// enterprises), so the links are split over two threads, one per core of the target machine.
fn members_inside(graph: &Graph, chain: &Chain, region: RegionCode) -> HashMap<String, Vec<EnterpriseId>> {
    per_link(chain, |r| {
        graph
            .member_regions(r)
            .filter(|(_, g)| g.is_within(region) && !g.is_within(chain.region))
            .map(|(id, _)| id)
            .collect()
    })
}

/// `f` of every link of the chain (its own members, not its sub-links'), by link id, the links
/// split over two threads: walking a chain's memberships is what comparisons cost.
fn per_link<T: Send>(chain: &Chain, f: impl Fn(&LinkRef) -> T + Sync) -> HashMap<String, T> {
    let collect = |links: &[crate::model::Link]| -> Vec<(String, T)> {
        links
            .iter()
            .map(|l| (l.id.clone(), f(&LinkRef { chain: chain.id.clone(), link: l.id.clone() })))
            .collect()
    };
    let (first, second) = chain.links.split_at(chain.links.len() / 2);
    std::thread::scope(|s| {
        let other = s.spawn(|| collect(second));
        let mut out: HashMap<String, T> = collect(first).into_iter().collect();
        out.extend(other.join().expect("walking a link's members does not panic"));
        out
    })
}

/// Leaders first, then by registered capital, then by id (the order of local enterprises).
fn leading(mut firms: Vec<&EnterpriseBrief>, limit: usize) -> Vec<&EnterpriseBrief> {
    firms.sort_by(|a, b| {
        b.leader
            .cmp(&a.leader)
            .then(b.registered_capital.unwrap_or(0.0).total_cmp(&a.registered_capital.unwrap_or(0.0)))
            .then(a.id.cmp(&b.id))
    });
    firms.truncate(limit);
    firms
}

/// A link in the chain's own region: read from the graph's kept-up-to-date local sets.
fn own_region_link(graph: &Graph, chain: &Chain, r: &LinkRef) -> RegionLink {
    let count = graph.local_count(r, chain.region);
    RegionLink {
        count,
        status: state(count, chain.strong_threshold.max(1) as usize),
        leader: graph.has_local_leader(r),
    }
}

/// A link in another region, from each link's members inside it (`inside`: collected once per
/// link, so a parent does not walk its sub-links' members again).
fn region_link<'g>(
    graph: &'g Graph,
    chain: &Chain,
    r: &LinkRef,
    inside: &HashMap<String, Vec<EnterpriseId>>,
) -> (RegionLink, Vec<&'g EnterpriseBrief>) {
    let ids: BTreeSet<EnterpriseId> =
        graph.subtree(r).iter().flat_map(|l| inside.get(&l.link).into_iter().flatten().copied()).collect();
    let firms: Vec<&EnterpriseBrief> = ids.into_iter().filter_map(|id| graph.enterprise(id)).collect();
    let link = RegionLink {
        count: firms.len(),
        status: state(firms.len(), chain.strong_threshold.max(1) as usize),
        leader: firms.iter().any(|e| e.leader),
    };
    (link, firms)
}

/// The chain's links in its own region beside `theirs`; `None` for an unknown chain.
pub fn compare(graph: &Graph, chain_id: &str, theirs: RegionCode) -> Option<Comparison> {
    let chain = graph.chain(chain_id)?;
    let inside = members_inside(graph, chain, theirs);
    let links = chain
        .links
        .iter()
        .map(|link| {
            let r = LinkRef { chain: chain.id.clone(), link: link.id.clone() };
            let ours = own_region_link(graph, chain, &r);
            let (their, firms) = region_link(graph, chain, &r, &inside);
            let leading = if ours.status == LinkState::Strong || link.restricted {
                Vec::new()
            } else {
                leading(firms, LEADING).into_iter().map(|e| e.id).collect()
            };
            LinkComparison {
                link: link.id.clone(),
                restricted: link.restricted,
                ours,
                theirs: their,
                leading,
            }
        })
        .collect();
    Some(Comparison { chain: chain.id.clone(), ours: chain.region, theirs, links })
}

/// The map units at `level` strong in most of our missing or weak links (restricted links left
/// out), best first: more such links, then more firms in them, then by code. Firms inside our
/// own region are ours, not a destination's.
///
/// Where a region is weak in nearly every link this walks about every membership of the chain
/// (a million at 1M enterprises), so the walk is split over two threads and the counting uses
/// flat arrays indexed by enterprise id and region code instead of hash sets.
pub fn destinations(graph: &Graph, chain_id: &str, level: MapLevel) -> Option<Vec<Destination>> {
    let chain = graph.chain(chain_id)?;
    let threshold = chain.strong_threshold.max(1) as usize;
    let gaps: Vec<&crate::model::Link> = chain
        .links
        .iter()
        .filter(|l| !l.restricted)
        .filter(|l| {
            graph.local_count(&LinkRef { chain: chain.id.clone(), link: l.id.clone() }, chain.region)
                < threshold
        })
        .collect();
    if gaps.is_empty() {
        return Some(Vec::new());
    }
    // Each link's own members outside our region, with the unit they count in.
    let own: HashMap<String, Vec<(u64, u32)>> = per_link(chain, |r| {
        graph
            .member_regions(r)
            .filter(|(_, g)| !g.is_within(chain.region))
            .filter_map(|(id, g)| unit_of(g, level).map(|u| (id.0, u.as_u32())))
            .collect()
    });
    // Enterprise ids come from the store's counter, so they are dense; an id beyond what a flat
    // array should hold is counted through a hash set instead.
    // The arrays are used only while they stay within a small multiple of the memberships walked
    // (a store whose ids grew sparse, by deletes or a restore, falls back for the far ids).
    let walked: u64 = own.values().map(|v| v.len() as u64).sum();
    let dense: u64 = (walked * 8).max(1 << 16);
    let max_id =
        own.values().flatten().map(|(id, _)| *id).filter(|id| *id < dense).max().unwrap_or(0) as usize;
    let mut stamp: Vec<u32> = vec![0; max_id + 1];
    let mut stamp_sparse: HashMap<u64, u32> = HashMap::new();
    let mut seen_anywhere: Vec<bool> = vec![false; max_id + 1];
    let mut seen_sparse: HashSet<u64> = HashSet::new();
    let mut counts: Vec<u32> = vec![0; 1_000_000];
    let mut firms: Vec<u32> = vec![0; 1_000_000];
    let mut units: HashMap<u32, Destination> = HashMap::new();
    for (n, link) in gaps.iter().enumerate() {
        let mark = n as u32 + 1;
        let mut touched: Vec<u32> = Vec::new();
        for sub in graph.subtree(&LinkRef { chain: chain.id.clone(), link: link.id.clone() }) {
            for &(id, unit) in own.get(&sub.link).into_iter().flatten() {
                let fresh = if id < dense {
                    std::mem::replace(&mut stamp[id as usize], mark) != mark
                } else {
                    stamp_sparse.insert(id, mark) != Some(mark)
                };
                if !fresh || unit as usize >= counts.len() {
                    continue;
                }
                if counts[unit as usize] == 0 {
                    touched.push(unit);
                }
                counts[unit as usize] += 1;
                let first_time = if id < dense {
                    !std::mem::replace(&mut seen_anywhere[id as usize], true)
                } else {
                    seen_sparse.insert(id)
                };
                if first_time {
                    firms[unit as usize] += 1;
                }
            }
        }
        for unit in touched {
            let n = std::mem::take(&mut counts[unit as usize]) as usize;
            let d = units.entry(unit).or_insert_with(|| Destination {
                region: RegionCode::from_u32(unit),
                strong_in: Vec::new(),
                weak_in: Vec::new(),
                firms: 0,
            });
            if n >= threshold { d.strong_in.push(link.id.clone()) } else { d.weak_in.push(link.id.clone()) }
        }
    }
    let mut out: Vec<Destination> = units
        .into_values()
        .filter(|d| !d.strong_in.is_empty())
        .map(|mut d| {
            d.firms = firms[d.region.as_u32() as usize] as usize;
            d
        })
        .collect();
    out.sort_by(|a, b| {
        b.strong_in.len().cmp(&a.strong_in.len()).then(b.firms.cmp(&a.firms)).then(a.region.cmp(&b.region))
    });
    Some(out)
}
