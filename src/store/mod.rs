//! The store: sled, the source of truth for chains and enterprises.
//!
//! Everything else (the graph, the search index) is derived from what is here and can be rebuilt.
//! Records are versioned ([`record`]) so a later release can still read today's data. Writes are
//! made durable with [`Store::flush`] before anyone is told they succeeded.
//!
//! Layout (few trees, big-endian keys):
//! - `chains`: chain id → chain record
//! - `records`: `e` + id (u64 BE) → enterprise record; `c` + credit code → id;
//!   `n` + name + `\0` + region → id. One tree, so an enterprise and its identity keys are written
//!   in one atomic batch.

mod identity;
mod record;

use identity::Found;
pub use identity::Identities;

use crate::error::{Error, Result};
use crate::model::{Chain, CreditCode, Enterprise, EnterpriseId, RegionCode};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const PID_FILE: &str = "chainscout.pid";
/// In `records`: the store generation (u64 BE).
const GENERATION_KEY: &[u8] = b"mgeneration";
/// In `records`: the next enterprise id (u64 BE).
const NEXT_ID_KEY: &[u8] = b"mnext_id";

/// An open store. One process at a time may hold a data directory.
pub struct Store {
    /// Bumped by every change; the search index records the generation it reflects.
    generation: AtomicU64,
    /// The next enterprise id to hand out; persisted with every batch that uses one.
    next_id: AtomicU64,
    db: sled::Db,
    chains: sled::Tree,
    records: sled::Tree,
    /// chain id + `\0` + enterprise id (u64 BE) → dismissal record.
    dismissals: sled::Tree,
    /// sequence (u64 BE) → audit entry.
    audit: sled::Tree,
    /// SHA-256 of a token (32 bytes) → token record.
    tokens: sled::Tree,
    dir: PathBuf,
    /// Held by each `Writer` from its first lookup to its commit, so an identity checked absent
    /// stays absent until the enterprise that claims it is written (no duplicates from two
    /// concurrent writers).
    write_lock: std::sync::Mutex<()>,
    /// Who holds each credit code and name + region; built from the records, never stored.
    /// `None` until built (by the app's graph scan, or by the first lookup).
    identities: std::sync::RwLock<Option<Identities>>,
}

/// In `records`: the change log, `g` + generation (u64 BE) → what that generation changed:
/// `e` + enterprise ids (u64 BE each), or `c` + chain ids separated by `\0`. One entry per
/// generation, written in the batch of the change itself, so the search index can replay exactly
/// the generations it has not seen (see [`Store::changes_since`]).
fn change_key(generation: u64) -> [u8; 9] {
    let mut k = [b'g'; 9];
    k[1..].copy_from_slice(&generation.to_be_bytes());
    k
}

fn enterprises_changed(ids: impl Iterator<Item = EnterpriseId>) -> Vec<u8> {
    let mut v = vec![b'e'];
    for id in ids {
        v.extend_from_slice(&id.0.to_be_bytes());
    }
    v
}

/// The changes after some generation, when the log has every one of them.
#[derive(Debug, Default)]
pub struct ChangeSet {
    pub enterprises: HashSet<EnterpriseId>,
    pub chains: HashSet<String>,
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

fn dismissal_key(chain: &str, id: EnterpriseId) -> Vec<u8> {
    let mut k = chain.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(&id.0.to_be_bytes());
    k
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
    /// `viewer`, `analyst` or `admin`.
    pub role: String,
    pub created: chrono::DateTime<chrono::Utc>,
}

/// Who changed what, when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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

fn id_of(bytes: &[u8]) -> Result<EnterpriseId> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| Error::CorruptRecord { key: "identity".into(), reason: "id is not 8 bytes".into() })?;
    Ok(EnterpriseId(u64::from_be_bytes(arr)))
}

impl Store {
    /// Opens (or creates) the store in `dir`. Fails with [`Error::StoreInUse`] when another
    /// process holds it.
    pub fn open(dir: &Path) -> Result<Store> {
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
        let generation = match records.get(GENERATION_KEY)? {
            Some(v) => u64::from_be_bytes(v.as_ref().try_into().map_err(|_| Error::CorruptRecord {
                key: "generation".into(),
                reason: "not 8 bytes".into(),
            })?),
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
        Ok(Store {
            generation: AtomicU64::new(generation),
            next_id: AtomicU64::new(stored_next.max(after_last)),
            chains: db.open_tree("chains")?,
            dismissals: db.open_tree("dismissals")?,
            audit: db.open_tree("audit")?,
            tokens: db.open_tree("tokens")?,
            records,
            db,
            dir: dir.to_path_buf(),
            identities: std::sync::RwLock::new(None),
            write_lock: std::sync::Mutex::new(()),
        })
    }

    /// Hands over the identity index built while scanning every record (see `app::build_graph`).
    pub fn seed_identities(&self, identities: Identities) {
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

    fn change_identities(&self, ops: &[(Vec<u8>, EnterpriseId, bool)]) {
        if let Some(ids) = self.identities.write().unwrap_or_else(|p| p.into_inner()).as_mut() {
            for (key, id, add) in ops {
                if *add { ids.add(key, *id) } else { ids.remove(key, *id) }
            }
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The generation of the data: it changes with every write.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The next generation, to be written in the same batch as the change it marks.
    fn next_generation(&self) -> (u64, [u8; 8]) {
        let g = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        (g, g.to_be_bytes())
    }

    /// Makes every write so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    /// What changed after generation `after`, or `None` when the log cannot say (a generation
    /// without entries: written before the log existed, or already pruned).
    pub fn changes_since(&self, after: u64) -> Result<Option<ChangeSet>> {
        let mut set = ChangeSet::default();
        let mut seen = HashSet::new();
        let corrupt = || Error::CorruptRecord { key: "change log".into(), reason: "bad entry".into() };
        for kv in self.records.range(change_key(after + 1).to_vec()..vec![b'h']) {
            let (k, v) = kv?;
            let g: [u8; 8] = k.get(1..9).and_then(|b| b.try_into().ok()).ok_or_else(corrupt)?;
            seen.insert(u64::from_be_bytes(g));
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
                _ => return Err(corrupt()),
            }
        }
        let complete = (after + 1..=self.generation()).all(|g| seen.contains(&g));
        Ok(complete.then_some(set))
    }

    /// Forgets the changes up to and including `generation` (the index has them).
    pub fn prune_changes(&self, generation: u64) -> Result<usize> {
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for kv in self.records.range(vec![b'g']..change_key(generation + 1).to_vec()) {
            batch.remove(kv?.0);
            n += 1;
        }
        self.records.apply_batch(batch)?;
        Ok(n)
    }

    /// Bytes the store takes on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    // ---- chains ----

    pub fn chains(&self) -> Result<Vec<Chain>> {
        self.chains
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                record::decode(String::from_utf8_lossy(&k), &v)
            })
            .collect()
    }

    pub fn chain(&self, id: &str) -> Result<Option<Chain>> {
        self.chains.get(id.as_bytes())?.map(|v| record::decode(id, &v)).transpose()
    }

    /// Stores chains (new or replacing) in one atomic batch and flushes.
    pub fn put_chains(&self, chains: &[Chain]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for chain in chains {
            batch.insert(chain.id.as_bytes(), record::encode(chain)?);
        }
        self.chains.apply_batch(batch)?;
        let (g, bytes) = self.next_generation();
        let mut marks = sled::Batch::default();
        marks.insert(GENERATION_KEY, &bytes);
        let ids: Vec<&str> = chains.iter().map(|c| c.id.as_str()).collect();
        marks.insert(&change_key(g), [b"c".as_slice(), ids.join("\0").as_bytes()].concat());
        self.records.apply_batch(marks)?;
        self.flush()
    }

    // ---- dismissals and audit ----

    /// Records that `enterprise` is not to be suggested for `chain` again (flushed).
    pub fn dismiss(&self, chain: &str, enterprise: EnterpriseId, d: &Dismissal) -> Result<()> {
        self.dismissals.insert(dismissal_key(chain, enterprise), record::encode(d)?)?;
        self.flush()
    }

    /// The enterprises dismissed for a chain, with why.
    pub fn dismissals(&self, chain: &str) -> Result<Vec<(EnterpriseId, Dismissal)>> {
        let mut prefix = chain.as_bytes().to_vec();
        prefix.push(0);
        self.dismissals
            .scan_prefix(&prefix)
            .map(|kv| {
                let (k, v) = kv?;
                let id = id_of(&k[prefix.len()..])?;
                Ok((id, record::decode(id, &v)?))
            })
            .collect()
    }

    /// Appends an audit entry (flushed with the next flush; callers flush).
    pub fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        let seq = self.db.generate_id()?;
        self.audit.insert(seq.to_be_bytes(), record::encode(entry)?)?;
        Ok(())
    }

    /// The newest audit entries first, at most `limit`.
    pub fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.audit
            .iter()
            .rev()
            .take(limit)
            .map(|kv| {
                let (k, v) = kv?;
                record::decode(format!("audit {k:?}"), &v)
            })
            .collect()
    }

    // ---- backup ----

    /// Every record of every kind, as the lines of a backup file (JSON objects). Callers make sure
    /// no write runs meanwhile (see `App::backup`).
    pub fn export_lines(&self, mut emit: impl FnMut(serde_json::Value) -> Result<()>) -> Result<()> {
        use serde_json::json;
        emit(
            json!({"chainscout_backup": 1, "generation": self.generation(), "created": chrono::Utc::now()}),
        )?;
        for c in self.chains()? {
            emit(json!({ "chain": c }))?;
        }
        for e in self.enterprises() {
            emit(json!({ "enterprise": e? }))?;
        }
        for kv in self.dismissals.iter() {
            let (k, v) = kv?;
            let split = k.iter().position(|&b| b == 0).unwrap_or(k.len());
            let chain = String::from_utf8_lossy(&k[..split]).into_owned();
            let id = id_of(&k[split + 1..])?;
            let d: Dismissal = record::decode(id, &v)?;
            emit(json!({"dismissal": {"chain": chain, "enterprise": id, "record": d}}))?;
        }
        for kv in self.tokens.iter() {
            let (k, v) = kv?;
            let t: TokenRecord = record::decode("token", &v)?;
            let hash: String = k.iter().map(|b| format!("{b:02x}")).collect();
            emit(json!({"token": {"sha256": hash, "record": t}}))?;
        }
        for kv in self.audit.iter() {
            let a: AuditEntry = record::decode("audit", &kv?.1)?;
            emit(json!({ "audit": a }))?;
        }
        Ok(())
    }

    /// Loads one backup line into an empty store (not flushed; the caller flushes at the end).
    /// Writes enterprises read from a backup, in one atomic batch.
    pub fn restore_enterprises(&self, enterprises: &[Enterprise]) -> Result<()> {
        let mut w = self.writer();
        for e in enterprises {
            self.next_id.fetch_max(e.id.0 + 1, Ordering::SeqCst);
            w.put_enterprise(None, e)?;
        }
        w.commit()?;
        Ok(())
    }

    /// Restores one backup line other than an enterprise (chains, dismissals, tokens, audit);
    /// enterprises go in batches through [`Store::restore_enterprises`].
    pub fn restore_line(&self, line: &serde_json::Value) -> Result<()> {
        let bad = |what: &str| Error::UnreadableInput(format!("backup line is not a valid {what}"));
        if let Some(c) = line.get("chain") {
            let c: Chain = serde_json::from_value(c.clone()).map_err(|_| bad("chain"))?;
            self.chains.insert(c.id.as_bytes(), record::encode(&c)?)?;
        } else if let Some(d) = line.get("dismissal") {
            let chain = d["chain"].as_str().ok_or_else(|| bad("dismissal"))?;
            let id =
                d["enterprise"].as_str().and_then(EnterpriseId::parse).ok_or_else(|| bad("dismissal"))?;
            let r: Dismissal = serde_json::from_value(d["record"].clone()).map_err(|_| bad("dismissal"))?;
            self.dismissals.insert(dismissal_key(chain, id), record::encode(&r)?)?;
        } else if let Some(t) = line.get("token") {
            let hex = t["sha256"].as_str().ok_or_else(|| bad("token"))?;
            let hash: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
                .collect::<std::result::Result<_, _>>()
                .map_err(|_| bad("token"))?;
            let r: TokenRecord = serde_json::from_value(t["record"].clone()).map_err(|_| bad("token"))?;
            self.tokens.insert(hash, record::encode(&r)?)?;
        } else if let Some(a) = line.get("audit") {
            let a: AuditEntry = serde_json::from_value(a.clone()).map_err(|_| bad("audit entry"))?;
            self.append_audit(&a)?;
        } else if line.get("chainscout_backup").is_none() {
            return Err(bad("record"));
        }
        Ok(())
    }

    /// Whether the store holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.chains.is_empty() && self.count_enterprises() == 0 && self.tokens.is_empty()
    }

    // ---- API tokens ----

    /// Stores a token record under the hash of its secret (flushed).
    pub fn put_token(&self, hash: &[u8; 32], t: &TokenRecord) -> Result<()> {
        self.tokens.insert(hash, record::encode(t)?)?;
        self.flush()
    }

    pub fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<TokenRecord>> {
        self.tokens.get(hash)?.map(|v| record::decode("token", &v)).transpose()
    }

    pub fn tokens(&self) -> Result<Vec<TokenRecord>> {
        self.tokens.iter().map(|kv| record::decode("token", &kv?.1)).collect()
    }

    /// Removes the token with this id; returns whether there was one (flushed).
    pub fn delete_token(&self, id: &str) -> Result<Option<TokenRecord>> {
        for kv in self.tokens.iter() {
            let (k, v) = kv?;
            let t: TokenRecord = record::decode("token", &v)?;
            if t.id == id {
                self.tokens.remove(k)?;
                self.flush()?;
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    // ---- enterprises ----

    /// A fresh id, never handed out before (the counter is stored with the record using it).
    pub fn new_enterprise_id(&self) -> Result<EnterpriseId> {
        Ok(EnterpriseId(self.next_id.fetch_add(1, Ordering::SeqCst)))
    }

    pub fn enterprise(&self, id: EnterpriseId) -> Result<Option<Enterprise>> {
        self.records.get(enterprise_key(id))?.map(|v| record::decode(id, &v)).transpose()
    }

    pub fn find_by_credit_code(&self, code: &CreditCode) -> Result<Option<EnterpriseId>> {
        self.resolve(&credit_key(code), |id| self.enterprise(id))
    }

    pub fn find_by_name(&self, name: &str, region: RegionCode) -> Result<Option<EnterpriseId>> {
        self.resolve(&name_key(name, region), |id| self.enterprise(id))
    }

    /// Every enterprise, in id order.
    pub fn enterprises(&self) -> impl Iterator<Item = Result<Enterprise>> + '_ {
        self.records.scan_prefix([b'e']).map(|kv| {
            let (k, v) = kv?;
            record::decode(record::EnterpriseKey(&k), &v)
        })
    }

    /// What the graph needs of every enterprise, in id order (decodes only those fields).
    pub fn enterprise_facts(&self) -> impl Iterator<Item = Result<crate::model::EnterpriseFacts>> + '_ {
        self.records.scan_prefix([b'e']).map(|kv| {
            let (k, v) = kv?;
            record::decode(record::EnterpriseKey(&k), &v)
        })
    }

    pub fn count_enterprises(&self) -> usize {
        self.records.scan_prefix([b'e']).count()
    }

    /// Starts a group of enterprise writes that reach sled in one atomic batch. (sled makes every
    /// batch stable on disk, so one batch per row would cost a disk sync per row.)
    pub fn writer(&self) -> Writer<'_> {
        Writer {
            _serial: self.write_lock.lock().unwrap_or_else(|p| p.into_inner()),
            store: self,
            batch: sled::Batch::default(),
            keys: HashMap::new(),
            identity_ops: Vec::new(),
            records: Vec::new(),
        }
    }

    /// Removes an enterprise and its identity keys; returns what was stored. Flushed.
    pub fn delete_enterprise(&self, id: EnterpriseId) -> Result<Option<Enterprise>> {
        let Some(old) = self.enterprise(id)? else { return Ok(None) };
        let mut batch = sled::Batch::default();
        let mut ops = vec![(name_key(&old.name, old.region), id, false)];
        if let Some(c) = &old.credit_code {
            ops.push((credit_key(c), id, false));
            batch.remove(credit_key(c)); // keys stored by versions before the in-memory index
        }
        batch.remove(name_key(&old.name, old.region));
        batch.remove(&enterprise_key(id));
        let (g, bytes) = self.next_generation();
        batch.insert(GENERATION_KEY, &bytes);
        batch.insert(&change_key(g), enterprises_changed(std::iter::once(id)));
        self.records.apply_batch(batch)?;
        self.change_identities(&ops);
        self.flush()?;
        Ok(Some(old))
    }
}

/// Pending enterprise writes: reads see them before they are committed, so rows of one import
/// batch find each other (a file that names the same firm twice updates it, not duplicates it).
pub struct Writer<'a> {
    _serial: std::sync::MutexGuard<'a, ()>,
    store: &'a Store,
    batch: sled::Batch,
    /// identity key → id, or `None` where the batch removed the key.
    keys: HashMap<Vec<u8>, Option<EnterpriseId>>,
    /// Identity keys to add (`true`) or drop once the batch is applied.
    identity_ops: Vec<(Vec<u8>, EnterpriseId, bool)>,
    /// Enterprises written in this batch, in order (an id may appear more than once).
    records: Vec<Enterprise>,
}

impl Writer<'_> {
    fn lookup(&self, key: Vec<u8>) -> Result<Option<EnterpriseId>> {
        match self.keys.get(&key) {
            Some(v) => Ok(*v),
            None => self.store.resolve(&key, |id| self.enterprise(id)),
        }
    }

    pub fn find_by_credit_code(&self, code: &CreditCode) -> Result<Option<EnterpriseId>> {
        self.lookup(credit_key(code))
    }

    pub fn find_by_name(&self, name: &str, region: RegionCode) -> Result<Option<EnterpriseId>> {
        self.lookup(name_key(name, region))
    }

    pub fn enterprise(&self, id: EnterpriseId) -> Result<Option<Enterprise>> {
        match self.records.iter().rev().find(|e| e.id == id) {
            Some(e) => Ok(Some(e.clone())),
            None => self.store.enterprise(id),
        }
    }

    pub fn new_enterprise_id(&self) -> Result<EnterpriseId> {
        self.store.new_enterprise_id()
    }

    /// Writes one enterprise and its identity keys, replacing `old` (what was stored before).
    pub fn put_enterprise(&mut self, old: Option<&Enterprise>, new: &Enterprise) -> Result<()> {
        if let Some(old) = old {
            let mut drop_key = |key: Vec<u8>| {
                self.identity_ops.push((key.clone(), old.id, false));
                self.keys.insert(key, None);
            };
            if let Some(c) = &old.credit_code {
                drop_key(credit_key(c));
            }
            drop_key(name_key(&old.name, old.region));
        }
        let mut add_key = |key: Vec<u8>| {
            self.identity_ops.push((key.clone(), new.id, true));
            self.keys.insert(key, Some(new.id));
        };
        if let Some(c) = &new.credit_code {
            add_key(credit_key(c));
        }
        add_key(name_key(&new.name, new.region));
        self.batch.insert(&enterprise_key(new.id), record::encode(new)?);
        self.records.push(new.clone());
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Applies the batch atomically (not flushed) and returns what it wrote.
    pub fn commit(mut self) -> Result<Vec<Enterprise>> {
        if self.records.is_empty() {
            return Ok(self.records);
        }
        let (g, bytes) = self.store.next_generation();
        self.batch.insert(GENERATION_KEY, &bytes);
        self.batch.insert(&change_key(g), enterprises_changed(self.records.iter().map(|e| e.id)));
        self.batch.insert(NEXT_ID_KEY, &self.store.next_id.load(Ordering::SeqCst).to_be_bytes());
        self.store.records.apply_batch(self.batch)?;
        self.store.change_identities(&self.identity_ops);
        Ok(self.records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EnterprisePatch;
    use serde_json::json;

    fn enterprise(store: &Store, v: serde_json::Value) -> Enterprise {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let p = EnterprisePatch::from_record(v.as_object().unwrap(), today).unwrap();
        p.into_new(store.new_enterprise_id().unwrap()).unwrap()
    }

    #[test]
    fn an_enterprise_is_found_by_id_credit_code_and_name_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let e = {
            let store = Store::open(dir.path()).unwrap();
            let e = enterprise(
                &store,
                json!({"name": "某公司", "region": "320400", "credit_code": "91152201078377449P"}),
            );
            let mut w = store.writer();
            w.put_enterprise(None, &e).unwrap();
            w.commit().unwrap();
            store.flush().unwrap();
            e
        };
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.enterprise(e.id).unwrap().as_ref(), Some(&e));
        assert_eq!(store.find_by_credit_code(e.credit_code.as_ref().unwrap()).unwrap(), Some(e.id));
        assert_eq!(store.find_by_name("某公司", e.region).unwrap(), Some(e.id));
        assert_eq!(store.count_enterprises(), 1);
    }

    #[test]
    fn renaming_moves_the_identity_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let e = enterprise(&store, json!({"name": "旧名公司", "region": "320400"}));
        let mut w = store.writer();
        w.put_enterprise(None, &e).unwrap();
        let mut renamed = e.clone();
        renamed.name = "新名公司".into();
        w.put_enterprise(Some(&e), &renamed).unwrap();
        assert_eq!(w.find_by_name("旧名公司", e.region).unwrap(), None, "the batch sees its own writes");
        assert_eq!(w.find_by_name("新名公司", e.region).unwrap(), Some(e.id));
        assert_eq!(store.find_by_name("新名公司", e.region).unwrap(), None, "nothing stored before commit");
        w.commit().unwrap();
        assert_eq!(store.find_by_name("旧名公司", e.region).unwrap(), None);
        assert_eq!(store.find_by_name("新名公司", e.region).unwrap(), Some(e.id));
        store.delete_enterprise(e.id).unwrap();
        assert_eq!(store.find_by_name("新名公司", e.region).unwrap(), None);
        assert_eq!(store.count_enterprises(), 0);
    }
}
