//! The seam under the store: where its records physically live.
//!
//! The store's logic (keys, record versions, identities, the change log's meaning, the one write
//! path) is the same whatever holds the bytes; a [`Backend`] only keeps them. Two implement it:
//! [`Sled`] (the embedded default: one tree in the data dir, one process) and
//! [`Postgres`](super::pg::Postgres) (SPEC §12: a database several processes share, which then
//! also enforces identity and serialises writers across processes).
//!
//! Keys keep the sled layout described in `store/mod.rs` (`e` + id, `k` + chain id, …); a backend
//! may file them in tables of its own, but answers in those keys.

use crate::error::Result;
use crate::model::EnterpriseId;
use sled::IVec;

/// One stored key and its value (a version byte and the record's JSON, see `record.rs`).
pub type Entry = (IVec, IVec);

/// Entries in key order (or reverse).
pub type Entries<'a> = Box<dyn Iterator<Item = Result<Entry>> + 'a>;

/// The identity columns of an enterprise record, for a backend that enforces identity itself.
#[derive(Debug, Clone)]
pub struct IdentityColumns {
    pub credit_code: Option<String>,
    pub name: String,
    pub region: String,
}

/// A stored enterprise as [`Backend::prefetch`] finds it.
pub struct Prefetched {
    pub id: EnterpriseId,
    /// The record as stored (version byte + JSON).
    pub value: IVec,
}

/// One write of a batch.
#[derive(Debug)]
pub enum Op {
    /// `identity` is set for enterprise records (`e` + id).
    Put {
        key: Vec<u8>,
        value: Vec<u8>,
        identity: Option<IdentityColumns>,
    },
    Remove(Vec<u8>),
}

/// Everything one transaction writes, applied at once by [`Backend::commit`].
#[derive(Debug, Default)]
pub struct Batch {
    pub ops: Vec<Op>,
}

impl Batch {
    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: Vec<u8>) {
        self.ops.push(Op::Put { key: key.into(), value, identity: None });
    }

    pub fn remove(&mut self, key: impl Into<Vec<u8>>) {
        self.ops.push(Op::Remove(key.into()));
    }
}

/// Where the database's counters stood when a transaction took its write lock.
#[derive(Debug, Clone, Copy)]
pub struct Begun {
    pub generation: u64,
    pub next_id: u64,
}

/// What a commit writes besides the batch: the new generation, its change-log entry and the next
/// enterprise id, always in the same atomic unit as the records.
pub struct Counters {
    pub generation: u64,
    pub change: Vec<u8>,
    pub next_id: u64,
}

pub trait Backend: Send + Sync {
    /// Says what this is, for logs and `check` (no password).
    fn describe(&self) -> String;

    /// Starts a write transaction. A database several processes share takes its write lock here
    /// (held until [`Backend::commit`] or [`Backend::abandon`]) and says where its counters stand
    /// now; a store this process has alone answers `None` (the store's own lock is enough).
    fn begin(&self) -> Result<Option<Begun>>;

    /// Applies `batch` and `counters` as one atomic unit, ending what [`Backend::begin`] started.
    fn commit(&self, batch: Batch, counters: Counters) -> Result<()>;

    /// Ends a transaction that writes nothing.
    fn abandon(&self);

    fn get(&self, key: &[u8]) -> Result<Option<IVec>>;

    /// Every entry whose key starts with `prefix`, in key order (or reverse).
    fn scan(&self, prefix: &[u8], reverse: bool) -> Entries<'_>;

    fn count_enterprises(&self) -> Result<usize>;

    /// The change-log entries after generation `after`, oldest first.
    fn changes_after(&self, after: u64) -> Result<Vec<(u64, IVec)>>;

    /// Forgets change-log entries up to and including `generation`; returns how many.
    fn prune_changes(&self, generation: u64) -> Result<usize>;

    /// The generation the database is at now (other processes may have moved it).
    fn latest_generation(&self) -> Result<u64>;

    /// A number never handed out before (audit entries' keys).
    fn next_sequence(&self) -> Result<u64>;

    fn flush(&self) -> Result<()>;

    fn size_on_disk(&self) -> Result<u64>;

    /// Whether the database itself holds who has each credit code and name + region (then
    /// [`Backend::lookup`] answers, not the store's in-memory index).
    fn enforces_identity(&self) -> bool {
        false
    }

    /// The enterprise holding an identity key (`c` + credit code, or `n` + name + `\0` + region).
    fn lookup(&self, _key: &[u8]) -> Result<Option<EnterpriseId>> {
        Ok(None)
    }

    /// How many enterprises have exactly this name, and the XOR of their ids.
    fn named(&self, _name: &str) -> Result<(u32, u64)> {
        Ok((0, 0))
    }

    /// Every stored enterprise with one of these credit codes or names, with its identity and
    /// record (`None`: this backend answers single lookups fast enough). A bulk import asks once
    /// per batch of rows instead of several round trips per row.
    fn prefetch(&self, _codes: &[String], _names: &[String]) -> Result<Option<Vec<Prefetched>>> {
        Ok(None)
    }

    /// A connection that wakes when another process commits; `None` when no other can.
    fn change_listener(&self) -> Result<Option<super::pg::ChangeListener>> {
        Ok(None)
    }
}

/// The embedded default: every record in one sled tree, so every batch is atomic.
pub struct Sled {
    pub db: sled::Db,
    pub records: sled::Tree,
}

impl Backend for Sled {
    fn describe(&self) -> String {
        "sled (embedded)".into()
    }

    fn begin(&self) -> Result<Option<Begun>> {
        Ok(None)
    }

    fn commit(&self, batch: Batch, counters: Counters) -> Result<()> {
        let mut b = sled::Batch::default();
        for op in batch.ops {
            match op {
                Op::Put { key, value, .. } => b.insert(key, value),
                Op::Remove(key) => b.remove(key),
            }
        }
        b.insert(&super::change_key(counters.generation), counters.change);
        b.insert(super::GENERATION_KEY, &counters.generation.to_be_bytes());
        b.insert(super::NEXT_ID_KEY, &counters.next_id.to_be_bytes());
        self.records.apply_batch(b)?;
        Ok(())
    }

    fn abandon(&self) {}

    fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        Ok(self.records.get(key)?)
    }

    fn scan(&self, prefix: &[u8], reverse: bool) -> Entries<'_> {
        let iter = self.records.scan_prefix(prefix);
        let map = |kv: sled::Result<Entry>| kv.map_err(Into::into);
        if reverse { Box::new(iter.rev().map(map)) } else { Box::new(iter.map(map)) }
    }

    fn count_enterprises(&self) -> Result<usize> {
        Ok(self.records.scan_prefix([b'e']).count())
    }

    fn changes_after(&self, after: u64) -> Result<Vec<(u64, IVec)>> {
        let corrupt =
            || crate::error::Error::CorruptRecord { key: "change log".into(), reason: "bad entry".into() };
        self.records
            .range(super::change_key(after + 1).to_vec()..vec![b'h'])
            .map(|kv| {
                let (k, v) = kv?;
                let g: [u8; 8] = k.get(1..9).and_then(|b| b.try_into().ok()).ok_or_else(corrupt)?;
                Ok((u64::from_be_bytes(g), v))
            })
            .collect()
    }

    fn prune_changes(&self, generation: u64) -> Result<usize> {
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for kv in self.records.range(vec![b'g']..super::change_key(generation + 1).to_vec()) {
            batch.remove(kv?.0);
            n += 1;
        }
        self.records.apply_batch(batch)?;
        Ok(n)
    }

    fn latest_generation(&self) -> Result<u64> {
        match self.records.get(super::GENERATION_KEY)? {
            Some(v) => super::u64_of(&v, "generation"),
            None => Ok(0),
        }
    }

    fn next_sequence(&self) -> Result<u64> {
        Ok(self.db.generate_id()?)
    }

    fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }
}
