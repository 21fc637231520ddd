//! Enterprise writes: create, replace, update-or-insert, delete, and the bulk import with its
//! per-row report — all through the one write path.

use super::App;
use crate::error::{Error, Problem, Result};
use crate::import::{ImportReport, RejectedRow, Rows, Table};
use crate::model::{CreditCode, Enterprise, EnterpriseId, EnterprisePatch, RegionCode};
use crate::store::{AuditEntry, Txn};
use serde_json::json;

/// Whether a write made a new enterprise or changed a stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Inserted,
    Updated,
    /// The row matched a stored enterprise and said nothing new: nothing was written.
    Unchanged,
}

/// Rows written between two flushes during a bulk import; a crash loses at most these, and they
/// were never reported as stored.
const FLUSH_EVERY: usize = 20_000;

/// Rows whose identity lookups a shared store answers in one round trip (see `Txn::prefetch`).
const PREFETCH_ROWS: usize = 250;

type PatchRow = (usize, (usize, std::result::Result<EnterprisePatch, Vec<Problem>>));

/// Reads ahead what the identity lookups of these rows will ask.
fn prefetch(txn: &mut Txn<'_>, rows: &std::collections::VecDeque<PatchRow>) -> Result<()> {
    txn.prefetch(
        rows.iter()
            .filter_map(|(_, (_, p))| p.as_ref().ok())
            .filter_map(|p| Some((p.credit_code.as_ref(), p.name.as_deref()?))),
    )
}

/// Rows per atomic store batch during a bulk import.
const BATCH_ROWS: usize = 1_000;

/// Where the writer thread's time goes during an import (logged at the end).
#[derive(Default)]
pub(super) struct PhaseTimes {
    /// Waiting for the parser thread.
    wait_for_rows: std::time::Duration,
    /// Identity lookups and staging records into the batch.
    identify: std::time::Duration,
    /// Applying store batches.
    store: std::time::Duration,
    pub(super) graph: std::time::Duration,
    /// Building documents and handing them to tantivy's indexing threads.
    pub(super) index: std::time::Duration,
    /// sled flushes and the final index commit.
    flush: std::time::Duration,
}

/// Finds the stored enterprise a patch speaks of: by credit code, else by name + region, else —
/// for a record with no region said or inferred — by the name alone when exactly one stored
/// enterprise has it (SPEC §4); a record with a region also finds a firm of its name stored with
/// none (地区不详), whose region it then fills. A patch that points at two different enterprises
/// is a conflict.
fn identify(
    txn: &Txn<'_>,
    patch: &EnterprisePatch,
) -> Result<std::result::Result<Option<Enterprise>, Problem>> {
    let by_code = match &patch.credit_code {
        Some(code) => txn.find_by_credit_code(code)?,
        None => None,
    };
    let by_name = match &patch.name {
        Some(name) => find_by_name(txn, name, patch.effective_region())?,
        None => None,
    };
    let id = match (by_code, by_name) {
        (Some(a), Some(b)) if a != b => {
            return Ok(Err(Problem::new(
                "credit_code",
                crate::error::Code::ConflictingIdentity,
                format!("信用代码对应企业 {a}，名称与地区对应另一家企业 {b}，无法确定要更新哪一家"),
            )));
        }
        (Some(a), _) => Some(a),
        (None, Some(b)) => Some(b),
        (None, None) => None,
    };
    let Some(id) = id else { return Ok(Ok(None)) };
    let stored = txn.enterprise(id)?;
    if let (Some(stored), Some(code), None) = (&stored, &patch.credit_code, by_code)
        && let Some(existing) = &stored.credit_code
        && existing != code
    {
        return Ok(Err(Problem::new(
            "credit_code",
            crate::error::Code::ConflictingIdentity,
            format!("同名同地区企业 {} 已登记信用代码 {existing}，与本行的 {code} 不一致", stored.id),
        )));
    }
    Ok(Ok(stored))
}

/// The stored enterprise a name (and the region a record says or infers, if any) names, in order:
/// the name in that region; the name stored as 地区不详 (this firm, now with a region); the one
/// firm of this name, when the record has no region or the firm's region contains the record's
/// or lies inside it (a row saying 江苏省, or an address in 南山区, for a firm stored in 深圳市).
fn find_by_name(txn: &Txn<'_>, name: &str, region: Option<RegionCode>) -> Result<Option<EnterpriseId>> {
    if let Some(region) = region
        && let Some(id) = txn.find_by_name(name, region)?
    {
        return Ok(Some(id));
    }
    if let Some(id) = txn.find_by_name(name, RegionCode::UNKNOWN)? {
        return Ok(Some(id));
    }
    let Some(id) = txn.find_by_name_alone(name)? else { return Ok(None) };
    let nested = |e: Enterprise| region.is_none_or(|r| e.region.is_within(r) || r.is_within(e.region));
    Ok(txn.enterprise(id)?.is_some_and(nested).then_some(id))
}

/// Identity keys already known to point at `new` or at nothing, so their lookups can be skipped
/// (at 1M enterprises each is a random read).
#[derive(Default)]
struct Known<'a> {
    code: Option<&'a CreditCode>,
    name: Option<(&'a str, crate::model::RegionCode)>,
}

/// Whether `new`'s credit code or name + region belongs to another stored enterprise.
fn collision(
    txn: &Txn<'_>,
    new: &Enterprise,
    stored: Option<&Enterprise>,
    known: Known<'_>,
) -> Result<Option<Problem>> {
    let known_code =
        |c: &CreditCode| known.code == Some(c) || stored.is_some_and(|s| s.credit_code.as_ref() == Some(c));
    let known_name = known.name.is_some_and(|(n, r)| n == new.name && r == new.region)
        || stored.is_some_and(|s| s.name == new.name && s.region == new.region);
    if let Some(code) = &new.credit_code
        && !known_code(code)
        && let Some(other) = txn.find_by_credit_code(code)?
        && other != new.id
    {
        return Ok(Some(Problem::new(
            "credit_code",
            crate::error::Code::DuplicateEnterprise,
            format!("信用代码 {code} 已属于企业 {other}"),
        )));
    }
    if !known_name
        && let Some(other) = txn.find_by_name(&new.name, new.region)?
        && other != new.id
    {
        return Ok(Some(Problem::new(
            "name",
            crate::error::Code::DuplicateEnterprise,
            format!("同一地区已有同名企业 {other}（{}）", new.name),
        )));
    }
    Ok(None)
}

/// Validates one patch and adds it to the transaction. `Ok(Err(..))` is a rejection.
fn stage(
    txn: &mut Txn<'_>,
    patch: EnterprisePatch,
) -> Result<std::result::Result<(Enterprise, Outcome), Vec<Problem>>> {
    stage_with_source(txn, patch, None)
}

/// [`stage`], labelling a new enterprise with `default_source` when the patch names none (an
/// update keeps the stored source, so a re-import by someone else changes nothing).
fn stage_with_source(
    txn: &mut Txn<'_>,
    mut patch: EnterprisePatch,
    default_source: Option<&str>,
) -> Result<std::result::Result<(Enterprise, Outcome), Vec<Problem>>> {
    let stored = match identify(txn, &patch)? {
        Ok(stored) => stored,
        Err(problem) => return Ok(Err(vec![problem])),
    };
    // The keys `identify` already looked up (they point at `stored` or at nothing).
    let looked_up_code = patch.credit_code.clone();
    let looked_up_name = patch.name.clone().zip(patch.effective_region());
    let (new, outcome) = match &stored {
        Some(old) => {
            let new = patch.apply_to(old.clone());
            if &new == old {
                return Ok(Ok((new, Outcome::Unchanged)));
            }
            (new, Outcome::Updated)
        }
        None => {
            if patch.source.is_none() {
                patch.source = default_source.map(str::to_string);
            }
            match patch.into_new(txn.new_enterprise_id()) {
                Ok(e) => (e, Outcome::Inserted),
                Err(problems) => return Ok(Err(problems)),
            }
        }
    };
    let known =
        Known { code: looked_up_code.as_ref(), name: looked_up_name.as_ref().map(|(n, r)| (n.as_str(), *r)) };
    if let Some(problem) = collision(txn, &new, stored.as_ref(), known)? {
        return Ok(Err(vec![problem]));
    }
    txn.put_enterprise(stored.as_ref(), &new)?;
    Ok(Ok((new, outcome)))
}

/// The stored enterprise a patch identifies, or a new one made from it (nothing stored is
/// changed). `Ok(Err(..))` is a rejection.
pub(super) fn find_or_create(
    txn: &mut Txn<'_>,
    patch: EnterprisePatch,
) -> Result<std::result::Result<Enterprise, Vec<Problem>>> {
    match identify(txn, &patch)? {
        Err(problem) => Ok(Err(vec![problem])),
        Ok(Some(existing)) => Ok(Ok(existing)),
        Ok(None) => Ok(stage(txn, patch)?.map(|(e, _)| e)),
    }
}

/// A row's outcome: the enterprise as staged, or why the row was rejected.
type Staged = std::result::Result<(Enterprise, Outcome), Vec<Problem>>;

/// Stages one parsed row of an import; also says where its region came from, if inferred.
fn stage_row(
    txn: &mut Txn<'_>,
    patch: std::result::Result<EnterprisePatch, Vec<Problem>>,
    default_source: Option<&str>,
) -> Result<(Staged, Option<crate::model::RegionSource>)> {
    match patch {
        Ok(patch) => {
            let region_from = patch.region_from;
            Ok((stage_with_source(txn, patch, default_source)?, region_from))
        }
        Err(problems) => Ok((Err(problems), None)),
    }
}

/// The counts of an import's report, row by row.
#[derive(Default)]
struct Tally {
    /// Enterprises this import inserted: a later row for one of them is merged, not an update.
    inserted_here: std::collections::HashSet<EnterpriseId>,
}

impl Tally {
    fn count(
        &mut self,
        report: &mut ImportReport,
        number: usize,
        result: Staged,
        region_from: Option<crate::model::RegionSource>,
    ) {
        match result {
            Ok((e, outcome)) => match outcome {
                Outcome::Inserted => {
                    report.inserted += 1;
                    self.inserted_here.insert(e.id);
                    match region_from {
                        Some(from) => report.region_inferred.count(from),
                        None if !e.region.is_known() => report.region_unknown += 1,
                        None => {}
                    }
                }
                _ if self.inserted_here.contains(&e.id) => report.merged += 1,
                Outcome::Updated => report.updated += 1,
                Outcome::Unchanged => report.unchanged += 1,
            },
            Err(problems) => report.rejected.push(RejectedRow::new(number, problems)),
        }
    }
}

/// What a preview keeps: the first enterprises as they would be stored.
struct Preview {
    sample: usize,
    stored: Vec<Enterprise>,
}

fn rejection(problems: Vec<Problem>) -> Error {
    match problems.first().map(|p| p.code) {
        Some(crate::error::Code::ConflictingIdentity | crate::error::Code::DuplicateEnterprise) => {
            Error::Conflict(problems[0].clone())
        }
        _ => Error::Invalid(problems),
    }
}

impl App {
    /// Creates or updates one enterprise and makes it durable before returning.
    pub fn write_enterprise(&self, patch: EnterprisePatch) -> Result<(Enterprise, Outcome)> {
        self.write(|txn| stage(txn, patch)?.map_err(rejection))
    }

    /// Creates an enterprise; one that already exists (same credit code, or name and region) is
    /// a conflict naming it. Audited as `actor`.
    pub fn create_enterprise(&self, patch: EnterprisePatch, actor: &str) -> Result<Enterprise> {
        self.write(|txn| {
            if let Some(existing) = identify(txn, &patch)?.map_err(Error::Conflict)? {
                return Err(Error::Conflict(Problem::new(
                    "name",
                    crate::error::Code::DuplicateEnterprise,
                    format!("企业已存在：{}（{}）", existing.name, existing.id),
                )));
            }
            let (e, _) = stage(txn, patch)?.map_err(rejection)?;
            txn.audit(&AuditEntry::now(actor, "create_enterprise", e.id.to_string(), None, Some(json!(e))))?;
            Ok(e)
        })
    }

    /// Replaces a stored enterprise with exactly what the patch says (fields it leaves out are
    /// cleared). Returns (before, after). Audited as `actor`.
    pub fn replace_enterprise(
        &self,
        id: EnterpriseId,
        patch: EnterprisePatch,
        actor: &str,
    ) -> Result<(Enterprise, Enterprise)> {
        self.write(|txn| {
            let old = txn.enterprise(id)?.ok_or_else(|| Error::NotFound(format!("enterprise {id}")))?;
            // A replacement that says no region keeps the stored one: nothing inferred moves a firm.
            let mut patch = patch;
            if patch.region.is_none() || patch.region_from.is_some() {
                patch.region = Some(old.region);
                patch.region_from = None;
            }
            let new = patch.into_new(id).map_err(Error::Invalid)?;
            if let Some(problem) = collision(txn, &new, Some(&old), Known::default())? {
                return Err(Error::Conflict(problem));
            }
            txn.put_enterprise(Some(&old), &new)?;
            txn.audit(&AuditEntry::now(
                actor,
                "replace_enterprise",
                id.to_string(),
                Some(json!(old)),
                Some(json!(new)),
            ))?;
            Ok((old, new))
        })
    }

    /// Deletes an enterprise (durably); returns what was stored. Audited as `actor`.
    pub fn delete_enterprise(&self, id: EnterpriseId, actor: &str) -> Result<Enterprise> {
        self.write(|txn| {
            let old =
                txn.delete_enterprise(id)?.ok_or_else(|| Error::NotFound(format!("enterprise {id}")))?;
            txn.audit(&AuditEntry::now(actor, "delete_enterprise", id.to_string(), Some(json!(old)), None))?;
            Ok(old)
        })
    }

    /// Imports every readable row of a table; never stops at a bad row. Every row counted as
    /// inserted or updated is durable when this returns. `default_source` labels new records
    /// that carry no source of their own. `progress(done, total)` is called as rows go.
    pub fn import_table(
        &self,
        table: Table,
        default_source: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        self.import_rows(table.into(), default_source, None, progress)
    }

    /// [`App::import_table`] over rows as a reader yields them. Rows are parsed into patches on a
    /// second thread while this one writes (store → graph → index), so the two overlap. With an
    /// `actor`, the import's counts are audited in its last batch.
    pub fn import_rows(
        &self,
        rows: Rows,
        default_source: Option<&str>,
        actor: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        self.import_or_preview(rows, default_source, actor, None, progress)
    }

    /// What [`App::import_rows`] would do, storing nothing (`--dry-run`, the import page's
    /// preview): the report, and the first `sample` enterprises as they would be stored.
    pub fn preview_rows(
        &self,
        rows: Rows,
        default_source: Option<&str>,
        sample: usize,
    ) -> Result<(ImportReport, Vec<Enterprise>)> {
        let mut preview = Preview { sample, stored: Vec::new() };
        let report =
            self.import_or_preview(rows, default_source, None, Some(&mut preview), &mut |_, _| {})?;
        Ok((report, preview.stored))
    }

    fn import_or_preview(
        &self,
        rows: Rows,
        default_source: Option<&str>,
        actor: Option<&str>,
        preview: Option<&mut Preview>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        let today = super::today();
        let total = rows.expected;
        let source = rows.rows;
        let report = ImportReport {
            ignored_columns: rows.ignored_columns,
            columns: rows.columns,
            header: rows.header,
            ragged_rows: rows.ragged_rows,
            skipped_rows: rows.skipped_rows,
            ..Default::default()
        };
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(4096);
            scope.spawn(move || {
                for row in source {
                    let patch = row
                        .record
                        .map_err(|p| vec![p])
                        .and_then(|record| EnterprisePatch::from_record(&record, today));
                    if tx.send((row.number, patch)).is_err() {
                        return; // the writer stopped on an error
                    }
                }
            });
            match preview {
                Some(preview) => self.preview_patches(rx.into_iter(), report, default_source, preview),
                None => self.write_patches(rx.into_iter(), report, total, default_source, actor, progress),
            }
        })
    }

    /// Stages every row in one transaction that is never committed: identities, merges and
    /// rejections come out exactly as an import's would, and nothing is stored.
    fn preview_patches(
        &self,
        patches: impl Iterator<Item = (usize, std::result::Result<EnterprisePatch, Vec<Problem>>)>,
        mut report: ImportReport,
        default_source: Option<&str>,
        preview: &mut Preview,
    ) -> Result<ImportReport> {
        let mut txn = self.begin_caught_up()?;
        let mut tally = Tally::default();
        let mut sample = Vec::new();
        for (number, patch) in patches {
            let (result, region_from) = stage_row(&mut txn, patch, default_source)?;
            if let Ok((e, _)) = &result
                && sample.len() < preview.sample
                && !sample.contains(&e.id)
            {
                sample.push(e.id);
            }
            tally.count(&mut report, number, result, region_from);
        }
        // As they stand after every row (a later row of the file may add to an earlier one).
        for id in sample {
            preview.stored.extend(txn.enterprise(id)?);
        }
        drop(txn); // never committed
        Ok(report)
    }

    fn write_patches(
        &self,
        patches: impl Iterator<Item = (usize, std::result::Result<EnterprisePatch, Vec<Problem>>)>,
        mut report: ImportReport,
        total: usize,
        default_source: Option<&str>,
        actor: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        let mut txn = self.begin_caught_up()?;
        let mut done = 0;
        let mut t = PhaseTimes::default();
        let began = std::time::Instant::now();
        let mut patches = patches.enumerate();
        let mut tally = Tally::default();
        // Rows read ahead, so a shared store answers their lookups in one round trip.
        let mut ahead = std::collections::VecDeque::new();
        let prefetching = self.store.is_shared();
        loop {
            let waited = std::time::Instant::now();
            if ahead.is_empty() {
                ahead.extend(patches.by_ref().take(if prefetching { PREFETCH_ROWS } else { 1 }));
                if prefetching {
                    prefetch(&mut txn, &ahead)?;
                }
            }
            let Some((i, (number, patch))) = ahead.pop_front() else { break };
            t.wait_for_rows += waited.elapsed();
            let staged = std::time::Instant::now();
            done = i + 1;
            let (result, region_from) = stage_row(&mut txn, patch, default_source)?;
            tally.count(&mut report, number, result, region_from);
            t.identify += staged.elapsed();
            if txn.len() >= BATCH_ROWS {
                let storing = std::time::Instant::now();
                let committed = txn.commit()?;
                t.store += storing.elapsed();
                self.apply_timed(&committed, &mut t)?;
                drop(committed); // other writers may go between two batches
                txn = self.begin_caught_up()?;
                if prefetching {
                    prefetch(&mut txn, &ahead)?;
                }
            }
            if (i + 1) % FLUSH_EVERY == 0 {
                let flushing = std::time::Instant::now();
                self.store.flush()?;
                t.flush += flushing.elapsed();
            }
            if (i + 1) % 256 == 0 {
                progress(i + 1, total.max(i + 1));
            }
        }
        if let Some(actor) = actor {
            let counts = json!({"inserted": report.inserted, "updated": report.updated, "rejected": report.rejected.len()});
            txn.audit(&AuditEntry::now(actor, "import", "enterprises", None, Some(counts)))?;
        }
        let storing = std::time::Instant::now();
        let committed = txn.commit()?;
        t.store += storing.elapsed();
        self.apply_timed(&committed, &mut t)?;
        let flushing = std::time::Instant::now();
        self.flush(&committed)?;
        drop(committed);
        t.flush += flushing.elapsed();
        let ms = |d: std::time::Duration| d.as_millis() as u64;
        tracing::info!(
            rows = done,
            total_ms = ms(began.elapsed()),
            wait_for_rows_ms = ms(t.wait_for_rows),
            identify_ms = ms(t.identify),
            store_ms = ms(t.store),
            graph_ms = ms(t.graph),
            index_ms = ms(t.index),
            flush_ms = ms(t.flush),
            "import phases (writer thread)"
        );
        progress(done, done);
        Ok(report)
    }
}
