//! Link status for a chain's region (SPEC §6): `missing`, `weak` or `strong`, counted over the
//! link's own local members and those of its sub-links.

use super::Graph;
use crate::model::{Chain, LinkRef};
use serde::Serialize;
use std::collections::HashMap;

/// 缺失 / 薄弱 / 优势.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LinkState {
    Missing,
    Weak,
    Strong,
}

impl LinkState {
    pub fn chinese(self) -> &'static str {
        match self {
            LinkState::Missing => "缺失",
            LinkState::Weak => "薄弱",
            LinkState::Strong => "优势",
        }
    }

    /// Present means weak or strong.
    pub fn is_present(self) -> bool {
        self != LinkState::Missing
    }
}

/// One link's standing in its chain's region.
#[derive(Debug, Clone, Serialize)]
pub struct LinkStatus {
    pub link: String,
    pub status: LinkState,
    /// Distinct local enterprises in the link and its sub-links.
    pub local_count: usize,
    /// Memberships anywhere (local or not) in the link and its sub-links; an enterprise in two
    /// sub-links counts twice.
    pub member_count: usize,
    /// Whether a local leader (上市公司, 专精特新小巨人, …) is among the local enterprises.
    pub has_local_leader: bool,
}

/// Every link of one chain with its status, in the chain file's order.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStatus {
    pub chain: String,
    pub links: Vec<LinkStatus>,
}

impl ChainStatus {
    pub fn link(&self, id: &str) -> Option<&LinkStatus> {
        self.links.iter().find(|l| l.link == id)
    }

    /// (strong, weak, missing) counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |s| self.links.iter().filter(|l| l.status == s).count();
        (n(LinkState::Strong), n(LinkState::Weak), n(LinkState::Missing))
    }
}

/// Each link id with the ids of its descendants (itself included).
pub(crate) fn subtrees(chain: &Chain) -> HashMap<&str, Vec<&str>> {
    let mut out: HashMap<&str, Vec<&str>> =
        chain.links.iter().map(|l| (l.id.as_str(), vec![l.id.as_str()])).collect();
    for link in &chain.links {
        // Walk up from every link, adding it to each ancestor (parents are acyclic by parsing).
        let mut at = link.parent.as_deref();
        let mut guard = 0;
        while let Some(parent) = at {
            if let Some(v) = out.get_mut(parent) {
                v.push(link.id.as_str());
            }
            at = chain.link(parent).and_then(|p| p.parent.as_deref());
            guard += 1;
            if guard > chain.links.len() {
                break;
            }
        }
    }
    out
}

impl Graph {
    /// The status of every link of `chain_id`, or `None` for an unknown chain.
    pub fn chain_status(&self, chain_id: &str) -> Option<ChainStatus> {
        let chain = self.chain(chain_id)?;
        let threshold = chain.strong_threshold.max(1) as usize;
        let links = chain
            .links
            .iter()
            .map(|link| {
                let r = LinkRef { chain: chain.id.clone(), link: link.id.clone() };
                let n = self.local_count(&r, chain.region);
                LinkStatus {
                    link: link.id.clone(),
                    status: match n {
                        0 => LinkState::Missing,
                        n if n < threshold => LinkState::Weak,
                        _ => LinkState::Strong,
                    },
                    local_count: n,
                    has_local_leader: self.has_local_leader(&r),
                    member_count: self.memberships_in_subtree(&r),
                }
            })
            .collect();
        Some(ChainStatus { chain: chain.id.clone(), links })
    }
}
