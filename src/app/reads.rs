//! Reads that combine store, graph and index: leads (with the per-chain analysis cache),
//! an enterprise's standing among each chain's leads, and search with chain-link names.

use super::App;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::search::{SearchRequest, SearchResults, index_dir};
use std::collections::HashSet;
use std::path::Path;

/// Where an enterprise stands among one chain's leads.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Standing {
    pub chain: String,
    pub chain_name: String,
    /// 1-based position among the chain's candidates.
    pub rank: usize,
    pub total: usize,
    pub lead: crate::leads::Lead,
}

/// Every candidate of a chain today, none listed: what an enterprise's standing is read from.
fn standing_query(dismissed: HashSet<crate::model::EnterpriseId>) -> crate::leads::LeadQuery {
    crate::leads::LeadQuery {
        region: None,
        as_of: super::today(),
        kind: None,
        link: None,
        limit: 0,
        offset: 0,
        dismissed,
    }
}

impl App {
    /// Leads for a chain (SPEC §6), leaving out enterprises dismissed for it.
    pub fn leads(&self, chain: &str, mut q: crate::leads::LeadQuery) -> Result<crate::leads::ChainLeads> {
        q.dismissed.extend(self.dismissed(chain)?);
        let not_found = || Error::NotFound(format!("chain {chain:?}"));
        let graph = self.graph();
        let analysis = self.analysis(&graph, chain)?;
        crate::leads::rank(&graph, chain, &analysis, &q).ok_or_else(not_found)
    }

    /// Where a chain's candidates are (the 招商地图): the lead list's candidates for the same
    /// query (dismissals left out) counted per province or city.
    pub fn geo(
        &self,
        chain: &str,
        mut q: crate::leads::LeadQuery,
        level: crate::geo::MapLevel,
    ) -> Result<crate::leads::GeoCounts> {
        q.dismissed.extend(self.dismissed(chain)?);
        let graph = self.graph();
        let analysis = self.analysis(&graph, chain)?;
        crate::leads::geo(&graph, chain, &analysis, &q, level)
            .ok_or_else(|| Error::NotFound(format!("chain {chain:?}")))
    }

    /// The leads an enterprise appears in, chain by chain, with its rank among each chain's
    /// candidates today (dismissed enterprises appear in none for that chain).
    pub fn standing(&self, id: crate::model::EnterpriseId) -> Result<Vec<Standing>> {
        let graph = self.graph();
        let mut out = Vec::new();
        for chain in graph.chains() {
            let dismissed = self.dismissed(&chain.id)?;
            if dismissed.contains(&id) {
                continue;
            }
            let q = standing_query(dismissed);
            let analysis = self.analysis(&graph, &chain.id)?;
            let Some((mine, total)) = crate::leads::standing(&graph, &chain.id, &analysis, &q, id) else {
                continue;
            };
            out.extend(mine.into_iter().map(|(rank, lead)| Standing {
                chain: chain.id.clone(),
                chain_name: chain.name.clone(),
                rank,
                total,
                lead,
            }));
        }
        Ok(out)
    }

    /// The best lead `enterprise` is for `chain` today, as a project's origin; not found when it
    /// is no lead of the chain (dismissed, already local, or not on it).
    pub(super) fn leads_for_take(
        &self,
        chain: &str,
        enterprise: crate::model::EnterpriseId,
    ) -> Result<crate::model::project::LeadOrigin> {
        let dismissed = self.dismissed(chain)?;
        let graph = self.graph();
        let analysis = self.analysis(&graph, chain)?;
        let q = standing_query(dismissed);
        let (mine, _) = crate::leads::standing(&graph, chain, &analysis, &q, enterprise)
            .ok_or_else(|| Error::NotFound(format!("chain {chain:?}")))?;
        let (_, lead) = mine.into_iter().next().ok_or_else(|| {
            Error::NotFound(format!("enterprise {enterprise} is no lead of chain {chain:?}"))
        })?;
        Ok(crate::model::project::LeadOrigin { chain: chain.to_string(), link: lead.link, score: lead.score })
    }

    /// The chain's lead analysis, cached until the graph changes.
    fn analysis(&self, graph: &Graph, chain: &str) -> Result<std::sync::Arc<crate::leads::Analysis>> {
        let not_found = || Error::NotFound(format!("chain {chain:?}"));
        let cached = {
            let analyses = self.analyses.lock().unwrap_or_else(|p| p.into_inner());
            analyses.get(chain).filter(|(v, _)| *v == graph.version()).map(|(_, a)| a.clone())
        };
        let analysis = match cached {
            Some(a) => a,
            None => {
                let a = std::sync::Arc::new(crate::leads::analyse(graph, chain).ok_or_else(not_found)?);
                let mut analyses = self.analyses.lock().unwrap_or_else(|p| p.into_inner());
                analyses.insert(chain.to_string(), (graph.version(), a.clone()));
                a
            }
        };
        Ok(analysis)
    }

    /// Bytes the search index takes on disk.
    pub fn index_bytes(&self) -> u64 {
        fn size(p: &Path) -> u64 {
            std::fs::read_dir(p)
                .map(|d| d.filter_map(|e| e.ok()).map(|e| e.metadata().map(|m| m.len()).unwrap_or(0)).sum())
                .unwrap_or(0)
        }
        size(&index_dir(self.store.dir()))
    }

    /// Bounds the search result cache (`0` turns it off; see `search::cache`).
    pub fn set_search_cache(&self, entries: usize) {
        self.index.set_cache_entries(entries);
    }

    /// Merges the search index into one segment (see `SearchIndex::merge_segments`).
    pub fn merge_index_segments(&self) -> Result<()> {
        self.index.merge_segments()
    }

    /// Segments of the search index searched now.
    pub fn index_segments(&self) -> usize {
        self.index.segments()
    }

    /// Sets how many matches a relevance-ranked search walks at most before it answers with a
    /// lower-bound total (default [`crate::search::RANKED_WALK_LIMIT`]).
    pub fn set_ranked_walk_limit(&self, matches: u64) {
        self.index.set_walk_limit(matches);
    }

    /// A chain or link filter must name one that exists: a mistyped id answered an empty page,
    /// as if no firm were on the chain, where a mistyped region is refused.
    fn known_chain_and_link(&self, req: &SearchRequest) -> Result<()> {
        use crate::error::{Code, Problem};
        let graph = self.graph();
        let mut problems = Vec::new();
        if let Some(c) = &req.chain
            && graph.chain(c).is_none()
        {
            problems.push(Problem::new("chain", Code::InvalidValue, format!("没有产业链“{c}”")));
        }
        if let Some(l) = &req.link {
            match graph.chain(&l.chain) {
                None => problems.push(Problem::new(
                    "link",
                    Code::InvalidValue,
                    format!("没有产业链“{}”", l.chain),
                )),
                Some(chain) if chain.link(&l.link).is_none() => problems.push(Problem::new(
                    "link",
                    Code::InvalidValue,
                    format!("产业链“{}”没有环节“{}”", l.chain, l.link),
                )),
                Some(_) => {}
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(crate::Error::Invalid(problems)) }
    }

    /// Searches enterprises and chain links.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let (results, phases) = self.search_timed(req)?;
        phases.log(results.total);
        Ok(results)
    }

    /// [`App::search`] with the time of each phase (for the bench and the debug log).
    pub fn search_timed(&self, req: &SearchRequest) -> Result<(SearchResults, crate::search::Phases)> {
        self.known_chain_and_link(req)?;
        let (mut results, mut phases) = self.index.search_timed(req)?;
        let mut lap = crate::search::Lap::start();
        let graph = self.graph();
        for f in results.facets.iter_mut().flat_map(|f| f.link.iter_mut()) {
            if let Some(r) = crate::model::LinkRef::parse(&f.key)
                && let (Some(chain), Some(link)) =
                    (graph.chain(&r.chain), graph.chain(&r.chain).and_then(|c| c.link(&r.link)))
            {
                f.name = format!("{}·{}", chain.name, link.name);
            }
        }
        let words = crate::search::query::query_words(&req.q);
        results.links = graph
            .find_links(&words)
            .into_iter()
            .map(|(c, l)| crate::search::LinkHit {
                chain: c.id.clone(),
                chain_name: c.name.clone(),
                link: l.id.clone(),
                name: l.name.clone(),
            })
            .collect();
        phases.links = lap.take();
        Ok((results, phases))
    }
}
