//! PostgreSQL as the store of record (SPEC §12): several chainscout processes share one database.
//!
//! Tables (created on first use, under the connection's `search_path`):
//! - `cs_enterprises (id, credit_code, name, region, version, record jsonb)`: identity is the
//!   database's — `UNIQUE (credit_code)` and `UNIQUE (name, region)`, checked at commit
//!   (deferred, so a batch may move an identity from one firm to another in any order);
//! - `cs_records (key bytea, version, record jsonb)`: chains, dismissals, tokens, audit entries
//!   and the project book, under the store's keys (`k` + chain id, …);
//! - `cs_changes (generation, entry)`: the change log, an outbox written in the same transaction
//!   as the change, which other processes follow;
//! - `cs_meta`: one row with the generation and the next enterprise id.
//!
//! **Writers are serialised across processes:** [`Backend::begin`] locks the `cs_meta` row
//! (`SELECT … FOR UPDATE`) until the commit, so generations are gapless (a PostgreSQL sequence is
//! not: a rolled-back `nextval` leaves a hole, and a hole would make the change log look
//! incomplete), lookups made inside a transaction stay true until it commits, and two processes
//! writing the same firm at once meet in order: the second finds the first's row.
//!
//! The `postgres` client blocks on a runtime of its own, which may not run on a tokio worker
//! thread; every statement therefore runs on a connection thread of this module ([`Workers`]),
//! and callers on any thread wait for its answer. A lost connection is reopened by the next
//! statement; meanwhile statements fail with `store_unavailable`.

use super::backend::{Backend, Batch, Begun, Counters, Entries, Entry, Op, Prefetched};
use crate::error::{Error, Result};
use crate::model::EnterpriseId;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};
use sled::IVec;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// The channel every commit notifies, with its generation as payload.
const CHANNEL: &str = "chainscout_changes";
/// Rows a scan reads per round trip.
const PAGE: i64 = 2048;
/// Reader connections (reads of several requests at once).
const READERS: usize = 4;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cs_meta (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    generation bigint NOT NULL,
    next_id bigint NOT NULL
);
INSERT INTO cs_meta (generation, next_id) VALUES (0, 1) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS cs_enterprises (
    id bigint PRIMARY KEY,
    credit_code text,
    name text NOT NULL,
    region text NOT NULL,
    version smallint NOT NULL,
    record jsonb NOT NULL,
    CONSTRAINT cs_enterprises_credit_code UNIQUE (credit_code) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT cs_enterprises_name_region UNIQUE (name, region) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE IF NOT EXISTS cs_records (
    key bytea PRIMARY KEY,
    version smallint NOT NULL,
    record jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS cs_changes (
    generation bigint PRIMARY KEY,
    entry bytea NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE IF NOT EXISTS cs_audit_seq;
";

/// What the server said, as the store's error: a lost or refused connection is
/// `store_unavailable` (503: retry), a broken identity rule a conflict, anything else internal.
fn pg_error(e: postgres::Error) -> Error {
    use postgres::error::SqlState;
    match e.code() {
        Some(c)
            if *c == SqlState::UNIQUE_VIOLATION
                && e.as_db_error()
                    .and_then(|d| d.constraint())
                    .is_some_and(|c| c.starts_with("cs_enterprises_")) =>
        {
            let constraint = e.as_db_error().and_then(|d| d.constraint()).unwrap_or("");
            let field = if constraint.contains("credit") { "credit_code" } else { "name" };
            Error::Conflict(crate::error::Problem::new(
                field,
                crate::error::Code::DuplicateEnterprise,
                "another process stored an enterprise with this identity at the same moment",
            ))
        }
        Some(c)
            if c.code().starts_with("08")
                || c.code().starts_with("57P")
                || *c == SqlState::LOCK_NOT_AVAILABLE
                || *c == SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT =>
        {
            Error::StoreUnavailable(e.to_string())
        }
        Some(_) => Error::Database(e.to_string()),
        None => Error::StoreUnavailable(e.to_string()),
    }
}

// ---- connection threads ----

/// One connection, (re)opened on demand.
struct Session {
    config: postgres::Config,
    client: Option<Client>,
    /// Bumped at each (re)connection: a write transaction begun on an earlier connection is gone.
    epoch: u64,
    /// The epoch of the connection a write transaction was begun on, while one is open.
    txn: Option<u64>,
}

impl Session {
    fn client(&mut self) -> std::result::Result<&mut Client, postgres::Error> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.txn = None;
            let mut client = self.config.connect(NoTls)?;
            // A writer waits at most this long for another process's write lock (then 503), and
            // a process that stops mid-transaction loses its lock after the idle limit.
            client.batch_execute(
                "SET lock_timeout = '30s'; SET idle_in_transaction_session_timeout = '300s'",
            )?;
            self.client = Some(client);
            self.epoch += 1;
        }
        Ok(self.client.as_mut().expect("connected above"))
    }
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// Threads that each own a connection and run the statements sent to them.
struct Workers {
    tx: Mutex<mpsc::Sender<Job>>,
}

impl Workers {
    fn start(config: &postgres::Config, threads: usize, name: &str) -> Workers {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let mut session = Session { config: config.clone(), client: None, epoch: 0, txn: None };
            std::thread::Builder::new()
                .name(format!("pg-{name}-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                            Ok(job) => job,
                            Err(_) => return,
                        };
                        // A job that panics answers nothing (its caller sees a stopped thread);
                        // the thread and its connection go on serving.
                        let run = std::panic::AssertUnwindSafe(|| job(&mut session));
                        if std::panic::catch_unwind(run).is_err() {
                            tracing::error!("a PostgreSQL statement panicked; its connection is reopened");
                            session.client = None;
                        }
                    }
                })
                .expect("starting a PostgreSQL connection thread");
        }
        Workers { tx: Mutex::new(tx) }
    }

    /// Runs `f` on a connection thread and waits for its answer.
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, wait) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |session| {
            let _ = answer.send(f(session));
        });
        self.tx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| Error::StoreUnavailable("the PostgreSQL connection threads stopped".into()))?;
        wait.recv().map_err(|_| Error::StoreUnavailable("a PostgreSQL connection thread stopped".into()))?
    }

    /// Runs one client call on a connection thread.
    fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client) -> std::result::Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T> {
        self.run(move |s| s.client().and_then(f).map_err(pg_error))
    }
}

// ---- the backend ----

pub struct Postgres {
    config: postgres::Config,
    described: String,
    /// The one connection write transactions run on (the store's write lock serialises them).
    writer: Workers,
    readers: Workers,
}

fn entry(key: Vec<u8>, version: i16, json: &str) -> Entry {
    let mut value = Vec::with_capacity(json.len() + 1);
    value.push(version as u8);
    value.extend_from_slice(json.as_bytes());
    (IVec::from(key), IVec::from(value))
}

fn enterprise_entry(id: i64, version: i16, json: &str) -> Entry {
    entry(super::enterprise_key(EnterpriseId(id as u64)).to_vec(), version, json)
}

/// The first key after every key that starts with `prefix`, if there is one.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Whether JSON text holds a NUL character (the escape `\u0000`, not an escaped backslash followed
/// by `u0000`).
fn has_nul_escape(json: &str) -> bool {
    json.match_indices("u0000").any(|(i, _)| {
        let backslashes = json[..i].bytes().rev().take_while(|&b| b == b'\\').count();
        backslashes % 2 == 1
    })
}

/// A record's version and JSON text, as a value splits into them.
fn split_value(key: &[u8], value: &[u8]) -> Result<(i16, String)> {
    let (version, json) = value.split_first().ok_or_else(|| Error::CorruptRecord {
        key: String::from_utf8_lossy(key).into_owned(),
        reason: "empty record".into(),
    })?;
    let json = String::from_utf8(json.to_vec()).map_err(|_| Error::CorruptRecord {
        key: String::from_utf8_lossy(key).into_owned(),
        reason: "not UTF-8".into(),
    })?;
    if has_nul_escape(&json) {
        // jsonb cannot hold the NUL character.
        return Err(Error::Invalid(vec![crate::error::Problem::new(
            "",
            crate::error::Code::InvalidValue,
            "文本含有 NUL 字符（\\0），无法保存",
        )]));
    }
    Ok((i16::from(*version), json))
}

impl Postgres {
    /// Connects, creates the tables if they are missing, and reads the counters.
    pub fn connect(url: &str) -> Result<(Postgres, Begun)> {
        let mut config: postgres::Config =
            url.parse().map_err(|e| Error::UnreadableInput(format!("--store {}: {e}", redact(url))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        config.application_name("chainscout");
        config.keepalives_idle(Duration::from_secs(30));
        let described = format!(
            "PostgreSQL {}@{}:{}/{}",
            config.get_user().unwrap_or("?"),
            config
                .get_hosts()
                .first()
                .map(|h| match h {
                    postgres::config::Host::Tcp(h) => h.clone(),
                    postgres::config::Host::Unix(p) => p.display().to_string(),
                })
                .unwrap_or_default(),
            config.get_ports().first().copied().unwrap_or(5432),
            config.get_dbname().unwrap_or("")
        );
        let pg = Postgres {
            writer: Workers::start(&config, 1, "writer"),
            readers: Workers::start(&config, READERS, "reader"),
            config,
            described,
        };
        let begun = pg.writer.query(|c| {
            let mut t = c.transaction()?;
            // Two processes starting at once must not both create the tables.
            t.execute("SELECT pg_advisory_xact_lock(7306712)", &[])?;
            t.batch_execute(SCHEMA)?;
            let row = t.query_one("SELECT generation, next_id FROM cs_meta", &[])?;
            t.commit()?;
            Ok(Begun { generation: row.get::<_, i64>(0) as u64, next_id: row.get::<_, i64>(1) as u64 })
        })?;
        tracing::info!(store = %pg.described, generation = begun.generation, "opened the PostgreSQL store");
        Ok((pg, begun))
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let user = &url[s + 3..at];
            let user = user.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// The final state of each key a batch touches (the last write wins).
fn final_states(batch: Batch) -> Vec<Op> {
    let mut last: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut ops: Vec<Option<Op>> = Vec::with_capacity(batch.ops.len());
    for op in batch.ops {
        let key = match &op {
            Op::Put { key, .. } | Op::Remove(key) => key.clone(),
        };
        if let Some(i) = last.insert(key, ops.len()) {
            ops[i] = None;
        }
        ops.push(Some(op));
    }
    ops.into_iter().flatten().collect()
}

impl Postgres {
    fn commit_batch(&self, batch: Batch, counters: Counters) -> Result<()> {
        let mut ent_delete: Vec<i64> = Vec::new();
        let (mut ids, mut codes, mut names, mut regions, mut versions, mut records) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut rec_delete: Vec<Vec<u8>> = Vec::new();
        let (mut keys, mut rec_versions, mut rec_json) = (Vec::new(), Vec::new(), Vec::new());
        for op in final_states(batch) {
            match op {
                Op::Put { key, value, identity: Some(identity) } => {
                    let id: [u8; 8] = key.get(1..9).and_then(|b| b.try_into().ok()).ok_or_else(|| {
                        Error::CorruptRecord { key: "enterprise".into(), reason: "bad key".into() }
                    })?;
                    let (version, json) = split_value(&key, &value)?;
                    ids.push(u64::from_be_bytes(id) as i64);
                    codes.push(identity.credit_code);
                    names.push(identity.name);
                    regions.push(identity.region);
                    versions.push(version);
                    records.push(json);
                }
                Op::Remove(key) if key.first() == Some(&b'e') && key.len() == 9 => {
                    let id: [u8; 8] = key[1..9].try_into().expect("9-byte key");
                    ent_delete.push(u64::from_be_bytes(id) as i64);
                }
                // Identity keys of sled stores older than the in-memory index: none here.
                Op::Remove(key) if matches!(key.first(), Some(b'c' | b'n')) => {}
                Op::Remove(key) => rec_delete.push(key),
                Op::Put { key, value, identity: None } => {
                    let (version, json) = split_value(&key, &value)?;
                    keys.push(key);
                    rec_versions.push(version);
                    rec_json.push(json);
                }
            }
        }
        self.writer.run(move |s| {
            if s.txn != Some(s.epoch) || s.client.as_ref().is_none_or(Client::is_closed) {
                s.txn = None;
                return Err(Error::StoreUnavailable(
                    "the connection to PostgreSQL was lost during the write; nothing was stored".into(),
                ));
            }
            s.txn = None;
            let client = s.client().map_err(pg_error)?;
            let result = (|| {
                if !ent_delete.is_empty() {
                    client.execute("DELETE FROM cs_enterprises WHERE id = ANY($1)", &[&ent_delete])?;
                }
                if !ids.is_empty() {
                    client.execute(
                        "INSERT INTO cs_enterprises (id, credit_code, name, region, version, record)
                         SELECT i, c, n, r, v, j::jsonb
                         FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int2[], $6::text[])
                              AS t(i, c, n, r, v, j)
                         ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code,
                             name = EXCLUDED.name, region = EXCLUDED.region,
                             version = EXCLUDED.version, record = EXCLUDED.record",
                        &[&ids, &codes, &names, &regions, &versions, &records],
                    )?;
                }
                if !rec_delete.is_empty() {
                    client.execute("DELETE FROM cs_records WHERE key = ANY($1)", &[&rec_delete])?;
                }
                if !keys.is_empty() {
                    client.execute(
                        "INSERT INTO cs_records (key, version, record)
                         SELECT k, v, j::jsonb FROM unnest($1::bytea[], $2::int2[], $3::text[]) AS t(k, v, j)
                         ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version, record = EXCLUDED.record",
                        &[&keys, &rec_versions, &rec_json],
                    )?;
                }
                let generation = counters.generation as i64;
                client.execute(
                    "UPDATE cs_meta SET generation = $1, next_id = $2",
                    &[&generation, &(counters.next_id as i64)],
                )?;
                client.execute(
                    "INSERT INTO cs_changes (generation, entry) VALUES ($1, $2)",
                    &[&generation, &counters.change],
                )?;
                client.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &generation.to_string()])?;
                Ok(())
            })();
            if let Err(e) = result {
                let _ = client.batch_execute("ROLLBACK");
                return Err(pg_error(e));
            }
            match client.batch_execute("COMMIT") {
                Ok(()) => Ok(()),
                Err(e) if e.code().is_none() => Err(Error::StoreUnavailable(format!(
                    "the connection was lost while committing, so whether the write was stored is unknown; look before retrying ({e})"
                ))),
                Err(e) => Err(pg_error(e)),
            }
        })
    }
}

impl Backend for Postgres {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn begin(&self) -> Result<Option<Begun>> {
        self.writer
            .run(|s| {
                let stale = s.txn.is_some();
                let client = s.client().map_err(pg_error)?;
                if stale {
                    let _ = client.batch_execute("ROLLBACK");
                }
                client.batch_execute("BEGIN").map_err(pg_error)?;
                let row = match client.query_one("SELECT generation, next_id FROM cs_meta FOR UPDATE", &[]) {
                    Ok(row) => row,
                    Err(e) => {
                        let _ = client.batch_execute("ROLLBACK");
                        return Err(pg_error(e));
                    }
                };
                s.txn = Some(s.epoch);
                Ok(Begun { generation: row.get::<_, i64>(0) as u64, next_id: row.get::<_, i64>(1) as u64 })
            })
            .map(Some)
    }

    fn commit(&self, batch: Batch, counters: Counters) -> Result<()> {
        let result = self.commit_batch(batch, counters);
        if result.is_err() {
            // Whatever failed (a record jsonb cannot hold, a lost connection), the transaction
            // and its lock end here.
            self.abandon();
        }
        result
    }

    fn abandon(&self) {
        let _ = self.writer.run(|s| {
            if s.txn.take().is_some()
                && let Some(c) = s.client.as_mut()
            {
                let _ = c.batch_execute("ROLLBACK");
            }
            Ok(())
        });
    }
    fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        let key = key.to_vec();
        self.readers.query(move |c| {
            let row = if key.first() == Some(&b'e') && key.len() == 9 {
                let id = u64::from_be_bytes(key[1..9].try_into().expect("9-byte key")) as i64;
                c.query_opt("SELECT version, record::text FROM cs_enterprises WHERE id = $1", &[&id])?
            } else {
                c.query_opt("SELECT version, record::text FROM cs_records WHERE key = $1", &[&key])?
            };
            Ok(row.map(|r| entry(Vec::new(), r.get(0), r.get(1)).1))
        })
    }

    fn scan(&self, prefix: &[u8], reverse: bool) -> Entries<'_> {
        let enterprises = prefix == b"e";
        let prefix = prefix.to_vec();
        let end = prefix_end(&prefix);
        // Pages of rows, each read after the last key of the one before.
        let mut after: Option<Vec<u8>> = None;
        let mut after_id: i64 = if reverse { i64::MAX } else { -1 };
        let mut page: std::vec::IntoIter<Entry> = Vec::new().into_iter();
        let mut done = false;
        Box::new(std::iter::from_fn(move || {
            loop {
                if let Some(e) = page.next() {
                    return Some(Ok(e));
                }
                if done {
                    return None;
                }
                let fetched = if enterprises {
                    let from = after_id;
                    self.readers.query(move |c| {
                        let sql = if reverse {
                            "SELECT id, version, record::text FROM cs_enterprises WHERE id < $1 ORDER BY id DESC LIMIT $2"
                        } else {
                            "SELECT id, version, record::text FROM cs_enterprises WHERE id > $1 ORDER BY id LIMIT $2"
                        };
                        Ok(c.query(sql, &[&from, &PAGE])?
                            .iter()
                            .map(|r| enterprise_entry(r.get(0), r.get(1), r.get(2)))
                            .collect::<Vec<_>>())
                    })
                } else {
                    let (prefix, end, from) = (prefix.clone(), end.clone(), after.clone());
                    self.readers.query(move |c| {
                        let sql = match (reverse, from.is_some()) {
                            (false, false) => "SELECT key, version, record::text FROM cs_records WHERE key >= $1 AND ($2::bytea IS NULL OR key < $2) ORDER BY key LIMIT $3",
                            (false, true) => "SELECT key, version, record::text FROM cs_records WHERE key > $1 AND ($2::bytea IS NULL OR key < $2) ORDER BY key LIMIT $3",
                            (true, false) => "SELECT key, version, record::text FROM cs_records WHERE key >= $1 AND ($2::bytea IS NULL OR key < $2) ORDER BY key DESC LIMIT $3",
                            (true, true) => "SELECT key, version, record::text FROM cs_records WHERE key >= $1 AND key < $2 ORDER BY key DESC LIMIT $3",
                        };
                        let (low, high) = match (reverse, from) {
                            (false, Some(f)) => (f, end),
                            (true, Some(f)) => (prefix, Some(f)),
                            (_, None) => (prefix, end),
                        };
                        Ok(c.query(sql, &[&low, &high, &PAGE])?
                            .iter()
                            .map(|r| entry(r.get::<_, Vec<u8>>(0), r.get(1), r.get(2)))
                            .collect::<Vec<_>>())
                    })
                };
                match fetched {
                    Ok(rows) => {
                        done = (rows.len() as i64) < PAGE;
                        if let Some((k, _)) = rows.last() {
                            if enterprises {
                                after_id = u64::from_be_bytes(k[1..9].try_into().expect("9-byte key")) as i64;
                            } else {
                                after = Some(k.to_vec());
                            }
                        }
                        page = rows.into_iter();
                    }
                    Err(e) => {
                        done = true;
                        return Some(Err(e));
                    }
                }
            }
        }))
    }

    fn count_enterprises(&self) -> Result<usize> {
        self.readers
            .query(|c| Ok(c.query_one("SELECT count(*) FROM cs_enterprises", &[])?.get::<_, i64>(0) as usize))
    }

    fn changes_after(&self, after: u64) -> Result<Vec<(u64, IVec)>> {
        let after = after as i64;
        self.readers.query(move |c| {
            Ok(c.query(
                "SELECT generation, entry FROM cs_changes WHERE generation > $1 ORDER BY generation",
                &[&after],
            )?
            .iter()
            .map(|r| (r.get::<_, i64>(0) as u64, IVec::from(r.get::<_, Vec<u8>>(1))))
            .collect())
        })
    }

    /// Other processes may still need the entries one process has applied: the log is kept
    /// (one short row per write or import batch); a process further behind than what is kept
    /// rebuilds, which is always correct.
    fn prune_changes(&self, _generation: u64) -> Result<usize> {
        Ok(0)
    }

    fn latest_generation(&self) -> Result<u64> {
        self.readers
            .query(|c| Ok(c.query_one("SELECT generation FROM cs_meta", &[])?.get::<_, i64>(0) as u64))
    }

    fn next_sequence(&self) -> Result<u64> {
        self.readers
            .query(|c| Ok(c.query_one("SELECT nextval('cs_audit_seq')", &[])?.get::<_, i64>(0) as u64))
    }

    /// A commit is durable when PostgreSQL answers it (synchronous_commit is the server's).
    fn flush(&self) -> Result<()> {
        Ok(())
    }

    fn size_on_disk(&self) -> Result<u64> {
        self.readers.query(|c| {
            Ok(c.query_one(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::int8 FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relname IN ('cs_enterprises', 'cs_records', 'cs_changes', 'cs_meta')
                   AND n.nspname = current_schema()",
                &[],
            )?
            .get::<_, i64>(0) as u64)
        })
    }

    fn enforces_identity(&self) -> bool {
        true
    }

    fn lookup(&self, key: &[u8]) -> Result<Option<EnterpriseId>> {
        if key.contains(&0) && key.first() == Some(&b'c') {
            return Ok(None); // no stored text holds NUL
        }
        let key = key.to_vec();
        self.readers.query(move |c| {
            let row = match key.split_first() {
                Some((b'c', code)) => c.query_opt(
                    "SELECT id FROM cs_enterprises WHERE credit_code = $1",
                    &[&String::from_utf8_lossy(code).as_ref()],
                )?,
                Some((b'n', rest)) => {
                    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                    let name = String::from_utf8_lossy(&rest[..split]).into_owned();
                    let region = rest.get(split + 1..).unwrap_or(&[]);
                    if region.contains(&0) {
                        return Ok(None); // no stored text holds NUL
                    }
                    let region = String::from_utf8_lossy(region).into_owned();
                    c.query_opt(
                        "SELECT id FROM cs_enterprises WHERE name = $1 AND region = $2",
                        &[&name, &region],
                    )?
                }
                _ => None,
            };
            Ok(row.map(|r| EnterpriseId(r.get::<_, i64>(0) as u64)))
        })
    }

    fn named(&self, name: &str) -> Result<(u32, u64)> {
        if name.contains('\0') {
            return Ok((0, 0)); // no stored text holds NUL
        }
        let name = name.to_string();
        self.readers.query(move |c| {
            let r = c.query_one(
                "SELECT count(*), coalesce(bit_xor(id), 0) FROM cs_enterprises WHERE name = $1",
                &[&name],
            )?;
            Ok((r.get::<_, i64>(0) as u32, r.get::<_, i64>(1) as u64))
        })
    }

    fn prefetch(&self, codes: &[String], names: &[String]) -> Result<Option<Vec<Prefetched>>> {
        let codes: Vec<String> = codes.iter().filter(|c| !c.contains('\0')).cloned().collect();
        let names: Vec<String> = names.iter().filter(|n| !n.contains('\0')).cloned().collect();
        self.readers.query(move |c| {
            Ok(Some(
                c.query(
                    "SELECT id, version, record::text FROM cs_enterprises
                     WHERE credit_code = ANY($1) OR name = ANY($2)",
                    &[&codes, &names],
                )?
                .iter()
                .map(|r| Prefetched {
                    id: EnterpriseId(r.get::<_, i64>(0) as u64),
                    value: entry(Vec::new(), r.get(1), r.get(2)).1,
                })
                .collect(),
            ))
        })
    }

    fn change_listener(&self) -> Result<Option<ChangeListener>> {
        let mut client = self.config.connect(NoTls).map_err(pg_error)?;
        client.batch_execute(&format!("LISTEN {CHANNEL}")).map_err(pg_error)?;
        Ok(Some(ChangeListener { client: Some(client), config: self.config.clone() }))
    }
}

/// A connection that listens for other processes' commits (LISTEN/NOTIFY). Run it on a thread of
/// its own, not on a tokio worker.
pub struct ChangeListener {
    client: Option<Client>,
    config: postgres::Config,
}

impl ChangeListener {
    /// Waits until another process commits or `timeout` passes; reconnects after a lost
    /// connection (then answers `true`: something may have been missed). Never fails: a follower
    /// that cannot listen polls.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = self.config.connect(NoTls).ok().and_then(|mut c| {
                c.batch_execute(&format!("LISTEN {CHANNEL}")).ok()?;
                Some(c)
            });
            if self.client.is_none() {
                std::thread::sleep(timeout);
            }
            return true;
        }
        let client = self.client.as_mut().expect("checked above");
        let first = client.notifications().timeout_iter(timeout).next();
        match first {
            Ok(Some(_)) => {
                // Drain what else arrived: one catch-up covers them all.
                while let Ok(Some(_)) = client.notifications().iter().next() {}
                true
            }
            Ok(None) => false,
            Err(_) => {
                self.client = None;
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ends_and_passwords_stay_out_of_messages() {
        assert_eq!(prefix_end(b"k"), Some(b"l".to_vec()));
        assert_eq!(prefix_end(b"d\xff"), Some(b"e".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(redact("postgres://me:secret@db:5432/cs"), "postgres://me@db:5432/cs");
        assert_eq!(redact("postgres://me@db/cs"), "postgres://me@db/cs");
    }

    #[test]
    fn the_last_write_of_a_key_wins() {
        let mut b = Batch::default();
        b.put(b"k1".to_vec(), vec![1]);
        b.remove(b"k1".to_vec());
        b.put(b"k2".to_vec(), vec![1]);
        b.put(b"k1".to_vec(), vec![2]);
        let ops = final_states(b);
        assert_eq!(ops.len(), 2);
        assert!(matches!(&ops[1], Op::Put { key, value, .. } if key == b"k1" && value == &vec![2]));
    }
}
