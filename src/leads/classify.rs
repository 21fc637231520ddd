//! Gap analysis (SPEC §6): which links of a chain to fill (补链), extend (延链) or strengthen (强链).
//!
//! "Reaches" means along a directed path of flows, across chains too. A link inherits the flows
//! of its parent links (a flow into 电芯 feeds 动力电池 as well). "Present" means the link (with its
//! sub-links) has a local enterprise, judged for the chain's region, also for links of other
//! chains that flows lead into.

use crate::graph::{Graph, LinkState};
use crate::model::{Chain, LinkRef, RegionCode};
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};

/// 补链 / 延链 / 强链.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Fill,
    Extend,
    Strengthen,
}

impl Kind {
    pub fn chinese(self) -> &'static str {
        match self {
            Kind::Fill => "补链",
            Kind::Extend => "延链",
            Kind::Strengthen => "强链",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "fill" | "补链" => Some(Kind::Fill),
            "extend" | "延链" => Some(Kind::Extend),
            "strengthen" | "强链" => Some(Kind::Strengthen),
            _ => None,
        }
    }
}

/// Which way an extension grows the local chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Upstream,
    Downstream,
}

impl Direction {
    pub fn chinese(self) -> &'static str {
        match self {
            Direction::Upstream => "上游",
            Direction::Downstream => "下游",
        }
    }
}

/// A target link and why.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TargetLink {
    pub link: String,
    pub name: String,
    pub kind: Kind,
    pub direction: Option<Direction>,
    pub status: LinkState,
    pub local_count: usize,
    pub key: bool,
    /// Present links this one supplies (directly or through others), nearest first, by name.
    pub feeds: Vec<String>,
    /// Present links that supply this one, nearest first, by name.
    pub fed_by: Vec<String>,
}

/// Counts local enterprises of links (with sub-links) for one region, memoised.
struct Presence<'g> {
    graph: &'g Graph,
    region: RegionCode,
    cache: HashMap<LinkRef, bool>,
}

impl Presence<'_> {
    fn present(&mut self, r: &LinkRef) -> bool {
        if let Some(&p) = self.cache.get(r) {
            return p;
        }
        let p = self.graph.local_count(r, self.region) > 0;
        self.cache.insert(r.clone(), p);
        p
    }
}

/// Links reachable from `start` along flows (following flows of ancestors too), breadth first,
/// `forward` along flow direction or against it. Excludes `start`.
fn reachable(graph: &Graph, start: &LinkRef, forward: bool) -> Vec<LinkRef> {
    let mut seen: HashSet<LinkRef> = HashSet::from([start.clone()]);
    let mut order = Vec::new();
    let mut queue = VecDeque::from([start.clone()]);
    while let Some(at) = queue.pop_front() {
        for next in graph.flow_neighbours(&at, forward) {
            if seen.insert(next.clone()) {
                order.push(next.clone());
                queue.push_back(next);
            }
        }
    }
    order
}

/// Classifies every most-specific, non-restricted link of `chain` that is not strong (or is a
/// key link without a local leader).
pub fn classify(graph: &Graph, chain: &Chain) -> Vec<TargetLink> {
    let Some(status) = graph.chain_status(&chain.id) else { return vec![] };
    let mut presence = Presence { graph, region: chain.region, cache: HashMap::new() };
    let has_children: HashSet<&str> = chain.links.iter().filter_map(|l| l.parent.as_deref()).collect();
    let name_of = |r: &LinkRef| {
        graph.chain(&r.chain).and_then(|c| c.link(&r.link)).map(|l| {
            if r.chain == chain.id {
                l.name.clone()
            } else {
                format!("{}·{}", graph.chain(&r.chain).map(|c| c.name.as_str()).unwrap_or(""), l.name)
            }
        })
    };
    let mut out = Vec::new();
    for (link, s) in chain.links.iter().zip(&status.links) {
        if link.restricted || has_children.contains(link.id.as_str()) {
            continue;
        }
        let me = LinkRef { chain: chain.id.clone(), link: link.id.clone() };
        let ancestors = graph.ancestors(&me);
        let mut present_among = |links: Vec<LinkRef>| -> Vec<String> {
            links
                .into_iter()
                .filter(|r| !ancestors.contains(r))
                .filter(|r| presence.present(r))
                .filter_map(|r| name_of(&r))
                .collect()
        };
        let feeds = present_among(reachable(graph, &me, true));
        let fed_by = present_among(reachable(graph, &me, false));
        let (kind, direction) = match s.status {
            LinkState::Missing => match (feeds.is_empty(), fed_by.is_empty()) {
                (false, false) | (true, true) => (Kind::Fill, None),
                (false, true) => (Kind::Extend, Some(Direction::Upstream)),
                (true, false) => (Kind::Extend, Some(Direction::Downstream)),
            },
            LinkState::Weak => (Kind::Strengthen, None),
            LinkState::Strong if link.key && !s.has_local_leader => (Kind::Strengthen, None),
            LinkState::Strong => continue,
        };
        out.push(TargetLink {
            link: link.id.clone(),
            name: link.name.clone(),
            kind,
            direction,
            status: s.status,
            local_count: s.local_count,
            key: link.key,
            feeds,
            fed_by,
        });
    }
    out
}
