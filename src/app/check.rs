//! `chainscout check`: what is on disk, compared BEFORE anything is repaired, then the repair the
//! normal open makes, then the same comparisons on the repaired state.
//!
//! Before: every record decodes; no two records claim one credit code or one name + region; the
//! change log is whole from the index's generation on; the index opens, passes its checksums, is
//! not ahead of the store, and when it claims the store's generation it holds exactly the store's
//! enterprises (by id). A lagging index whose gap the log covers is normal after a crash: it is a
//! repair, not a problem; so is a missing index while the store is still empty (a first open killed
//! between making the store and the index). After: graph and index hold the store's enterprises
//! at its generation.

use super::App;
use crate::error::Result;
use crate::search::{Inspected, OnDisk, SearchIndex, index_dir};
use crate::store::Store;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// What `chainscout check` found.
#[derive(Debug, Default, serde::Serialize)]
pub struct CheckReport {
    pub enterprises: usize,
    pub graph_enterprises: usize,
    pub index_documents: usize,
    pub store_generation: u64,
    pub index_generation: Option<u64>,
    /// What was found wrong on disk or after opening; empty when everything agrees.
    pub problems: Vec<String>,
    /// What opening the data dir repaired (a replay of a lagging index, a rebuild).
    pub repairs: Vec<String>,
}

impl App {
    /// Checks the data dir as it is on disk, repairs what opening it repairs, and checks again.
    pub fn check(at: impl Into<crate::store::Location>) -> Result<(App, CheckReport)> {
        let at = at.into();
        let mut report = CheckReport::default();
        {
            let store = Store::open_at(&at)?;
            Self::inspect(&store, &at.data, &mut report)?;
        }
        let (app, repairs) = App::open_reporting(&at, &mut |_, _| {})?;
        report.repairs = repairs;
        report.graph_enterprises = app.graph().n_enterprises();
        report.index_documents = app.index.num_docs() as usize;
        report.store_generation = app.store.generation();
        report.index_generation = app.index.generation();
        if report.graph_enterprises != report.enterprises {
            report
                .problems
                .push(format!("after opening, the graph holds {} enterprises", report.graph_enterprises));
        }
        if report.index_documents != report.enterprises {
            report
                .problems
                .push(format!("after opening, the index holds {} documents", report.index_documents));
        }
        if report.index_generation != Some(report.store_generation) {
            report
                .problems
                .push(format!("after opening, the index is at generation {:?}", report.index_generation));
        }
        Ok((app, report))
    }

    fn inspect(store: &Store, dir: &Path, report: &mut CheckReport) -> Result<()> {
        let mut ids = HashSet::new();
        let mut codes: HashMap<String, crate::model::EnterpriseId> = HashMap::new();
        let mut names: HashMap<(String, crate::model::RegionCode), crate::model::EnterpriseId> =
            HashMap::new();
        for facts in store.enterprise_facts() {
            let f = match facts {
                Ok(f) => f,
                Err(e) => {
                    report.problems.push(format!("unreadable record: {e}"));
                    continue;
                }
            };
            ids.insert(f.id.to_string());
            if let Some(other) = names.insert((f.name.clone(), f.region), f.id) {
                report
                    .problems
                    .push(format!("{} and {other} share the name {} in {}", f.id, f.name, f.region));
            }
            if let Some(code) = &f.credit_code
                && let Some(other) = codes.insert(code.as_str().to_string(), f.id)
            {
                report.problems.push(format!("{} and {other} share the credit code {code}", f.id));
            }
        }
        report.enterprises = ids.len();
        let generation = store.generation();
        match SearchIndex::inspect(&index_dir(dir)) {
            Err(why) => report.problems.push(format!("search index: {why}")),
            // A data dir whose first open was cut short (killed between making the store and
            // the index) holds nothing to index yet: opening makes the index.
            Ok(Inspected::Missing) if generation == 0 => {}
            Ok(Inspected::Missing) => report.problems.push(format!(
                "search index: there is none in {} (opening rebuilds it from the store)",
                index_dir(dir).display()
            )),
            Ok(Inspected::OtherSchema) => {}
            Ok(Inspected::Found(OnDisk { generation: None, .. })) if generation == 0 => {}
            Ok(Inspected::Found(OnDisk { generation: None, .. })) => {
                report.problems.push("search index: it records no store generation".into())
            }
            Ok(Inspected::Found(OnDisk { generation: Some(g), .. })) if g > generation => report
                .problems
                .push(format!("search index: at generation {g}, ahead of the store's {generation}")),
            Ok(Inspected::Found(OnDisk { generation: Some(g), docs, ids: doc_ids })) if g == generation => {
                let doc_ids: HashSet<String> = doc_ids.into_iter().collect();
                let extra = doc_ids.difference(&ids).take(5).cloned().collect::<Vec<_>>();
                let missing = ids.difference(&doc_ids).take(5).cloned().collect::<Vec<_>>();
                if docs as usize != ids.len() || !extra.is_empty() || !missing.is_empty() {
                    report.problems.push(format!(
                        "search index: {docs} documents at the store's generation {g} for {} enterprises \
                         (not in the store: {extra:?}; not in the index: {missing:?})",
                        ids.len()
                    ));
                }
            }
            Ok(Inspected::Found(OnDisk { generation: Some(g), .. })) => {
                if store.changes_since(g)?.is_none() {
                    report.problems.push(format!(
                        "search index: at generation {g} of {generation} and the change log cannot say what it missed"
                    ));
                }
            }
        }
        Ok(())
    }
}
