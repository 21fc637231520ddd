//! Opening a data dir: the store, the graph built from it, and the search index reconciled with
//! it (replayed from the change log when behind, rebuilt when the log cannot say). Also the
//! rebuilds of `reindex` and restore, which build aside and swap in.

use super::App;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::search::{SearchIndex, index_dir};
use crate::store::{Location, Store};
use std::sync::RwLock;

/// Builds the graph from what the store holds, and seeds the store's identity index in the same
/// scan (one pass over the records). Callers hold the store's write lock or have it alone.
pub fn build_graph(store: &Store) -> Result<Graph> {
    let mut graph = Graph::with_chains(store.chains()?);
    let mut identities = crate::store::Identities::default();
    // Reading and decoding records runs on a second thread while this one builds (cold start).
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<crate::model::EnterpriseFacts>>>(8);
        s.spawn(move || {
            let mut batch = Vec::with_capacity(1024);
            for facts in store.enterprise_facts() {
                match facts {
                    Ok(f) => batch.push(f),
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
                if batch.len() == 1024 && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                    return;
                }
            }
            let _ = tx.send(Ok(batch));
        });
        for batch in rx {
            for facts in batch? {
                identities.add_enterprise(&facts);
                graph.insert_new(facts);
            }
        }
        Ok::<_, Error>(())
    })?;
    store.seed_identities(identities);
    Ok(graph)
}

impl App {
    /// Opens the data directory, builds the graph from the store and reconciles the search
    /// index with it (rebuilding the index when it is missing, damaged or behind).
    pub fn open(at: impl Into<Location>) -> Result<App> {
        Self::open_with_progress(at, &mut |_, _| {})
    }

    /// [`App::open`], reporting index rebuild progress as `(done, total)`.
    pub fn open_with_progress(
        at: impl Into<Location>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<App> {
        Ok(Self::open_reporting(&at.into(), progress)?.0)
    }

    /// [`App::open_with_progress`], also saying what it repaired (for `chainscout check`).
    pub(super) fn open_reporting(
        at: &Location,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(App, Vec<String>)> {
        let started = std::time::Instant::now();
        let dir = at.data.as_path();
        let store = Store::open_at(at)?;
        let store_ms = started.elapsed().as_millis() as u64;
        let book = store.load_book()?;
        // The graph scan and the index's checksum pass are independent: run them side by side.
        let (graph, index, index_ms) = std::thread::scope(|s| {
            let index = s.spawn(|| {
                let t = std::time::Instant::now();
                SearchIndex::open(&index_dir(dir)).map(|i| (i, t.elapsed().as_millis() as u64))
            });
            let graph = build_graph(&store);
            let (index, index_ms) =
                index.join().map_err(|_| Error::Index("opening the index panicked".into()))??;
            Ok::<_, Error>((graph?, index, index_ms))
        })?;
        tracing::info!(
            store_ms,
            index_ms,
            total_ms = started.elapsed().as_millis() as u64,
            enterprises = graph.n_enterprises(),
            "opened the data dir (store, graph and index)"
        );
        let app = App {
            key: super::WriteKey { _private: () },
            store,
            graph: RwLock::new(graph),
            index,
            book: RwLock::new(book),
            analyses: Default::default(),
            last_known: Default::default(),
        };
        let mut repairs = Vec::new();
        if app.index.generation().is_none() && app.store.generation() == 0 {
            // A new data dir: nothing to index yet.
            app.index.reached(0);
            app.index.commit()?;
        } else if app.index.generation() != Some(app.store.generation()) {
            repairs.extend(app.reconcile_index(progress)?);
        }
        if let Some(g) = app.index.generation() {
            // The log up to what the index holds is never needed again (one entry per write or
            // import batch, so this is small and quick).
            let pruned = app.store.prune_changes(g)?;
            tracing::debug!(pruned, "change log pruned");
        }
        Ok((app, repairs))
    }

    /// Brings a search index that is behind the store up to date: replays the logged changes it
    /// has not seen (a crash between a store flush and the index commit leaves at most one
    /// import's rows), and rebuilds only when the log cannot say what changed — a chain changed
    /// (every membership may have), the index is ahead or from another store, or the log is
    /// incomplete. Says what it did.
    /// `None` when the index missed nothing it shows (only projects, tokens, dismissals or audit
    /// entries were written after its last commit: `App::flush` commits the index only for
    /// changes it holds).
    fn reconcile_index(&self, progress: &mut dyn FnMut(usize, usize)) -> Result<Option<String>> {
        let _serial = self.store.serial(&self.key);
        let (index, store) = (self.index.generation(), self.store.generation());
        let changes = match index {
            Some(g) if g < store => self.store.changes_since(g)?.filter(|c| c.chains.is_empty()),
            _ => None,
        };
        let Some(changes) = changes else {
            tracing::info!(?index, store, "search index is not in step with the store; rebuilding it");
            let graph = self.graph();
            self.rebuild_index_from(&graph, self.store.generation(), progress)?;
            self.merge_after_rebuild();
            return Ok(Some(format!("search index at generation {index:?}, store at {store}: rebuilt")));
        };
        if changes.enterprises.is_empty() {
            self.index.reached(store);
            self.index.commit()?;
            return Ok(None);
        }
        tracing::info!(
            ?index,
            store,
            enterprises = changes.enterprises.len(),
            "replaying changes into the search index"
        );
        let graph = self.graph();
        let total = changes.enterprises.len();
        for (i, id) in changes.enterprises.iter().enumerate() {
            match self.store.enterprise(*id)? {
                Some(e) => self.index.upsert(&e, &graph.links_with_ancestors(*id))?,
                None => self.index.delete(*id),
            }
            if (i + 1) % 1024 == 0 {
                progress(i + 1, total);
            }
        }
        drop(graph);
        self.index.reached(store);
        self.store.flush()?;
        self.index.commit()?;
        Ok(Some(format!(
            "search index at generation {} of {store}: replayed {} logged changes ({total} enterprises)",
            index.unwrap_or(0),
            changes.generations
        )))
    }

    /// Rebuilds the search index from the store, with memberships from `graph`, as of store
    /// generation `at`. Callers hold the store's write lock (or have the store alone). A rebuild
    /// that fails halfway (a store read failed) leaves the index as it last committed.
    pub(super) fn rebuild_index_from(
        &self,
        graph: &Graph,
        at: u64,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<()> {
        let rebuilt = (|| {
            let total = self.store.count_enterprises();
            self.index.clear()?;
            for (i, e) in self.store.enterprises().enumerate() {
                let e = e?;
                self.index.add(&e, &graph.links_with_ancestors(e.id))?;
                if (i + 1) % 1024 == 0 || i + 1 == total {
                    progress(i + 1, total);
                }
            }
            self.index.reached(at);
            self.store.flush()
        })();
        if let Err(e) = rebuilt {
            if let Err(discard) = self.index.discard_pending() {
                tracing::error!(error = %discard, "discarding a failed rebuild failed");
            }
            return Err(e);
        }
        // tantivy's readers keep the old segments until this commit: searches never see a
        // half-built index.
        self.index.commit()
    }

    /// After a rebuild at open or by `reindex` (not after a chain edit, where writers wait): one
    /// segment, so every query term costs one dictionary lookup instead of one per segment
    /// (15.6 s for 1M enterprises). Best effort: tantivy may be merging some of those segments
    /// in the background already, and the index is whole either way.
    fn merge_after_rebuild(&self) {
        if let Err(e) = self.index.merge_segments() {
            tracing::warn!(error = %e, "merging the rebuilt index into one segment failed; searches stay correct");
        }
    }

    /// Rebuilds the graph and the search index from the store. Writers wait; readers keep the
    /// old graph and the old index until the new ones are swapped in.
    pub fn reindex(&self, progress: &mut dyn FnMut(usize, usize)) -> Result<()> {
        let _serial = self.store.serial(&self.key);
        let graph = build_graph(&self.store)?;
        self.rebuild_index_from(&graph, self.store.generation(), progress)?;
        *self.graph_mut() = graph;
        self.merge_after_rebuild();
        *self.book.write().unwrap_or_else(|p| p.into_inner()) = self.store.load_book()?;
        Ok(())
    }
}
