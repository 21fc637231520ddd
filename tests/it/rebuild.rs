//! The check shared by the model-based property test and the race tests: the graph, the index
//! and the leads an app keeps up to date, against ones built afresh from what its store holds.

use chainscout::app::App;
use chainscout::graph::Graph;
use chainscout::leads::{self, LeadQuery};
use chainscout::search::SearchRequest;
use chainscout::views;
use std::collections::{BTreeMap, BTreeSet};

/// `Err` says what differs. Search is paged through every enterprise, so keep stores small (thousands).
pub fn agrees_with_rebuild(app: &App) -> Result<(), String> {
    let store = app.store();
    let enterprises: Vec<_> = store.enterprises().map(Result::unwrap).collect();
    let fresh = Graph::build(store.chains().unwrap(), &enterprises);
    let live = app.graph();
    if live.n_enterprises() != enterprises.len() {
        return Err(format!("graph holds {} of {} enterprises", live.n_enterprises(), enterprises.len()));
    }
    let chains: Vec<String> = fresh.chains().map(|c| c.id.clone()).collect();
    for chain in &chains {
        let view = |g: &Graph| serde_json::to_value(views::chain_detail(g, chain, 100)).unwrap();
        if view(&live) != view(&fresh) {
            return Err(format!("chain map {chain} differs:\nlive {}\nfresh {}", view(&live), view(&fresh)));
        }
    }
    drop(live);
    // The index: every stored enterprise and no other, each with the fresh graph's links.
    let all = app.search(&SearchRequest { facets: true, ..SearchRequest::default() }).unwrap();
    let mut indexed = BTreeSet::new();
    for offset in (0..all.total as usize).step_by(500) {
        let page = app.search(&SearchRequest { limit: 500, offset, ..SearchRequest::default() }).unwrap();
        indexed.extend(page.hits.into_iter().map(|h| h.id));
    }
    let stored: BTreeSet<String> = enterprises.iter().map(|e| e.id.to_string()).collect();
    if indexed != stored || all.total != enterprises.len() as u64 {
        let extra: Vec<_> = indexed.difference(&stored).take(10).collect();
        let missing: Vec<_> = stored.difference(&indexed).take(10).collect();
        return Err(format!(
            "index holds {} documents ({} hits read) for {} enterprises; not stored: {extra:?}; not indexed: {missing:?}",
            all.total,
            indexed.len(),
            stored.len()
        ));
    }
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for e in &enterprises {
        for l in fresh.links_with_ancestors(e.id) {
            *expected.entry(format!("{}/{}", l.chain, l.link)).or_default() += 1;
        }
    }
    let facets: BTreeMap<String, u64> =
        all.facets.as_ref().ok_or("no facets")?.link.iter().map(|f| (f.key.clone(), f.count)).collect();
    if facets != expected {
        return Err(format!("index link facets {facets:?}, fresh graph {expected:?}"));
    }
    // Leads, with the stored dismissals.
    for chain in &chains {
        let query = LeadQuery {
            region: None,
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            kind: None,
            link: None,
            limit: 100,
            offset: 0,
            dismissed: store.dismissals(chain).unwrap().into_iter().map(|(id, _)| id).collect(),
        };
        let served = app.leads(chain, LeadQuery { dismissed: Default::default(), ..query.clone() }).unwrap();
        let analysis = leads::analyse(&fresh, chain).unwrap();
        let rebuilt = leads::rank(&fresh, chain, &analysis, &query).unwrap();
        let (served, rebuilt) =
            (serde_json::to_value(served).unwrap(), serde_json::to_value(rebuilt).unwrap());
        if served != rebuilt {
            return Err(format!("leads of {chain} differ:\nserved {served}\nrebuilt {rebuilt}"));
        }
    }
    Ok(())
}
