//! The petgraph view of all chains and the enterprises in their links.
//!
//! Derived from the store, never written to by anything but the app's write path, and rebuildable
//! at any time. One directed graph holds every link of every chain as a node and every flow as an
//! edge, so flows across chains are ordinary edges. Enterprises join links explicitly (their
//! `links` field) or by keyword: a product that **contains** a link keyword. Every membership
//! keeps its [`Evidence`] so users can see why.

mod keywords;
mod status;

pub(crate) use status::subtrees;
pub use status::{ChainStatus, LinkState, LinkStatus};

use crate::model::{Chain, Enterprise, EnterpriseFacts, EnterpriseId, LinkRef, RegionCode};
use keywords::KeywordMatcher;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Why an enterprise is in a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "via", rename_all = "lowercase")]
pub enum Evidence {
    /// The enterprise names the link in its `links` field.
    Explicit,
    /// One of its products contains one of the link's keywords.
    Keyword { product: String, keyword: String },
}

/// What the graph keeps of an enterprise: enough for statuses and lists, not the whole record.
#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseBrief {
    pub id: EnterpriseId,
    pub name: String,
    pub region: RegionCode,
    pub leader: bool,
    pub restricted: bool,
    pub registered_capital: Option<f64>,
}

/// A link as a graph node.
#[derive(Debug, Clone)]
pub struct LinkNode {
    pub chain: String,
    pub link: String,
}

/// Chains, links, flows and memberships.
#[derive(Default)]
pub struct Graph {
    chains: BTreeMap<String, Chain>,
    flows: DiGraph<LinkNode, ()>,
    node_of: HashMap<LinkRef, NodeIndex>,
    matcher: KeywordMatcher,
    /// link node → words that veto a keyword match.
    exclude: HashMap<NodeIndex, Vec<String>>,
    /// link node → enterprise → why.
    members: HashMap<NodeIndex, BTreeMap<EnterpriseId, Vec<Evidence>>>,
    /// enterprise → the link nodes it is in (to remove it again).
    memberships: HashMap<EnterpriseId, Vec<NodeIndex>>,
    enterprises: HashMap<EnterpriseId, EnterpriseBrief>,
}

impl Graph {
    /// Builds the graph from chains and every enterprise.
    pub fn build<'a>(chains: Vec<Chain>, enterprises: impl IntoIterator<Item = &'a Enterprise>) -> Graph {
        let mut g = Graph::with_chains(chains);
        for e in enterprises {
            g.upsert_enterprise(e.into());
        }
        g
    }

    /// The chain structure alone; add enterprises with [`Graph::upsert_enterprise`].
    pub fn with_chains(chains: Vec<Chain>) -> Graph {
        let mut g = Graph::default();
        for chain in &chains {
            for link in &chain.links {
                let r = LinkRef { chain: chain.id.clone(), link: link.id.clone() };
                let idx = g.flows.add_node(LinkNode { chain: r.chain.clone(), link: r.link.clone() });
                g.node_of.insert(r, idx);
            }
        }
        for chain in &chains {
            for flow in &chain.flows {
                let resolve = |end: &str| {
                    let r = LinkRef::parse(end)
                        .unwrap_or_else(|| LinkRef { chain: chain.id.clone(), link: end.to_string() });
                    g.node_of.get(&r).copied()
                };
                // A flow into a chain that has since been removed is skipped, not an error.
                if let (Some(a), Some(b)) = (resolve(&flow.from), resolve(&flow.to)) {
                    g.flows.update_edge(a, b, ());
                }
            }
        }
        for chain in &chains {
            for link in chain.links.iter().filter(|l| !l.exclude.is_empty()) {
                let idx = g.node_of[&LinkRef { chain: chain.id.clone(), link: link.id.clone() }];
                g.exclude.insert(idx, link.exclude.clone());
            }
        }
        g.matcher = KeywordMatcher::new(chains.iter().flat_map(|c| {
            c.links.iter().flat_map(|l| {
                let idx = g.node_of[&LinkRef { chain: c.id.clone(), link: l.id.clone() }];
                l.keywords.iter().map(move |k| (k.clone(), idx))
            })
        }));
        g.chains = chains.into_iter().map(|c| (c.id.clone(), c)).collect();
        g
    }

    /// Adds or replaces one enterprise's memberships.
    pub fn upsert_enterprise(&mut self, e: EnterpriseFacts) {
        self.remove_enterprise(e.id);
        self.insert_new(e);
    }

    /// Adds an enterprise the graph does not hold yet (building from the store).
    pub fn insert_new(&mut self, e: EnterpriseFacts) {
        let mut found: BTreeMap<NodeIndex, Vec<Evidence>> = BTreeMap::new();
        for r in &e.links {
            if let Some(&idx) = self.node_of.get(r) {
                found.entry(idx).or_default().push(Evidence::Explicit);
            }
        }
        for product in &e.products {
            for (keyword, idx) in self.matcher.matches(product) {
                if self
                    .exclude
                    .get(&idx)
                    .is_some_and(|words| words.iter().any(|w| product.contains(w.as_str())))
                {
                    continue;
                }
                let evidence = Evidence::Keyword { product: product.clone(), keyword: keyword.to_string() };
                let list = found.entry(idx).or_default();
                if !list.contains(&evidence) {
                    list.push(evidence);
                }
            }
        }
        let nodes: Vec<NodeIndex> = found.keys().copied().collect();
        for (idx, evidence) in found {
            self.members.entry(idx).or_default().insert(e.id, evidence);
        }
        self.memberships.insert(e.id, nodes);
        let leader = e.is_leader();
        self.enterprises.insert(
            e.id,
            EnterpriseBrief {
                id: e.id,
                name: e.name,
                region: e.region,
                leader,
                restricted: e.restricted,
                registered_capital: e.registered_capital,
            },
        );
    }

    pub fn remove_enterprise(&mut self, id: EnterpriseId) {
        if let Some(nodes) = self.memberships.remove(&id) {
            for idx in nodes {
                if let Some(m) = self.members.get_mut(&idx) {
                    m.remove(&id);
                }
            }
        }
        self.enterprises.remove(&id);
    }

    pub fn chains(&self) -> impl Iterator<Item = &Chain> {
        self.chains.values()
    }

    pub fn chain(&self, id: &str) -> Option<&Chain> {
        self.chains.get(id)
    }

    pub fn n_enterprises(&self) -> usize {
        self.enterprises.len()
    }

    pub fn enterprise(&self, id: EnterpriseId) -> Option<&EnterpriseBrief> {
        self.enterprises.get(&id)
    }

    /// The links an enterprise is in, with evidence.
    pub fn links_of(&self, id: EnterpriseId) -> Vec<(LinkRef, &[Evidence])> {
        self.memberships
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|idx| {
                let node = &self.flows[*idx];
                let evidence = self.members.get(idx)?.get(&id)?;
                Some((LinkRef { chain: node.chain.clone(), link: node.link.clone() }, evidence.as_slice()))
            })
            .collect()
    }

    /// The links an enterprise is in together with their parent links, without repeats: what a
    /// `link` filter should match (a parent link counts its sub-links' members).
    pub fn links_with_ancestors(&self, id: EnterpriseId) -> Vec<LinkRef> {
        let mut out: Vec<LinkRef> = Vec::new();
        for (r, _) in self.links_of(id) {
            let Some(chain) = self.chains.get(&r.chain) else { continue };
            let mut at = Some(r.link.clone());
            let mut steps = 0;
            while let Some(link) = at {
                let lr = LinkRef { chain: r.chain.clone(), link: link.clone() };
                if !out.contains(&lr) {
                    out.push(lr);
                }
                at = chain.link(&link).and_then(|l| l.parent.clone());
                steps += 1;
                if steps > chain.links.len() {
                    break;
                }
            }
        }
        out.sort();
        out
    }

    /// Chain links whose name or keywords contain the (folded) word, or whose name the word
    /// contains: `正极` finds 正极材料 in every chain that has it.
    pub fn find_links(&self, folded_words: &[String]) -> Vec<(&Chain, &crate::model::Link)> {
        let mut out = Vec::new();
        if folded_words.is_empty() {
            return out;
        }
        for chain in self.chains.values() {
            for link in &chain.links {
                let hit = folded_words.iter().any(|w| {
                    w.chars().count() >= 2
                        && (link.name.contains(w.as_str())
                            || w.contains(link.name.as_str())
                            || link.keywords.iter().any(|k| k.contains(w.as_str())))
                });
                if hit {
                    out.push((chain, link));
                }
            }
        }
        out
    }

    /// The members of one link (not its sub-links), with evidence.
    pub fn members(&self, link: &LinkRef) -> impl Iterator<Item = (&EnterpriseBrief, &[Evidence])> {
        self.node_of
            .get(link)
            .and_then(|idx| self.members.get(idx))
            .into_iter()
            .flatten()
            .filter_map(|(id, ev)| Some((self.enterprises.get(id)?, ev.as_slice())))
    }
}

#[cfg(test)]
mod tests;
