//! The store: the source of truth for every durable thing chainscout keeps — sled in the data
//! dir by default, or a PostgreSQL database several processes share (SPEC §12), behind one
//! [`backend::Backend`] seam; everything in this module is the same for both.
//!
//! Everything else (the graph, the search index) is derived from what is here and can be rebuilt.
//! Records are versioned ([`record`]) so a later release can still read today's data.
//!
//! **Architecture Invariant:** the only way to change the store is a [`Txn`] from
//! [`Store::begin`], which needs the app's [`WriteKey`](crate::app::WriteKey) (only `app` can make
//! one). A transaction holds the store's one write lock from its first lookup until its
//! [`Committed`] is dropped, and commits as ONE atomic batch that also carries the new
//! generation and its change-log entry — for enterprises, deletes, chains, dismissals, tokens,
//! audit entries and the project book alike. The same lock is the backup gate ([`Store::export_lines`]).
//!
//! Layout: one tree, `records`, so every change is one atomic batch (big-endian keys):
//! - `e` + id (u64) → enterprise record
//! - `k` + chain id → chain record
//! - `d` + chain id + `\0` + enterprise id (u64) → dismissal record
//! - `t` + SHA-256 of a token secret (32 bytes) → token record
//! - `a` + sequence (u64) → audit entry
//! - `u`, `p`, `v`, `y`, `r` → units, projects, events, targets, published months (see `book.rs`)
//! - `g` + generation (u64) → change-log entry (see [`change_key`])
//! - `mgeneration`, `mnext_id` → counters
//!
//! Stores written by earlier releases kept chains, dismissals, tokens and audit entries in trees
//! of their own; [`Store::open`] moves them into `records` (idempotent if interrupted).

mod backend;
mod book;
mod identity;
mod pg;
mod record;
mod txn;

use backend::Backend;
pub use book::BookChange;
use identity::Found;
pub use identity::Identities;
pub use pg::ChangeListener;
use txn::Open;
pub use txn::{Committed, Txn};

use crate::error::{Error, Result};
use crate::model::{Chain, CreditCode, Enterprise, EnterpriseId, RegionCode};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const PID_FILE: &str = "chainscout.pid";
/// In `records`: the store generation (u64 BE).
const GENERATION_KEY: &[u8] = b"mgeneration";
/// In `records`: the next enterprise id (u64 BE).
const NEXT_ID_KEY: &[u8] = b"mnext_id";

/// Trees of earlier releases and the prefix their keys get in `records`.
const LEGACY_TREES: &[(&str, u8)] =
    &[("chains", b'k'), ("dismissals", b'd'), ("tokens", b't'), ("audit", b'a')];

/// Where a process keeps its records: the embedded default (sled in the data dir) or a shared
/// PostgreSQL database (SPEC §12: `--store postgres://…`). The data dir holds the search index
/// either way.
#[derive(Debug, Clone)]
pub struct Location {
    pub data: PathBuf,
    /// `postgres://USER@HOST:PORT/DB`; `None`: sled under `data`.
    pub store: Option<String>,
}

impl Location {
    pub fn embedded(data: impl Into<PathBuf>) -> Location {
        Location { data: data.into(), store: None }
    }
}

impl From<&Path> for Location {
    fn from(data: &Path) -> Location {
        Location::embedded(data)
    }
}

impl From<&PathBuf> for Location {
    fn from(data: &PathBuf) -> Location {
        Location::embedded(data.clone())
    }
}

/// An open store. One process at a time may hold a data directory; several may share one
/// PostgreSQL store.
pub struct Store {
    /// Bumped by every commit; the search index records the generation it reflects.
    generation: AtomicU64,
    /// The next enterprise id to hand out; persisted with every batch.
    next_id: AtomicU64,
    /// Where the records live: sled in the data dir, or a PostgreSQL database (SPEC §12).
    backend: Box<dyn Backend>,
    dir: PathBuf,
    /// The one write lock: held by each [`Txn`] from its first lookup until its [`Committed`] is
    /// dropped (so an identity checked absent stays absent until it is written, and derived state
    /// is applied in generation order), and by a backup while it streams.
    write_lock: std::sync::Mutex<()>,
    /// Who holds each credit code and name + region; built from the records, never stored.
    /// `None` until built (by the app's graph scan, or by the first lookup).
    identities: std::sync::RwLock<Option<Identities>>,
    /// With a shared store: the lock on the data dir (see [`Store::lock_data_dir`]).
    dir_lock: Option<std::fs::File>,
}

/// In `records`: the change log, `g` + generation (u64 BE) → what that generation changed:
/// `e` + enterprise ids (u64 BE each), `c` + chain ids separated by `\0`, or `x` (nothing the
/// search index shows: dismissals, tokens, audit). One entry per generation, written in the batch
/// of the change itself, so the search index can replay exactly the generations it has not seen
/// (see [`Store::changes_since`]).
fn change_key(generation: u64) -> [u8; 9] {
    let mut k = [b'g'; 9];
    k[1..].copy_from_slice(&generation.to_be_bytes());
    k
}

/// The changes after some generation, when the log has every one of them.
#[derive(Debug, Default)]
pub struct ChangeSet {
    pub enterprises: HashSet<EnterpriseId>,
    pub chains: HashSet<String>,
    /// Generations read from the log.
    pub generations: usize,
    /// Some generation changed something else (the project book, tokens, dismissals, audit).
    pub other: bool,
}

fn credit_key(code: &CreditCode) -> Vec<u8> {
    let mut k = vec![b'c'];
    k.extend_from_slice(code.as_str().as_bytes());
    k
}

fn name_key(name: &str, region: RegionCode) -> Vec<u8> {
    let mut k = vec![b'n'];
    k.extend_from_slice(name.as_bytes());
    k.push(0);
    k.extend_from_slice(region.to_string().as_bytes());
    k
}

fn enterprise_key(id: EnterpriseId) -> [u8; 9] {
    let mut k = [b'e'; 9];
    k[1..].copy_from_slice(&id.0.to_be_bytes());
    k
}

fn chain_key(id: &str) -> Vec<u8> {
    [b"k".as_slice(), id.as_bytes()].concat()
}

fn dismissal_prefix(chain: &str) -> Vec<u8> {
    let mut k = vec![b'd'];
    k.extend_from_slice(chain.as_bytes());
    k.push(0);
    k
}

fn dismissal_key(chain: &str, id: EnterpriseId) -> Vec<u8> {
    let mut k = dismissal_prefix(chain);
    k.extend_from_slice(&id.0.to_be_bytes());
    k
}

fn token_key(hash: &[u8]) -> Vec<u8> {
    [b"t".as_slice(), hash].concat()
}

/// A lead a user does not want suggested again for one chain.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dismissal {
    pub reason: String,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// An API token, stored under the SHA-256 of its secret (the secret itself is never stored).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub name: String,
    pub role: crate::model::Role,
    pub created: chrono::DateTime<chrono::Utc>,
    /// A unit: the token writes (and, for a viewer, reads) only that unit's subtree's projects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Who changed what, when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct AuditEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

impl AuditEntry {
    /// An entry stamped now.
    pub fn now(
        actor: &str,
        action: &str,
        target: impl Into<String>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> AuditEntry {
        AuditEntry {
            at: chrono::Utc::now(),
            actor: actor.to_string(),
            action: action.to_string(),
            target: target.into(),
            detail: String::new(),
            before,
            after,
        }
    }
}

fn id_of(bytes: &[u8]) -> Result<EnterpriseId> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| Error::CorruptRecord { key: "identity".into(), reason: "id is not 8 bytes".into() })?;
    Ok(EnterpriseId(u64::from_be_bytes(arr)))
}

fn u64_of(v: &[u8], what: &str) -> Result<u64> {
    Ok(u64::from_be_bytes(
        v.try_into().map_err(|_| Error::CorruptRecord { key: what.into(), reason: "not 8 bytes".into() })?,
    ))
}

impl Store {
    /// Opens (or creates) the store in `dir`. Fails with [`Error::StoreInUse`] when another
    /// process holds it.
    pub fn open(dir: &Path) -> Result<Store> {
        Self::open_at(&Location::embedded(dir))
    }

    /// Opens the store a [`Location`] names (PostgreSQL: connects, and creates the tables on
    /// first use).
    pub fn open_at(at: &Location) -> Result<Store> {
        let dir = at.data.as_path();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        if let Some(url) = &at.store {
            let lock = Self::lock_data_dir(dir)?;
            let (backend, begun) = pg::Postgres::connect(url)?;
            let mut store = Store::with_backend(Box::new(backend), begun.generation, begun.next_id, dir);
            store.dir_lock = Some(lock);
            return Ok(store);
        }
        Self::open_sled(dir)
    }

    /// The data dir holds one process's derived state (its search index): one process at a time,
    /// as sled's own lock ensures for an embedded store. Held until the store is dropped.
    fn lock_data_dir(dir: &Path) -> Result<std::fs::File> {
        use std::io::Write;
        let path = dir.join(PID_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        if file.try_lock().is_err() {
            let pid = std::fs::read_to_string(&path).ok().and_then(|s| s.trim().parse::<u32>().ok());
            return Err(Error::StoreInUse { path: dir.to_path_buf(), pid });
        }
        file.set_len(0).map_err(|e| Error::io(&path, e))?;
        write!(file, "{}", std::process::id()).map_err(|e| Error::io(&path, e))?;
        Ok(file)
    }

    fn with_backend(backend: Box<dyn Backend>, generation: u64, next_id: u64, dir: &Path) -> Store {
        Store {
            generation: AtomicU64::new(generation),
            next_id: AtomicU64::new(next_id),
            backend,
            dir: dir.to_path_buf(),
            identities: std::sync::RwLock::new(None),
            write_lock: std::sync::Mutex::new(()),
            dir_lock: None,
        }
    }

    fn open_sled(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let holder =
            || std::fs::read_to_string(dir.join(PID_FILE)).ok().and_then(|s| s.trim().parse::<u32>().ok());
        let mut attempts = 0;
        let db = loop {
            let opened = sled::Config::new()
                .path(dir.join("store"))
                .cache_capacity(256 * 1024 * 1024)
                .flush_every_ms(None)
                .open();
            match opened {
                Ok(db) => break db,
                Err(sled::Error::Io(io)) if io.to_string().contains("could not acquire lock") => {
                    // sled's background flusher releases the lock a moment after a `Store` in
                    // this same process is dropped; wait for it rather than fail.
                    attempts += 1;
                    if holder() == Some(std::process::id()) && attempts < 50 {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        continue;
                    }
                    return Err(Error::StoreInUse { path: dir.to_path_buf(), pid: holder() });
                }
                Err(other) => return Err(Error::Store(other)),
            }
        };
        let _ = std::fs::write(dir.join(PID_FILE), std::process::id().to_string());
        let records = db.open_tree("records")?;
        Self::migrate_legacy_trees(&db, &records)?;
        let generation = match records.get(GENERATION_KEY)? {
            Some(v) => u64_of(&v, "generation")?,
            None => 0,
        };
        let stored_next = match records.get(NEXT_ID_KEY)? {
            Some(v) => v.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(1),
            None => 1,
        };
        // Never below an id in use, whatever the counter says.
        let after_last = match records.scan_prefix([b'e']).keys().next_back() {
            Some(k) => id_of(&k?[1..])?.0 + 1,
            None => 1,
        };
        let next_id = stored_next.max(after_last);
        Ok(Store::with_backend(Box::new(backend::Sled { db, records }), generation, next_id, dir))
    }

    /// Moves the trees of earlier releases into `records` (one batch, flushed), then drops them.
    fn migrate_legacy_trees(db: &sled::Db, records: &sled::Tree) -> Result<()> {
        let names = db.tree_names();
        for (name, prefix) in LEGACY_TREES {
            if !names.iter().any(|n| n.as_ref() == name.as_bytes()) {
                continue;
            }
            let tree = db.open_tree(name)?;
            let mut batch = sled::Batch::default();
            let mut n = 0;
            for kv in tree.iter() {
                let (k, v) = kv?;
                batch.insert([&[*prefix][..], &k].concat(), v);
                n += 1;
            }
            records.apply_batch(batch)?;
            db.flush()?;
            db.drop_tree(name)?;
            tracing::info!(tree = name, records = n, "moved a tree of an earlier release into `records`");
        }
        Ok(())
    }

    /// Starts a write transaction: waits for the store's one write lock. Only the app can call
    /// it (it holds the [`WriteKey`](crate::app::WriteKey)).
    pub fn begin(&self, _key: &crate::app::WriteKey) -> Result<Txn<'_>> {
        let serial = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let base = match self.backend.begin()? {
            Some(begun) => {
                self.next_id.fetch_max(begun.next_id, Ordering::SeqCst);
                begun.generation
            }
            None => self.generation(),
        };
        Ok(Txn::new(self, serial, base))
    }

    /// The store's write lock alone, without a database transaction: for bringing this process's
    /// derived state up to what other processes wrote (see `app::follow`).
    pub fn serial(&self, _key: &crate::app::WriteKey) -> std::sync::MutexGuard<'_, ()> {
        self.write_lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Says this process's derived state has caught up to `generation` (written by others).
    /// Callers hold the write lock.
    pub(crate) fn caught_up(&self, generation: u64) {
        self.generation.fetch_max(generation, Ordering::SeqCst);
    }

    /// Says this process's derived state holds only up to `generation` after all (applying a
    /// commit failed): the next catch-up replays the rest. Callers hold the write lock.
    pub(crate) fn rewind_applied(&self, generation: u64) {
        self.generation.fetch_min(generation, Ordering::SeqCst);
    }

    /// The generation the store is at now, including what other processes wrote since this one
    /// last looked (the same as [`Store::generation`] for an embedded store).
    pub fn latest_generation(&self) -> Result<u64> {
        self.backend.latest_generation()
    }

    /// What the store runs on (`sled (embedded)`, or the PostgreSQL server without password).
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// Whether other processes may write this store (a shared PostgreSQL store).
    pub fn is_shared(&self) -> bool {
        self.backend.enforces_identity()
    }

    /// A connection that wakes when another process commits (PostgreSQL's LISTEN); `None` for
    /// an embedded store.
    pub fn change_listener(&self) -> Result<Option<ChangeListener>> {
        self.backend.change_listener()
    }

    /// Hands over the identity index built while scanning every record (see `app::build_graph`).
    /// Callers hold the write lock (a [`Txn`]) or have the store to themselves.
    pub(crate) fn seed_identities(&self, identities: Identities) {
        *self.identities.write().unwrap_or_else(|p| p.into_inner()) = Some(identities);
    }

    /// The identity index, built by a scan of the records if nobody seeded it.
    fn identities(&self) -> Result<std::sync::RwLockReadGuard<'_, Option<Identities>>> {
        {
            let read = self.identities.read().unwrap_or_else(|p| p.into_inner());
            if read.is_some() {
                return Ok(read);
            }
        }
        let mut built = Identities::default();
        for facts in self.enterprise_facts() {
            built.add_enterprise(&facts?);
        }
        let mut write = self.identities.write().unwrap_or_else(|p| p.into_inner());
        write.get_or_insert(built);
        drop(write);
        Ok(self.identities.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Identity keys held in memory (a credit code and a name + region per enterprise).
    pub fn identity_keys(&self) -> Result<usize> {
        Ok(self.identities()?.as_ref().map_or(0, Identities::len))
    }

    /// The enterprise holding `key`, checked against its record; `record` reads one by id.
    fn resolve(
        &self,
        key: &[u8],
        record: impl Fn(EnterpriseId) -> Result<Option<Enterprise>>,
    ) -> Result<Option<EnterpriseId>> {
        if self.backend.enforces_identity() {
            return self.backend.lookup(key);
        }
        let found = match self.identities()?.as_ref() {
            Some(ids) => ids.find(key),
            None => Found::None,
        };
        match found {
            Found::Exact(id) => Ok(Some(id)),
            Found::Candidate(id) => {
                let holds = record(id)?.is_some_and(|e| {
                    name_key(&e.name, e.region) == key
                        || e.credit_code.as_ref().is_some_and(|c| credit_key(c) == key)
                });
                Ok(holds.then_some(id))
            }
            Found::None => Ok(None),
        }
    }

    fn change_identities(
        &self,
        ops: &[(Vec<u8>, EnterpriseId, bool)],
        names: &[(String, EnterpriseId, bool)],
    ) {
        if let Some(ids) = self.identities.write().unwrap_or_else(|p| p.into_inner()).as_mut() {
            for (key, id, add) in ops {
                if *add { ids.add(key, *id) } else { ids.remove(key, *id) }
            }
            for (name, id, add) in names {
                ids.count_name(name, *id, *add);
            }
        }
    }

    /// See [`backend::Backend::prefetch`].
    fn prefetch(&self, codes: &[String], names: &[String]) -> Result<Option<Vec<backend::Prefetched>>> {
        self.backend.prefetch(codes, names)
    }

    /// How many stored enterprises have a name with `name`'s hash, and the XOR of their ids.
    fn named(&self, name: &str) -> Result<(u32, u64)> {
        if self.backend.enforces_identity() {
            return self.backend.named(name);
        }
        Ok(self.identities()?.as_ref().map_or((0, 0), |ids| ids.named(name)))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The generation of the data: it changes with every commit.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Makes every write so far durable.
    pub fn flush(&self) -> Result<()> {
        self.backend.flush()
    }

    /// What changed after generation `after`, or `None` when the log cannot say (a generation
    /// without entries: written before the log existed, or already pruned).
    pub fn changes_since(&self, after: u64) -> Result<Option<ChangeSet>> {
        self.changes_between(after, self.generation())
    }

    /// What changed after generation `after` up to and including `upto`, or `None` when the log
    /// cannot say.
    pub fn changes_between(&self, after: u64, upto: u64) -> Result<Option<ChangeSet>> {
        let mut set = ChangeSet::default();
        let mut seen = HashSet::new();
        let corrupt = || Error::CorruptRecord { key: "change log".into(), reason: "bad entry".into() };
        for (g, v) in self.backend.changes_after(after)? {
            if g > upto {
                break;
            }
            seen.insert(g);
            match v.split_first() {
                Some((b'e', ids)) if ids.len() % 8 == 0 => {
                    for id in ids.chunks_exact(8) {
                        let id: [u8; 8] = id.try_into().map_err(|_| corrupt())?;
                        set.enterprises.insert(EnterpriseId(u64::from_be_bytes(id)));
                    }
                }
                Some((b'c', ids)) => {
                    set.chains
                        .extend(ids.split(|&b| b == 0).map(|id| String::from_utf8_lossy(id).into_owned()));
                }
                Some((b'x', _)) => set.other = true,
                _ => return Err(corrupt()),
            }
        }
        set.generations = seen.len();
        let complete = (after + 1..=upto).all(|g| seen.contains(&g));
        Ok(complete.then_some(set))
    }

    /// Forgets the changes up to and including `generation` (the index has them). Log
    /// housekeeping, not a change: the generation stays.
    pub(crate) fn prune_changes(&self, generation: u64) -> Result<usize> {
        let _serial = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.backend.prune_changes(generation)
    }

    /// Bytes the store takes on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.backend.size_on_disk()
    }

    // ---- chains ----

    pub fn chains(&self) -> Result<Vec<Chain>> {
        self.backend
            .scan(b"k", false)
            .map(|kv| {
                let (k, v) = kv?;
                record::decode(String::from_utf8_lossy(&k[1..]), &v)
            })
            .collect()
    }

    pub fn chain(&self, id: &str) -> Result<Option<Chain>> {
        self.backend.get(&chain_key(id))?.map(|v| record::decode(id, &v)).transpose()
    }

    // ---- dismissals and audit ----

    /// The enterprises dismissed for a chain, with why.
    pub fn dismissals(&self, chain: &str) -> Result<Vec<(EnterpriseId, Dismissal)>> {
        let prefix = dismissal_prefix(chain);
        self.backend
            .scan(&prefix, false)
            .map(|kv| {
                let (k, v) = kv?;
                let id = id_of(&k[prefix.len()..])?;
                Ok((id, record::decode(id, &v)?))
            })
            .collect()
    }

    /// The newest audit entries first, at most `limit`.
    pub fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.backend
            .scan(b"a", true)
            .take(limit)
            .map(|kv| {
                let (k, v) = kv?;
                record::decode(format!("audit {k:?}"), &v)
            })
            .collect()
    }

    // ---- backup ----

    /// Every record of every kind, as the lines of a backup file (JSON objects). Holds the write
    /// lock while it runs, so the snapshot has whole transactions only.
    pub fn export_lines(&self, mut emit: impl FnMut(serde_json::Value) -> Result<()>) -> Result<()> {
        use serde_json::json;
        let _alone = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        // A shared store: its write lock too, so no other process commits while this streams.
        let begun = self.backend.begin()?;
        let _end = Open { store: self, live: begun.is_some() };
        self.flush()?;
        let generation = begun.map_or(self.generation(), |b| b.generation);
        emit(json!({"chainscout_backup": 1, "generation": generation, "created": chrono::Utc::now()}))?;
        for c in self.chains()? {
            emit(json!({ "chain": c }))?;
        }
        for e in self.enterprises() {
            emit(json!({ "enterprise": e? }))?;
        }
        for kv in self.backend.scan(b"d", false) {
            let (k, v) = kv?;
            let k = &k[1..];
            let split = k.iter().position(|&b| b == 0).unwrap_or(k.len());
            let chain = String::from_utf8_lossy(&k[..split]).into_owned();
            let id = id_of(&k[split + 1..])?;
            let d: Dismissal = record::decode(id, &v)?;
            emit(json!({"dismissal": {"chain": chain, "enterprise": id, "record": d}}))?;
        }
        for kv in self.backend.scan(b"t", false) {
            let (k, v) = kv?;
            let t: TokenRecord = record::decode("token", &v)?;
            let hash: String = k[1..].iter().map(|b| format!("{b:02x}")).collect();
            emit(json!({"token": {"sha256": hash, "record": t}}))?;
        }
        for change in self.book_records() {
            emit(book::backup_line(&change?))?;
        }
        for kv in self.backend.scan(b"a", false) {
            let a: AuditEntry = record::decode("audit", &kv?.1)?;
            emit(json!({ "audit": a }))?;
        }
        Ok(())
    }

    /// Whether the store holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.backend.scan(b"k", false).next().is_none()
            && self.backend.scan(b"t", false).next().is_none()
            && self.backend.count_enterprises().is_ok_and(|n| n == 0)
    }

    // ---- API tokens ----

    pub fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<TokenRecord>> {
        self.backend.get(&token_key(hash))?.map(|v| record::decode("token", &v)).transpose()
    }

    pub fn tokens(&self) -> Result<Vec<TokenRecord>> {
        self.backend.scan(b"t", false).map(|kv| record::decode("token", &kv?.1)).collect()
    }

    /// The key and record of the token with this id.
    fn token_by_id(&self, id: &str) -> Result<Option<(sled::IVec, TokenRecord)>> {
        for kv in self.backend.scan(b"t", false) {
            let (k, v) = kv?;
            let t: TokenRecord = record::decode("token", &v)?;
            if t.id == id {
                return Ok(Some((k, t)));
            }
        }
        Ok(None)
    }

    // ---- enterprises ----

    pub fn enterprise(&self, id: EnterpriseId) -> Result<Option<Enterprise>> {
        self.backend.get(&enterprise_key(id))?.map(|v| record::decode(id, &v)).transpose()
    }

    pub fn find_by_credit_code(&self, code: &CreditCode) -> Result<Option<EnterpriseId>> {
        self.resolve(&credit_key(code), |id| self.enterprise(id))
    }

    pub fn find_by_name(&self, name: &str, region: RegionCode) -> Result<Option<EnterpriseId>> {
        self.resolve(&name_key(name, region), |id| self.enterprise(id))
    }

    /// Every enterprise, in id order.
    pub fn enterprises(&self) -> impl Iterator<Item = Result<Enterprise>> + '_ {
        self.backend.scan(b"e", false).map(|kv| {
            let (k, v) = kv?;
            record::decode(record::EnterpriseKey(&k), &v)
        })
    }

    /// What the graph needs of every enterprise, in id order (decodes only those fields).
    pub fn enterprise_facts(&self) -> impl Iterator<Item = Result<crate::model::EnterpriseFacts>> + '_ {
        self.backend.scan(b"e", false).map(|kv| {
            let (k, v) = kv?;
            record::decode(record::EnterpriseKey(&k), &v)
        })
    }

    pub fn count_enterprises(&self) -> usize {
        self.backend.count_enterprises().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests;
