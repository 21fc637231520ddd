//! Following a shared store (SPEC §12): other processes write to the same PostgreSQL store, and
//! this process's graph, index and book must come to hold what they wrote.
//!
//! The change log says, per generation, which enterprises changed (or that chains or other
//! records did). Catching up replays it: each changed enterprise is read as the store holds it
//! now and put into graph and index (idempotent, so replaying a generation twice is harmless);
//! a changed chain, or a log that cannot say, rebuilds graph and index from the store. Two
//! callers: every write transaction first (so a process validates against what others wrote and
//! applies its own commit in generation order), and a background thread that wakes on each
//! commit's NOTIFY (polling as the fallback) so searches see other processes' writes within a
//! second.

use super::{App, build_graph};
use crate::error::Result;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How long the follower waits for a notification before it looks anyway.
const POLL: Duration = Duration::from_millis(500);

impl App {
    /// Brings graph, index and book up to what other processes have committed. Returns whether
    /// there was anything to catch up. An embedded store has no other writer: nothing to do.
    pub fn follow(&self) -> Result<bool> {
        if !self.store.is_shared() || self.store.latest_generation()? <= self.store.generation() {
            return Ok(false);
        }
        let _serial = self.store.serial(&self.key);
        let latest = self.store.latest_generation()?;
        if latest <= self.store.generation() {
            return Ok(false);
        }
        self.catch_up_to(latest)?;
        Ok(true)
    }

    /// Replays the changes after this process's generation up to `target` (callers hold the
    /// store's write lock).
    pub(super) fn catch_up_to(&self, target: u64) -> Result<()> {
        let from = self.store.generation();
        let started = std::time::Instant::now();
        match self.store.changes_between(from, target)? {
            Some(changes) if changes.chains.is_empty() => {
                let mut records = Vec::with_capacity(changes.enterprises.len());
                for id in &changes.enterprises {
                    records.push((*id, self.store.enterprise(*id)?));
                }
                {
                    let mut graph = self.graph_mut();
                    for (id, e) in &records {
                        match e {
                            Some(e) => graph.upsert_enterprise(e.into()),
                            None => graph.remove_enterprise(*id),
                        }
                    }
                }
                let graph = self.graph();
                for (id, e) in &records {
                    match e {
                        Some(e) => self.index.upsert(e, &graph.links_with_ancestors(*id))?,
                        None => self.index.delete(*id),
                    }
                }
                drop(graph);
                if changes.other {
                    *self.book.write().unwrap_or_else(|p| p.into_inner()) = self.store.load_book()?;
                }
                self.index.reached(target);
                self.index.commit()?;
                // Only once graph, index and book hold it (a failed replay is retried whole:
                // upserts of a record as it stands now are idempotent).
                self.store.caught_up(target);
                tracing::debug!(
                    from,
                    target,
                    enterprises = records.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "caught up with other processes' writes"
                );
            }
            _ => {
                tracing::info!(from, target, "chains changed elsewhere (or the log cannot say): rebuilding");
                let graph = build_graph(&self.store)?;
                let book = self.store.load_book()?;
                self.rebuild_index_from(&graph, target, &mut |_, _| {})?;
                *self.graph_mut() = graph;
                *self.book.write().unwrap_or_else(|p| p.into_inner()) = book;
                // Only now: a rebuild that failed leaves the generation where it was, to retry.
                self.store.caught_up(target);
            }
        }
        Ok(())
    }
}

/// Starts the thread that keeps `app` following a shared store (nothing for an embedded one). It
/// stops when the app is dropped.
pub fn follow_in_background(app: &Arc<App>) -> Result<()> {
    let Some(mut listener) = app.store().change_listener()? else { return Ok(()) };
    let app: Weak<App> = Arc::downgrade(app);
    std::thread::Builder::new()
        .name("follow-store".into())
        .spawn(move || {
            loop {
                listener.wait(POLL);
                let Some(app) = app.upgrade() else { return };
                if let Err(e) = app.follow() {
                    tracing::warn!(error = %e, "following the shared store failed; retrying");
                }
            }
        })
        .map_err(|e| crate::error::Error::io("follow-store thread", e))?;
    Ok(())
}
