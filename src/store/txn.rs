//! The write transaction: the store's only mutator.
//!
//! A [`Txn`] holds the store's write lock. Its lookups see its own pending writes (rows of one
//! import batch find each other: a file that names the same firm twice updates it, not duplicates
//! it). [`Txn::commit`] applies everything as ONE atomic batch together with the next
//! generation, its change-log entry and the id counter, and returns a [`Committed`]: what changed,
//! still holding the lock, so the app applies it to the graph and the index in generation order
//! before the next transaction can begin.

use super::backend::{Batch, Counters, IdentityColumns, Op};
use super::book::{self, BookChange};
use super::{
    AuditEntry, Dismissal, Store, TokenRecord, chain_key, credit_key, dismissal_key, enterprise_key,
    name_key, record, token_key,
};
use crate::error::{Error, Result};
use crate::model::{Chain, CreditCode, Enterprise, EnterpriseId, RegionCode};
use std::collections::HashMap;
use std::sync::MutexGuard;
use std::sync::atomic::Ordering;

pub struct Txn<'a> {
    /// Ends the backend's transaction when the transaction is dropped without a commit. Declared
    /// (so dropped) before `serial`: the backend's transaction ends while the lock is still held,
    /// never after the next transaction has begun.
    open: Open<'a>,
    serial: MutexGuard<'a, ()>,
    store: &'a Store,
    /// The generation the store was at when this transaction took the write lock (another
    /// process may have moved a shared store past what this process has applied).
    base: u64,
    batch: Batch,
    /// Whether `batch` holds anything (sled's batch cannot say).
    dirty: bool,
    /// identity key → id, or `None` where the transaction removed the key.
    keys: HashMap<Vec<u8>, Option<EnterpriseId>>,
    /// Identity keys to add (`true`) or drop once the batch is applied.
    identity_ops: Vec<(Vec<u8>, EnterpriseId, bool)>,
    /// Names counted in (`true`) or out of the name-alone index once the batch is applied.
    name_ops: Vec<(String, EnterpriseId, bool)>,
    /// The same, summed per name (count change, XOR of ids), for this transaction's lookups.
    name_delta: HashMap<String, (i64, u64)>,
    /// Enterprises written, in order (an id may appear more than once).
    records: Vec<Enterprise>,
    /// Each enterprise touched → its newest version in `records`, or `None` when deleted.
    touched: HashMap<EnterpriseId, Option<usize>>,
    /// Touched enterprise ids in first-touch order (the change log and the derived state follow it).
    order: Vec<EnterpriseId>,
    chains: Vec<Chain>,
    book: Vec<BookChange>,
    /// What [`Txn::prefetch`] read: per name, the count and XOR of ids of stored firms with it,
    /// and the stored records it found (both as of this transaction's start, under its lock).
    named: HashMap<String, (u32, u64)>,
    fetched: HashMap<EnterpriseId, Enterprise>,
}

/// A backend transaction that is still open: dropped without a commit, it is abandoned.
pub(super) struct Open<'a> {
    pub(super) store: &'a Store,
    pub(super) live: bool,
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if self.live {
            self.store.backend.abandon();
        }
    }
}

/// What a commit changed. It holds the store's write lock until it is dropped, so derived state
/// (graph, index) is brought up to date in the order the store changed.
#[must_use = "apply the change to the graph and the index before dropping it"]
pub struct Committed<'a> {
    _serial: MutexGuard<'a, ()>,
    /// The generation this commit made (unchanged when the transaction was empty).
    pub generation: u64,
    /// Each enterprise touched, once, with what is stored now (`None`: deleted), in order.
    pub enterprises: Vec<(EnterpriseId, Option<Enterprise>)>,
    /// Chains stored (new or replacing).
    pub chains: Vec<Chain>,
    /// Units, projects, events, targets and published months stored, in order.
    pub book: Vec<BookChange>,
}

impl<'a> Txn<'a> {
    pub(super) fn new(store: &'a Store, serial: MutexGuard<'a, ()>, base: u64) -> Txn<'a> {
        Txn {
            serial,
            store,
            base,
            batch: Batch::default(),
            open: Open { store, live: true },
            dirty: false,
            keys: HashMap::new(),
            identity_ops: Vec::new(),
            name_ops: Vec::new(),
            name_delta: HashMap::new(),
            records: Vec::new(),
            touched: HashMap::new(),
            order: Vec::new(),
            chains: Vec::new(),
            book: Vec::new(),
            named: HashMap::new(),
            fetched: HashMap::new(),
        }
    }

    /// Reads at once what the lookups of these rows will ask (their credit codes and names), when
    /// the backend answers single lookups by a round trip each (PostgreSQL). Answers already
    /// decided by this transaction's own writes are kept.
    pub fn prefetch<'p>(
        &mut self,
        rows: impl Iterator<Item = (Option<&'p CreditCode>, &'p str)>,
    ) -> Result<()> {
        let mut codes: Vec<CreditCode> = Vec::new();
        let mut names = Vec::new();
        for (code, name) in rows {
            codes.extend(code.cloned());
            names.push(name.to_string());
        }
        names.sort();
        names.dedup();
        let texts: Vec<String> = codes.iter().map(|c| c.as_str().to_string()).collect();
        let Some(found) = self.store.prefetch(&texts, &names)? else { return Ok(()) };
        let mut named: HashMap<String, (u32, u64)> = names.iter().map(|n| (n.clone(), (0, 0))).collect();
        for f in found {
            let e: Enterprise = record::decode(f.id, &f.value)?;
            if let Some(c) = &e.credit_code {
                self.keys.entry(credit_key(c)).or_insert(Some(f.id));
            }
            self.keys.entry(name_key(&e.name, e.region)).or_insert(Some(f.id));
            if let Some(n) = named.get_mut(&e.name) {
                n.0 += 1;
                n.1 ^= f.id.0;
            }
            self.fetched.insert(f.id, e);
        }
        // A credit code nobody holds: absent, unless this transaction wrote it.
        for code in &codes {
            self.keys.entry(credit_key(code)).or_insert(None);
        }
        // A name + region nobody holds: absent, unless this transaction wrote it.
        for name in &names {
            self.named.insert(name.clone(), named[name]);
        }
        Ok(())
    }

    /// Whether a name + region lookup was answered by [`Txn::prefetch`] for this name.
    fn prefetched_name(&self, name: &str) -> bool {
        self.named.contains_key(name)
    }

    /// The generation the store was at when this transaction began: above
    /// [`Store::generation`] when other processes wrote since this one last caught up.
    pub fn base_generation(&self) -> u64 {
        self.base
    }

    /// The store, for reads that need not see this transaction's writes.
    pub fn store(&self) -> &'a Store {
        self.store
    }

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
        let key = name_key(name, region);
        if !self.keys.contains_key(&key) && self.prefetched_name(name) {
            return Ok(None); // prefetched: no stored firm has this name in this region
        }
        self.lookup(key)
    }

    /// The one enterprise with exactly this name, as this transaction sees it, if exactly one
    /// has it.
    pub fn find_by_name_alone(&self, name: &str) -> Result<Option<EnterpriseId>> {
        let (count, mut xor) = match self.named.get(name) {
            Some(known) => *known,
            None => self.store.named(name)?,
        };
        let mut count = i64::from(count);
        if let Some((change, ids)) = self.name_delta.get(name) {
            count += change;
            xor ^= ids;
        }
        if count != 1 {
            return Ok(None);
        }
        let id = EnterpriseId(xor);
        Ok(self.enterprise(id)?.is_some_and(|e| e.name == name).then_some(id))
    }

    /// The enterprise as this transaction sees it (its own writes first).
    pub fn enterprise(&self, id: EnterpriseId) -> Result<Option<Enterprise>> {
        match self.touched.get(&id) {
            Some(Some(i)) => Ok(Some(self.records[*i].clone())),
            Some(None) => Ok(None),
            None => match self.fetched.get(&id) {
                Some(e) => Ok(Some(e.clone())),
                None => self.store.enterprise(id),
            },
        }
    }

    /// A fresh id, never handed out before (the counter is stored with the batch using it).
    pub fn new_enterprise_id(&self) -> EnterpriseId {
        EnterpriseId(self.store.next_id.fetch_add(1, Ordering::SeqCst))
    }

    fn touch(&mut self, id: EnterpriseId, version: Option<usize>) {
        if self.touched.insert(id, version).is_none() {
            self.order.push(id);
        }
        self.dirty = true;
    }

    fn drop_identity_keys(&mut self, old: &Enterprise) {
        let mut drop_key = |key: Vec<u8>| {
            self.identity_ops.push((key.clone(), old.id, false));
            self.keys.insert(key, None);
        };
        if let Some(c) = &old.credit_code {
            drop_key(credit_key(c));
        }
        drop_key(name_key(&old.name, old.region));
        self.count_name(&old.name, old.id, false);
    }

    fn count_name(&mut self, name: &str, id: EnterpriseId, add: bool) {
        self.name_ops.push((name.to_string(), id, add));
        let delta = self.name_delta.entry(name.to_string()).or_insert((0, 0));
        delta.0 += if add { 1 } else { -1 };
        delta.1 ^= id.0;
    }

    /// Writes one enterprise and its identity keys, replacing `old` (what was stored before).
    /// Callers have checked that the new identities are free (see `app::identify`).
    pub fn put_enterprise(&mut self, old: Option<&Enterprise>, new: &Enterprise) -> Result<()> {
        if let Some(old) = old {
            self.drop_identity_keys(old);
        }
        let mut add_key = |key: Vec<u8>| {
            self.identity_ops.push((key.clone(), new.id, true));
            self.keys.insert(key, Some(new.id));
        };
        if let Some(c) = &new.credit_code {
            add_key(credit_key(c));
        }
        add_key(name_key(&new.name, new.region));
        self.count_name(&new.name, new.id, true);
        self.batch.ops.push(Op::Put {
            key: enterprise_key(new.id).to_vec(),
            value: record::encode(new)?,
            identity: Some(IdentityColumns {
                credit_code: new.credit_code.as_ref().map(|c| c.as_str().to_string()),
                name: new.name.clone(),
                region: new.region.to_string(),
            }),
        });
        self.records.push(new.clone());
        self.touch(new.id, Some(self.records.len() - 1));
        Ok(())
    }

    /// Removes an enterprise and its identity keys; returns what was stored.
    pub fn delete_enterprise(&mut self, id: EnterpriseId) -> Result<Option<Enterprise>> {
        let Some(old) = self.enterprise(id)? else { return Ok(None) };
        self.drop_identity_keys(&old);
        // Keys stored by releases before the in-memory identity index.
        if let Some(c) = &old.credit_code {
            self.batch.remove(credit_key(c));
        }
        self.batch.remove(name_key(&old.name, old.region));
        self.batch.remove(enterprise_key(id));
        self.touch(id, None);
        Ok(Some(old))
    }

    /// Stores chains (new or replacing).
    pub fn put_chains(&mut self, chains: &[Chain]) -> Result<()> {
        for chain in chains {
            self.batch.put(chain_key(&chain.id), record::encode(chain)?);
            self.chains.push(chain.clone());
        }
        self.dirty |= !chains.is_empty();
        Ok(())
    }

    /// Records that `enterprise` is not to be suggested for `chain` again.
    pub fn dismiss(&mut self, chain: &str, enterprise: EnterpriseId, d: &Dismissal) -> Result<()> {
        self.batch.put(dismissal_key(chain, enterprise), record::encode(d)?);
        self.dirty = true;
        Ok(())
    }

    /// Stores a token record under the hash of its secret.
    pub fn put_token(&mut self, hash: &[u8], t: &TokenRecord) -> Result<()> {
        self.batch.put(token_key(hash), record::encode(t)?);
        self.dirty = true;
        Ok(())
    }

    /// Removes the token with this id; returns it if there was one.
    pub fn delete_token(&mut self, id: &str) -> Result<Option<TokenRecord>> {
        let Some((key, t)) = self.store.token_by_id(id)? else { return Ok(None) };
        self.batch.remove(key.to_vec());
        self.dirty = true;
        Ok(Some(t))
    }

    /// Appends an audit entry, committed with the change it describes.
    pub fn audit(&mut self, entry: &AuditEntry) -> Result<()> {
        let seq = self.store.backend.next_sequence()?;
        self.batch.put([b"a".as_slice(), &seq.to_be_bytes()].concat(), record::encode(entry)?);
        self.dirty = true;
        Ok(())
    }

    /// Stores a unit, project, event, targets or published month (new or replacing).
    pub fn put_book(&mut self, change: BookChange) -> Result<()> {
        self.batch.put(book::key_of(&change), book::encode(&change)?);
        self.book.push(change);
        self.dirty = true;
        Ok(())
    }

    /// What this transaction has written to the book so far.
    pub fn book_changes(&self) -> &[BookChange] {
        &self.book
    }

    /// Writes an enterprise read from a backup, under its own id.
    pub fn restore_enterprise(&mut self, e: &Enterprise) -> Result<()> {
        self.store.next_id.fetch_max(e.id.0 + 1, Ordering::SeqCst);
        self.put_enterprise(None, e)
    }

    /// Restores one backup line other than an enterprise (chains, dismissals, tokens, audit);
    /// enterprises go through [`Txn::restore_enterprise`].
    pub fn restore_line(&mut self, line: &serde_json::Value) -> Result<()> {
        let bad = |what: &str| Error::UnreadableInput(format!("backup line is not a valid {what}"));
        if let Some(c) = line.get("chain") {
            let c: Chain = serde_json::from_value(c.clone()).map_err(|_| bad("chain"))?;
            self.put_chains(&[c])?;
        } else if let Some(d) = line.get("dismissal") {
            let chain = d["chain"].as_str().ok_or_else(|| bad("dismissal"))?;
            let id =
                d["enterprise"].as_str().and_then(EnterpriseId::parse).ok_or_else(|| bad("dismissal"))?;
            let r: Dismissal = serde_json::from_value(d["record"].clone()).map_err(|_| bad("dismissal"))?;
            self.dismiss(chain, id, &r)?;
        } else if let Some(t) = line.get("token") {
            let hex = t["sha256"].as_str().ok_or_else(|| bad("token"))?;
            let hash: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
                .collect::<std::result::Result<_, _>>()
                .map_err(|_| bad("token"))?;
            let r: TokenRecord = serde_json::from_value(t["record"].clone()).map_err(|_| bad("token"))?;
            self.put_token(&hash, &r)?;
        } else if let Some(a) = line.get("audit") {
            let a: AuditEntry = serde_json::from_value(a.clone()).map_err(|_| bad("audit entry"))?;
            self.audit(&a)?;
        } else if let Some(change) = book::from_backup_line(line) {
            self.put_book(change.map_err(Error::UnreadableInput)?)?;
        } else if line.get("chainscout_backup").is_none() {
            return Err(bad("record"));
        }
        Ok(())
    }

    /// Records written so far (the bulk import and restore commit every so many).
    pub fn len(&self) -> usize {
        self.records.len() + self.book.len()
    }

    pub fn is_empty(&self) -> bool {
        !self.dirty
    }

    /// Applies everything as one atomic batch with the next generation and its change-log
    /// entry (not flushed: the caller flushes before telling anyone). An empty transaction
    /// changes nothing, not even the generation.
    pub fn commit(mut self) -> Result<Committed<'a>> {
        let generation = self.base;
        if !self.dirty {
            return Ok(Committed {
                _serial: self.serial,
                generation,
                enterprises: vec![],
                chains: vec![],
                book: vec![],
            });
        }
        let g = generation + 1;
        let entry = if !self.chains.is_empty() {
            let ids: Vec<&str> = self.chains.iter().map(|c| c.id.as_str()).collect();
            [b"c".as_slice(), ids.join("\0").as_bytes()].concat()
        } else if !self.order.is_empty() {
            let mut v = Vec::with_capacity(1 + 8 * self.order.len());
            v.push(b'e');
            for id in &self.order {
                v.extend_from_slice(&id.0.to_be_bytes());
            }
            v
        } else {
            b"x".to_vec()
        };
        let counters =
            Counters { generation: g, change: entry, next_id: self.store.next_id.load(Ordering::SeqCst) };
        // The backend ends its transaction whether the commit succeeds or not.
        self.open.live = false;
        self.store.backend.commit(self.batch, counters)?;
        // Only once the backend has the batch: a failed batch leaves the generation where it was.
        self.store.generation.store(g, Ordering::SeqCst);
        self.store.change_identities(&self.identity_ops, &self.name_ops);
        let mut records: Vec<Option<Enterprise>> = self.records.into_iter().map(Some).collect();
        let enterprises =
            self.order.iter().map(|id| (*id, self.touched[id].and_then(|i| records[i].take()))).collect();
        Ok(Committed {
            _serial: self.serial,
            generation: g,
            enterprises,
            chains: self.chains,
            book: self.book,
        })
    }
}
