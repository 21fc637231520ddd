//! The project book's records (SPEC §10) in the `records` tree: units, projects, events, targets
//! and published months. Written only through [`Txn`](super::Txn) like everything else; read whole
//! into a [`Book`] at open, since the monthly report folds every project's events.
//!
//! Keys (big-endian numbers):
//! - `u` + unit id → unit
//! - `p` + project id (u64) → project
//! - `v` + project id (u64) + event id (u64) → event (a project's events are adjacent)
//! - `y` + unit id + `\0` + year (u32) → targets
//! - `r` + `YYYY-MM` → published month

use super::{Store, record};
use crate::error::Result;
use crate::model::project::{Event, Project, ProjectId, Targets, Unit};
use crate::projects::{Book, Published};

/// One change to the book, as a commit hands it to the app.
#[derive(Debug, Clone)]
pub enum BookChange {
    Unit(Unit),
    Project(Project),
    Event(Event),
    Targets { unit: String, year: i32, targets: Targets },
    Published(Published),
}

pub(super) fn key_of(change: &BookChange) -> Vec<u8> {
    match change {
        BookChange::Unit(u) => [b"u".as_slice(), u.id.as_bytes()].concat(),
        BookChange::Project(p) => project_key(p.id).to_vec(),
        BookChange::Event(e) => {
            let mut k = vec![b'v'];
            k.extend_from_slice(&e.project.0.to_be_bytes());
            k.extend_from_slice(&e.id.to_be_bytes());
            k
        }
        BookChange::Targets { unit, year, .. } => {
            let mut k = vec![b'y'];
            k.extend_from_slice(unit.as_bytes());
            k.push(0);
            k.extend_from_slice(&(*year as u32).to_be_bytes());
            k
        }
        BookChange::Published(p) => [b"r".as_slice(), p.month.as_bytes()].concat(),
    }
}

pub(super) fn encode(change: &BookChange) -> Result<Vec<u8>> {
    match change {
        BookChange::Unit(u) => record::encode(u),
        BookChange::Project(p) => record::encode(p),
        BookChange::Event(e) => record::encode(e),
        BookChange::Targets { targets, .. } => record::encode(targets),
        BookChange::Published(p) => record::encode(p),
    }
}

fn project_key(id: ProjectId) -> [u8; 9] {
    let mut k = [b'p'; 9];
    k[1..].copy_from_slice(&id.0.to_be_bytes());
    k
}

impl Store {
    /// Every change that rebuilds the book, in an order it can be applied in (units, projects,
    /// events, targets, published months).
    pub fn book_records(&self) -> impl Iterator<Item = Result<BookChange>> + '_ {
        let scan = |prefix: u8| self.backend.scan(&[prefix], false);
        scan(b'u')
            .map(|kv| {
                let (k, v) = kv?;
                Ok(BookChange::Unit(record::decode(String::from_utf8_lossy(&k), &v)?))
            })
            .chain(scan(b'p').map(|kv| {
                let (k, v) = kv?;
                Ok(BookChange::Project(record::decode(String::from_utf8_lossy(&k), &v)?))
            }))
            .chain(scan(b'v').map(|kv| {
                let (_, v) = kv?;
                Ok(BookChange::Event(record::decode("event", &v)?))
            }))
            .chain(scan(b'y').map(|kv| {
                let (k, v) = kv?;
                let rest = &k[1..];
                let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                let unit = String::from_utf8_lossy(&rest[..split]).into_owned();
                let year = rest
                    .get(split + 1..split + 5)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(|b| u32::from_be_bytes(b) as i32)
                    .ok_or_else(|| crate::error::Error::CorruptRecord {
                        key: format!("targets of {unit}"),
                        reason: "bad year".into(),
                    })?;
                Ok(BookChange::Targets { unit, year, targets: record::decode("targets", &v)? })
            }))
            .chain(scan(b'r').map(|kv| {
                let (_, v) = kv?;
                Ok(BookChange::Published(record::decode("published month", &v)?))
            }))
    }

    /// The whole book, read from the records.
    pub fn load_book(&self) -> Result<Book> {
        let mut book = Book::default();
        for change in self.book_records() {
            book.apply(change?);
        }
        Ok(book)
    }
}

impl Book {
    /// Applies one stored change.
    pub fn apply(&mut self, change: BookChange) {
        match change {
            BookChange::Unit(u) => self.put_unit(u),
            BookChange::Project(p) => self.put_project(p),
            BookChange::Event(e) => self.put_event(e),
            BookChange::Targets { unit, year, targets } => self.put_targets(unit, year, targets),
            BookChange::Published(p) => self.put_published(p),
        }
    }
}

/// A backup line for a book change, and back.
pub fn backup_line(change: &BookChange) -> serde_json::Value {
    use serde_json::json;
    match change {
        BookChange::Unit(u) => json!({ "unit": u }),
        BookChange::Project(p) => json!({ "project": p }),
        BookChange::Event(e) => json!({ "event": e }),
        BookChange::Targets { unit, year, targets } => {
            json!({"targets": {"unit": unit, "year": year, "record": targets}})
        }
        BookChange::Published(p) => json!({ "published": p }),
    }
}

/// The book change a backup line holds, if it holds one.
pub fn from_backup_line(line: &serde_json::Value) -> Option<std::result::Result<BookChange, String>> {
    fn parse<T: serde::de::DeserializeOwned>(
        v: &serde_json::Value,
        what: &str,
    ) -> std::result::Result<T, String> {
        serde_json::from_value(v.clone()).map_err(|e| format!("backup line is not a valid {what}: {e}"))
    }
    let obj = line.as_object()?;
    let (kind, v) = obj.iter().next()?;
    Some(match kind.as_str() {
        "unit" => parse(v, "unit").map(BookChange::Unit),
        "project" => parse(v, "project").map(BookChange::Project),
        "event" => parse(v, "event").map(BookChange::Event),
        "targets" => (|| {
            let unit = v["unit"].as_str().ok_or("backup targets without a unit")?.to_string();
            let year = v["year"].as_i64().ok_or("backup targets without a year")? as i32;
            Ok(BookChange::Targets { unit, year, targets: parse(&v["record"], "targets")? })
        })(),
        "published" => parse(v, "published month").map(BookChange::Published),
        _ => return None,
    })
}
