//! `App`: owns the store, the graph and the search index, and is the ONE write path.
//!
//! **Architecture Invariant:** every durable change goes through [`App::write`] (or the bulk
//! import's batches, which do the same per batch): a store [`Txn`] — the only store mutator, which
//! needs the [`WriteKey`] that only this module can make — commits one atomic batch, then the
//! [`Committed`] change set is applied to the graph and the index *while the store's write lock is
//! still held* (so derived state follows the store in generation order), then the store is flushed
//! and the index committed — still under the lock, so an index commit never holds a change the
//! store could lose in a crash, and the generation it records is exactly what it holds — before
//! anyone is told. Readers take the graph's read lock, which a writer holds only while it applies
//! a committed batch or swaps in a graph built aside.
//!
//! The submodules group the app's jobs: `open` (open, reconcile, rebuild), `check`, `chains`,
//! `enterprises` (CRUD and bulk import), `access` (tokens, audit, backup and restore), `reads`
//! (leads, standing, search post-processing).

mod access;
mod chains;
mod check;
mod enterprises;
mod follow;
mod last_known;
mod open;
mod projects;
mod reads;

pub use check::CheckReport;
pub use enterprises::Outcome;
pub use follow::follow_in_background;
pub use open::build_graph;
pub use projects::{Actor, stage_list};
pub use reads::Standing;

use crate::error::Result;
use crate::graph::Graph;
use crate::search::SearchIndex;
use crate::store::{Committed, Store, Txn};
use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The capability to open a store transaction ([`Store::begin`]). Its field is private, so only
/// `app` can make one: no handler, CLI command or other module can write the store around the
/// graph and the index.
pub struct WriteKey {
    _private: (),
}

impl WriteKey {
    /// For the store's own unit tests, which have no app.
    #[cfg(test)]
    pub(crate) fn for_tests() -> WriteKey {
        WriteKey { _private: () }
    }
}

pub struct App {
    key: WriteKey,
    store: Store,
    graph: RwLock<Graph>,
    index: SearchIndex,
    /// Units, projects, events, targets and published months (SPEC §10), as the store holds them.
    book: RwLock<crate::projects::Book>,
    /// Lead analyses by chain, with the graph version they were made from.
    analyses: std::sync::Mutex<HashMap<String, (u64, std::sync::Arc<crate::leads::Analysis>)>>,
    /// The store's last answers for tokens and dismissals (reads during a store outage).
    last_known: last_known::LastKnown,
}

/// SHA-256 of a token secret: what the store keeps.
pub fn token_hash(secret: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes()).into()
}

/// Today's date, the upper bound of dates in input.
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

impl App {
    /// The store, for reading (its only mutator needs the app's [`WriteKey`]).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The graph, for reading. Never hold it across an `.await`.
    pub fn graph(&self) -> RwLockReadGuard<'_, Graph> {
        self.graph.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn graph_mut(&self) -> RwLockWriteGuard<'_, Graph> {
        self.graph.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts a store transaction (waits for the store's write lock) with graph, index and book
    /// brought up to what the store holds (other processes may have written to a shared store).
    fn begin_caught_up(&self) -> Result<Txn<'_>> {
        // Most of the catching up before the shared store's write lock (other processes' writers
        // would wait for it); what is left under the lock is what arrived meanwhile.
        self.follow()?;
        let txn = self.store.begin(&self.key)?;
        if txn.base_generation() > self.store.generation() {
            self.catch_up_to(txn.base_generation())?;
        }
        Ok(txn)
    }

    /// The one write path: runs `f` in a transaction; if it fails, nothing is stored. Otherwise
    /// commits, applies the change to graph and index, and makes it durable and searchable
    /// before returning.
    fn write<T>(&self, f: impl FnOnce(&mut Txn<'_>) -> Result<T>) -> Result<T> {
        let mut txn = self.begin_caught_up()?;
        let out = f(&mut txn)?;
        let committed = txn.commit()?;
        self.apply(&committed)?;
        self.flush(&committed)?;
        Ok(out)
    }

    /// Brings graph and index up to date with a commit (the index uncommitted: see
    /// [`App::flush`]).
    fn apply(&self, c: &Committed<'_>) -> Result<()> {
        self.apply_timed(c, &mut enterprises::PhaseTimes::default())
    }

    fn apply_timed(&self, c: &Committed<'_>, t: &mut enterprises::PhaseTimes) -> Result<()> {
        let applied = self.apply_committed(c, t);
        if applied.is_err() && self.store.is_shared() && c.generation > 0 {
            // The store has the commit; this process's derived state may not. Say so, so the
            // next catch-up replays it (idempotently) instead of believing it applied.
            self.store.rewind_applied(c.generation - 1);
        }
        applied
    }

    fn apply_committed(&self, c: &Committed<'_>, t: &mut enterprises::PhaseTimes) -> Result<()> {
        self.apply_book(&c.book);
        if !c.chains.is_empty() {
            // A change of details only (链长, key links, names, weights) is applied in place; a
            // new structure may move every enterprise's memberships: rebuild what derives from it,
            // aside, and swap it in.
            let details_only = {
                let mut graph = self.graph_mut();
                c.chains.iter().all(|chain| graph.replace_chain_details(chain.clone()))
            };
            if !details_only {
                // Built from the store, they hold the commit's enterprises too.
                let graph = build_graph(&self.store)?;
                self.rebuild_index_from(&graph, c.generation, &mut |_, _| {})?;
                *self.graph_mut() = graph;
                return Ok(());
            }
        }
        let started = std::time::Instant::now();
        {
            let mut graph = self.graph_mut();
            for (id, e) in &c.enterprises {
                match e {
                    Some(e) => graph.upsert_enterprise(e.into()),
                    None => graph.remove_enterprise(*id),
                }
            }
        }
        let graphed = std::time::Instant::now();
        {
            let graph = self.graph();
            for (id, e) in &c.enterprises {
                match e {
                    Some(e) => self.index.upsert(e, &graph.links_with_ancestors(e.id))?,
                    None => self.index.delete(*id),
                }
            }
        }
        self.index.reached(c.generation);
        t.graph += graphed - started;
        t.index += graphed.elapsed();
        Ok(())
    }

    /// Makes everything written so far durable, then searchable. Takes the commit (and so the
    /// write lock) it follows: the index is committed only right after a store flush under the
    /// lock.
    fn flush(&self, _serial: &Committed<'_>) -> Result<()> {
        self.store.flush()?;
        if !self.index.has_pending() {
            // Nothing the index shows changed (projects, events, tokens, dismissals, audit): a
            // commit would cost a sync for nothing. The index records the generation with its
            // next commit; at open, a lag of such changes only is caught up without a rebuild.
            return Ok(());
        }
        self.index.commit()
    }
}
