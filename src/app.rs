//! `App`: owns the store and the graph, and is the ONE write path.
//!
//! Every change goes validate → store (flushed before success is reported) → graph. Readers take
//! the graph's read lock; the store stays the source of truth and the graph is rebuilt from it at
//! start-up ([`App::open`]) and on `reindex`.

use crate::error::{ChainProblem, Error, Problem, Result};
use crate::graph::Graph;
use crate::import::{ImportReport, RejectedRow, Rows, Table};
use crate::model::chain::{check_cross_chain_flows, parse_chain_toml};
use crate::model::{Chain, Enterprise, EnterprisePatch};
use crate::search::{SearchIndex, SearchRequest, SearchResults, index_dir};
use crate::store::{Store, Writer};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{RwLock, RwLockReadGuard};

/// Whether a write made a new enterprise or changed a stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Inserted,
    Updated,
}

/// What `chainscout check` found.
#[derive(Debug, Default, serde::Serialize)]
pub struct CheckReport {
    pub enterprises: usize,
    pub graph_enterprises: usize,
    pub index_documents: usize,
    pub store_generation: u64,
    pub index_generation: Option<u64>,
    /// Empty when everything agrees.
    pub problems: Vec<String>,
}

/// Where an enterprise stands among one chain's leads.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Standing {
    pub chain: String,
    pub chain_name: String,
    /// 1-based position among the chain's candidates.
    pub rank: usize,
    pub total: usize,
    pub lead: crate::leads::Lead,
}

pub struct App {
    /// Writers hold it shared; a backup holds it alone, so the snapshot is consistent.
    write_gate: RwLock<()>,
    store: Store,
    graph: RwLock<Graph>,
    index: SearchIndex,
    /// Lead analyses by chain, with the graph version they were made from.
    analyses: std::sync::Mutex<HashMap<String, (u64, std::sync::Arc<crate::leads::Analysis>)>>,
}

/// Rows written between two flushes during a bulk import; a crash loses at most these, and they
/// were never reported as stored.
const FLUSH_EVERY: usize = 20_000;

/// Rows per atomic sled batch during a bulk import.
const BATCH_ROWS: usize = 1_000;

/// Where the writer thread's time goes during an import (logged at the end).
#[derive(Default)]
struct PhaseTimes {
    /// Waiting for the parser thread.
    wait_for_rows: std::time::Duration,
    /// Identity lookups and staging records into the batch.
    identify: std::time::Duration,
    /// Applying sled batches.
    store: std::time::Duration,
    graph: std::time::Duration,
    /// Building documents and handing them to tantivy's indexing threads.
    index: std::time::Duration,
    /// sled flushes and the final index commit.
    flush: std::time::Duration,
}

/// Builds the graph from what the store holds.
pub fn build_graph(store: &Store) -> Result<Graph> {
    let mut graph = Graph::with_chains(store.chains()?);
    // The same scan builds the store's identity index: one pass over the records at start-up.
    // Reading and decoding records runs on a second thread while this one builds (cold start).
    let mut identities = crate::store::Identities::default();
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
    /// Opens the data directory, builds the graph from the store and reconciles the search
    /// index with it (rebuilding the index when it is missing, damaged or behind).
    pub fn open(dir: &Path) -> Result<App> {
        Self::open_with_progress(dir, &mut |_, _| {})
    }

    /// [`App::open`], reporting index rebuild progress as `(done, total)`.
    pub fn open_with_progress(dir: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<App> {
        let started = std::time::Instant::now();
        let store = Store::open(dir)?;
        let store_ms = started.elapsed().as_millis() as u64;
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
            write_gate: RwLock::new(()),
            store,
            graph: RwLock::new(graph),
            index,
            analyses: Default::default(),
        };
        if app.index.generation().is_none() && app.store.generation() == 0 {
            // A new data dir: nothing to index yet.
            app.index.commit(0)?;
        } else if app.index.generation() != Some(app.store.generation()) {
            app.reconcile_index(progress)?;
        }
        if let Some(g) = app.index.generation() {
            // The log up to what the index holds is never needed again (one entry per write or
            // import batch, so this is small and quick).
            let pruned = app.store.prune_changes(g)?;
            tracing::debug!(pruned, "change log pruned");
        }
        Ok(app)
    }

    /// Brings a search index that is behind the store up to date: replays the logged changes it
    /// has not seen (a crash between a store flush and the index commit leaves at most one
    /// import's rows), and rebuilds only when the log cannot say what changed — a chain changed
    /// (every membership may have), the index is ahead or from another store, or the log is
    /// incomplete.
    fn reconcile_index(&self, progress: &mut dyn FnMut(usize, usize)) -> Result<()> {
        let (index, store) = (self.index.generation(), self.store.generation());
        let changes = match index {
            Some(g) if g < store => self.store.changes_since(g)?.filter(|c| c.chains.is_empty()),
            _ => None,
        };
        let Some(changes) = changes else {
            tracing::info!(?index, store, "search index is not in step with the store; rebuilding it");
            return self.rebuild_index(progress);
        };
        tracing::info!(
            ?index,
            store,
            enterprises = changes.enterprises.len(),
            "replaying changes into the search index"
        );
        let graph = self.graph();
        let total = changes.enterprises.len();
        for (i, id) in changes.enterprises.into_iter().enumerate() {
            match self.store.enterprise(id)? {
                Some(e) => self.index.upsert(&e, &graph.links_with_ancestors(id))?,
                None => self.index.delete(id),
            }
            if (i + 1) % 1024 == 0 {
                progress(i + 1, total);
            }
        }
        drop(graph);
        self.index.commit(store)
    }

    /// Checks that the store is whole and that the graph and the index agree with it: every
    /// record decodes, every identity key points at its record and no other keys exist, and the
    /// graph and the index hold as many enterprises as the store, at the store's generation.
    pub fn check(&self) -> Result<CheckReport> {
        let mut report = CheckReport::default();
        let (mut with_code, mut enterprises) = (0usize, 0usize);
        for facts in self.store.enterprise_facts() {
            let f = match facts {
                Ok(f) => f,
                Err(e) => {
                    report.problems.push(format!("unreadable record: {e}"));
                    continue;
                }
            };
            enterprises += 1;
            if self.store.find_by_name(&f.name, f.region)? != Some(f.id) {
                report.problems.push(format!("{}: its name key does not point at it", f.id));
            }
            if let Some(code) = &f.credit_code {
                with_code += 1;
                if self.store.find_by_credit_code(code)? != Some(f.id) {
                    report.problems.push(format!("{}: its credit-code key does not point at it", f.id));
                }
            }
        }
        let keys = self.store.identity_keys()?;
        if keys != with_code + enterprises {
            report.problems.push(format!(
                "identity index: {keys} keys for {enterprises} names and {with_code} credit codes"
            ));
        }
        report.enterprises = enterprises;
        report.graph_enterprises = self.graph().n_enterprises();
        report.index_documents = self.index.num_docs() as usize;
        report.store_generation = self.store.generation();
        report.index_generation = self.index.generation();
        if report.graph_enterprises != enterprises {
            report.problems.push(format!("the graph holds {} enterprises", report.graph_enterprises));
        }
        if report.index_documents != enterprises {
            report.problems.push(format!("the index holds {} documents", report.index_documents));
        }
        if report.index_generation != Some(report.store_generation) {
            report.problems.push(format!("the index is at generation {:?}", report.index_generation));
        }
        Ok(report)
    }

    /// Rebuilds the search index from the store.
    pub fn rebuild_index(&self, progress: &mut dyn FnMut(usize, usize)) -> Result<()> {
        let total = self.store.count_enterprises();
        self.index.clear()?;
        let graph = self.graph();
        for (i, e) in self.store.enterprises().enumerate() {
            let e = e?;
            self.index.add(&e, &graph.links_with_ancestors(e.id))?;
            if (i + 1) % 1024 == 0 || i + 1 == total {
                progress(i + 1, total);
            }
        }
        drop(graph);
        self.index.commit(self.store.generation())
    }

    /// Leads for a chain (SPEC §6), leaving out enterprises dismissed for it.
    pub fn leads(&self, chain: &str, mut q: crate::leads::LeadQuery) -> Result<crate::leads::ChainLeads> {
        q.dismissed.extend(self.store.dismissals(chain)?.into_iter().map(|(id, _)| id));
        let not_found = || Error::NotFound(format!("chain {chain:?}"));
        let graph = self.graph();
        let analysis = self.analysis(&graph, chain)?;
        crate::leads::rank(&graph, chain, &analysis, &q).ok_or_else(not_found)
    }

    /// The leads an enterprise appears in, chain by chain, with its rank among each chain's
    /// candidates today (dismissed enterprises appear in none for that chain).
    pub fn standing(&self, id: crate::model::EnterpriseId) -> Result<Vec<Standing>> {
        let graph = self.graph();
        let mut out = Vec::new();
        for chain in graph.chains() {
            let dismissed: HashSet<_> =
                self.store.dismissals(&chain.id)?.into_iter().map(|(id, _)| id).collect();
            if dismissed.contains(&id) {
                continue;
            }
            let q = crate::leads::LeadQuery {
                as_of: today(),
                kind: None,
                link: None,
                limit: 0,
                offset: 0,
                dismissed,
            };
            let analysis = self.analysis(&graph, &chain.id)?;
            let Some((mine, total)) = crate::leads::standing(&graph, &chain.id, &analysis, &q, id) else {
                continue;
            };
            out.extend(mine.into_iter().map(|(rank, lead)| Standing {
                chain: chain.id.clone(),
                chain_name: chain.name.clone(),
                rank,
                total,
                lead,
            }));
        }
        Ok(out)
    }

    /// The chain's lead analysis, cached until the graph changes.
    fn analysis(&self, graph: &Graph, chain: &str) -> Result<std::sync::Arc<crate::leads::Analysis>> {
        let not_found = || Error::NotFound(format!("chain {chain:?}"));
        let cached = {
            let analyses = self.analyses.lock().unwrap_or_else(|p| p.into_inner());
            analyses.get(chain).filter(|(v, _)| *v == graph.version()).map(|(_, a)| a.clone())
        };
        let analysis = match cached {
            Some(a) => a,
            None => {
                let a = std::sync::Arc::new(crate::leads::analyse(graph, chain).ok_or_else(not_found)?);
                let mut analyses = self.analyses.lock().unwrap_or_else(|p| p.into_inner());
                analyses.insert(chain.to_string(), (graph.version(), a.clone()));
                a
            }
        };
        Ok(analysis)
    }

    /// Stops suggesting `enterprise` for `chain`; recorded with the reason and audited.
    pub fn dismiss(
        &self,
        chain: &str,
        enterprise: crate::model::EnterpriseId,
        reason: &str,
        actor: &str,
    ) -> Result<()> {
        if self.graph().chain(chain).is_none() {
            return Err(Error::NotFound(format!("chain {chain:?}")));
        }
        if self.graph().enterprise(enterprise).is_none() {
            return Err(Error::NotFound(format!("enterprise {enterprise}")));
        }
        let at = chrono::Utc::now();
        let d = crate::store::Dismissal { reason: reason.to_string(), by: actor.to_string(), at };
        self.store.append_audit(&crate::store::AuditEntry {
            at,
            actor: actor.to_string(),
            action: "dismiss_lead".into(),
            target: format!("{chain}/{enterprise}"),
            detail: reason.to_string(),
            before: None,
            after: None,
        })?;
        self.store.dismiss(chain, enterprise, &d)
    }

    /// Records a change in the audit trail (durable with the next flush, which every write does).
    pub fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<()> {
        self.store.append_audit(&crate::store::AuditEntry {
            at: chrono::Utc::now(),
            actor: actor.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            detail: String::new(),
            before,
            after,
        })?;
        self.store.flush()
    }

    /// Creates an enterprise; one that already exists (same credit code, or name and region) is
    /// a conflict naming it.
    pub fn create_enterprise(&self, patch: EnterprisePatch) -> Result<Enterprise> {
        let mut w = self.store.writer();
        if let Some(existing) = Self::identify(&w, &patch)?.map_err(Error::Conflict)? {
            return Err(Error::Conflict(Problem::new(
                "name",
                "duplicate_enterprise",
                format!("企业已存在：{}（{}）", existing.name, existing.id),
            )));
        }
        let result = Self::stage(&mut w, patch)?;
        self.commit(w)?;
        self.flush()?;
        result.map(|(e, _)| e).map_err(Self::rejection)
    }

    /// Replaces a stored enterprise with exactly what the patch says (fields it leaves out are
    /// cleared). Returns (before, after).
    pub fn replace_enterprise(
        &self,
        id: crate::model::EnterpriseId,
        patch: EnterprisePatch,
    ) -> Result<(Enterprise, Enterprise)> {
        let mut w = self.store.writer();
        let old = w.enterprise(id)?.ok_or_else(|| Error::NotFound(format!("enterprise {id}")))?;
        let new = patch.into_new(id).map_err(Error::Invalid)?;
        if let Some(code) = &new.credit_code
            && let Some(other) = w.find_by_credit_code(code)?
            && other != id
        {
            return Err(Error::Conflict(Problem::new(
                "credit_code",
                "duplicate_enterprise",
                format!("信用代码 {code} 已属于企业 {other}"),
            )));
        }
        if let Some(other) = w.find_by_name(&new.name, new.region)?
            && other != id
        {
            return Err(Error::Conflict(Problem::new(
                "name",
                "duplicate_enterprise",
                format!("同一地区已有同名企业 {other}（{}）", new.name),
            )));
        }
        w.put_enterprise(Some(&old), &new)?;
        self.commit(w)?;
        self.flush()?;
        Ok((old, new))
    }

    fn rejection(problems: Vec<Problem>) -> Error {
        match problems.first().map(|p| p.code) {
            Some("conflicting_identity" | "duplicate_enterprise") => Error::Conflict(problems[0].clone()),
            _ => Error::Invalid(problems),
        }
    }

    // ---- API tokens ----

    /// Creates a token; returns its record and the secret, which is shown only now.
    pub fn create_token(&self, role: &str, name: &str) -> Result<(crate::store::TokenRecord, String)> {
        if !matches!(role, "viewer" | "analyst" | "admin") {
            return Err(Error::Invalid(vec![Problem::new(
                "role",
                "invalid_value",
                format!("角色“{role}”无效（viewer、analyst、admin）"),
            )]));
        }
        if name.trim().is_empty() {
            return Err(Error::Invalid(vec![Problem::new("name", "missing_field", "缺少令牌名称")]));
        }
        let mut secret = [0u8; 24];
        let mut id = [0u8; 6];
        getrandom::fill(&mut secret).map_err(|e| Error::Index(format!("no randomness: {e}")))?;
        getrandom::fill(&mut id).map_err(|e| Error::Index(format!("no randomness: {e}")))?;
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let secret = format!("cs_{}", hex(&secret));
        let record = crate::store::TokenRecord {
            id: format!("tok_{}", hex(&id)),
            name: name.trim().to_string(),
            role: role.to_string(),
            created: chrono::Utc::now(),
        };
        self.store.put_token(&token_hash(&secret), &record)?;
        Ok((record, secret))
    }

    /// The token a secret belongs to, if any.
    pub fn authenticate(&self, secret: &str) -> Result<Option<crate::store::TokenRecord>> {
        self.store.token_by_hash(&token_hash(secret))
    }

    /// Makes sure an admin token exists; when it makes one, returns its secret.
    pub fn ensure_admin_token(&self) -> Result<Option<String>> {
        if self.store.tokens()?.iter().any(|t| t.role == "admin") {
            return Ok(None);
        }
        let (_, secret) = self.create_token("admin", "initial admin")?;
        Ok(Some(secret))
    }

    /// Writes a consistent snapshot of the store as JSON lines (no write runs meanwhile).
    pub fn backup(&self, out: &mut dyn std::io::Write) -> Result<()> {
        let _alone = self.write_gate.write().unwrap_or_else(|p| p.into_inner());
        self.store.flush()?;
        self.store.export_lines(|v| {
            serde_json::to_writer(&mut *out, &v).map_err(|e| Error::io("backup", e.into()))?;
            out.write_all(b"\n").map_err(|e| Error::io("backup", e))
        })
    }

    /// Loads a backup into an empty data dir and rebuilds the graph and the index.
    pub fn restore(&self, input: impl std::io::BufRead) -> Result<usize> {
        if !self.store.is_empty() {
            return Err(Error::Invalid(vec![Problem::new("", "invalid_value", "恢复只能写入空的数据目录")]));
        }
        let mut n = 0;
        // Enterprises go in batches, like an import; everything else line by line.
        let mut batch: Vec<Enterprise> = Vec::with_capacity(BATCH_ROWS);
        for (i, line) in input.lines().enumerate() {
            let line = line.map_err(|e| Error::io("backup", e))?;
            if line.trim().is_empty() {
                continue;
            }
            let mut v: serde_json::Value = serde_json::from_str(&line)
                .map_err(|e| Error::UnreadableInput(format!("backup line {}: {e}", i + 1)))?;
            if i == 0 && v.get("chainscout_backup").is_none() {
                return Err(Error::UnreadableInput("not a chainscout backup (no header line)".into()));
            }
            match v.get_mut("enterprise").map(serde_json::Value::take) {
                Some(e) => batch.push(serde_json::from_value(e).map_err(|_| {
                    Error::UnreadableInput(format!("backup line {}: not a valid enterprise", i + 1))
                })?),
                None => self.store.restore_line(&v)?,
            }
            if batch.len() >= BATCH_ROWS {
                self.store.restore_enterprises(&std::mem::take(&mut batch))?;
            }
            n += 1;
        }
        self.store.restore_enterprises(&batch)?;
        self.store.flush()?;
        self.reindex(&mut |_, _| {})?;
        Ok(n)
    }

    /// Bytes the search index takes on disk.
    pub fn index_bytes(&self) -> u64 {
        fn size(p: &Path) -> u64 {
            std::fs::read_dir(p)
                .map(|d| d.filter_map(|e| e.ok()).map(|e| e.metadata().map(|m| m.len()).unwrap_or(0)).sum())
                .unwrap_or(0)
        }
        size(&index_dir(self.store.dir()))
    }

    /// Searches enterprises and chain links.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let mut results = self.index.search(req)?;
        let graph = self.graph();
        for f in &mut results.facets.link {
            if let Some(r) = crate::model::LinkRef::parse(&f.key)
                && let (Some(chain), Some(link)) =
                    (graph.chain(&r.chain), graph.chain(&r.chain).and_then(|c| c.link(&r.link)))
            {
                f.name = format!("{}·{}", chain.name, link.name);
            }
        }
        let words: Vec<String> =
            crate::search::fold::fold(&req.q).split_whitespace().map(str::to_string).collect();
        results.links = graph
            .find_links(&words)
            .into_iter()
            .map(|(c, l)| crate::search::LinkHit {
                chain: c.id.clone(),
                chain_name: c.name.clone(),
                link: l.id.clone(),
                name: l.name.clone(),
            })
            .collect();
        Ok(results)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The graph, for reading. Never hold it across an `.await`.
    pub fn graph(&self) -> RwLockReadGuard<'_, Graph> {
        self.graph.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn graph_mut(&self) -> std::sync::RwLockWriteGuard<'_, Graph> {
        self.graph.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Rebuilds the graph and the search index from the store.
    pub fn reindex(&self, progress: &mut dyn FnMut(usize, usize)) -> Result<()> {
        let graph = build_graph(&self.store)?;
        *self.graph_mut() = graph;
        self.rebuild_index(progress)
    }

    // ---- chains ----

    /// Parses and stores chain files `(name, text)` as one batch: if any file is bad, none is
    /// stored and every bad file is reported with its line. Returns the stored chain ids.
    pub fn import_chain_files(&self, files: &[(String, String)]) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut parsed: Vec<(String, Chain)> = Vec::new();
        for (name, text) in files {
            match parse_chain_toml(name, text) {
                Ok(chain) => parsed.push((name.clone(), chain)),
                Err(Error::InvalidChain(p)) => problems.extend(p),
                Err(other) => return Err(other),
            }
        }
        let mut seen = HashMap::new();
        for (name, chain) in &parsed {
            if let Some(first) = seen.insert(chain.id.clone(), name.clone()) {
                problems.push(ChainProblem {
                    file: name.clone(),
                    line: 1,
                    code: "invalid_chain",
                    reason: format!("chain id {:?} is also used by {first}", chain.id),
                });
            }
        }
        self.check_and_store_chains(parsed, problems)
    }

    /// Stores one chain (create or replace), as the API's PUT does.
    pub fn put_chain(&self, name: &str, chain: Chain) -> Result<()> {
        self.check_and_store_chains(vec![(name.to_string(), chain)], vec![]).map(|_| ())
    }

    fn check_and_store_chains(
        &self,
        chains: Vec<(String, Chain)>,
        mut problems: Vec<ChainProblem>,
    ) -> Result<Vec<String>> {
        let mut known: HashMap<String, HashSet<String>> = self
            .store
            .chains()?
            .into_iter()
            .map(|c| (c.id.clone(), c.links.iter().map(|l| l.id.clone()).collect()))
            .collect();
        for (_, c) in &chains {
            known.insert(c.id.clone(), c.links.iter().map(|l| l.id.clone()).collect());
        }
        for (name, chain) in &chains {
            if let Err(reason) = check_cross_chain_flows(chain, &known) {
                problems.push(ChainProblem { file: name.clone(), line: 1, code: "invalid_chain", reason });
            }
        }
        if !problems.is_empty() {
            return Err(Error::InvalidChain(problems));
        }
        let chains: Vec<Chain> = chains.into_iter().map(|(_, c)| c).collect();
        self.store.put_chains(&chains)?;
        let ids = chains.iter().map(|c| c.id.clone()).collect();
        // A change of details only (链长, key links, names, weights) is applied in place; a new
        // structure may move every enterprise's memberships: rebuild what derives from it.
        let details_only = {
            let mut graph = self.graph_mut();
            chains.into_iter().all(|c| graph.replace_chain_details(c))
        };
        if details_only {
            self.index.commit(self.store.generation())?;
        } else {
            self.reindex(&mut |_, _| {})?;
        }
        Ok(ids)
    }

    // ---- enterprises ----

    /// Finds the stored enterprise a patch speaks of: by credit code, else by name + region.
    /// A patch that points at two different enterprises is a conflict.
    fn identify(
        w: &Writer<'_>,
        patch: &EnterprisePatch,
    ) -> Result<std::result::Result<Option<Enterprise>, Problem>> {
        let by_code = match &patch.credit_code {
            Some(code) => w.find_by_credit_code(code)?,
            None => None,
        };
        let by_name = match (&patch.name, patch.effective_region()) {
            (Some(name), Some(region)) => w.find_by_name(name, region)?,
            _ => None,
        };
        let id = match (by_code, by_name) {
            (Some(a), Some(b)) if a != b => {
                return Ok(Err(Problem::new(
                    "credit_code",
                    "conflicting_identity",
                    format!("信用代码对应企业 {a}，名称与地区对应另一家企业 {b}，无法确定要更新哪一家"),
                )));
            }
            (Some(a), _) => Some(a),
            (None, Some(b)) => Some(b),
            (None, None) => None,
        };
        let Some(id) = id else { return Ok(Ok(None)) };
        let stored = w.enterprise(id)?;
        if let (Some(stored), Some(code), None) = (&stored, &patch.credit_code, by_code)
            && let Some(existing) = &stored.credit_code
            && existing != code
        {
            return Ok(Err(Problem::new(
                "credit_code",
                "conflicting_identity",
                format!("同名同地区企业 {} 已登记信用代码 {existing}，与本行的 {code} 不一致", stored.id),
            )));
        }
        Ok(Ok(stored))
    }

    /// Validates one patch and adds it to the writer. `Ok(Err(..))` is a rejection.
    fn stage(
        w: &mut Writer<'_>,
        patch: EnterprisePatch,
    ) -> Result<std::result::Result<(Enterprise, Outcome), Vec<Problem>>> {
        let stored = match Self::identify(w, &patch)? {
            Ok(stored) => stored,
            Err(problem) => return Ok(Err(vec![problem])),
        };
        // The keys `identify` already looked up (they point at `stored` or at nothing).
        let looked_up_code = patch.credit_code.clone();
        let looked_up_name = patch.name.clone().zip(patch.effective_region());
        let (new, outcome) = match &stored {
            Some(old) => (patch.apply_to(old.clone()), Outcome::Updated),
            None => match patch.into_new(w.new_enterprise_id()?) {
                Ok(e) => (e, Outcome::Inserted),
                Err(problems) => return Ok(Err(problems)),
            },
        };
        // A changed name or credit code must not collide with another stored enterprise. Keys
        // `identify` looked up, or the stored record's own, cannot: skip those reads (at 1M
        // enterprises each is a random sled read).
        let known_code = |c: &crate::model::CreditCode| {
            looked_up_code.as_ref() == Some(c)
                || stored.as_ref().is_some_and(|s| s.credit_code.as_ref() == Some(c))
        };
        let known_name = looked_up_name.as_ref().is_some_and(|(n, r)| *n == new.name && *r == new.region)
            || stored.as_ref().is_some_and(|s| s.name == new.name && s.region == new.region);
        if let Some(code) = &new.credit_code
            && !known_code(code)
            && let Some(other) = w.find_by_credit_code(code)?
            && other != new.id
        {
            return Ok(Err(vec![Problem::new(
                "credit_code",
                "duplicate_enterprise",
                format!("信用代码 {code} 已属于企业 {other}"),
            )]));
        }
        if !known_name
            && let Some(other) = w.find_by_name(&new.name, new.region)?
            && other != new.id
        {
            return Ok(Err(vec![Problem::new(
                "name",
                "duplicate_enterprise",
                format!("同一地区已有同名企业 {other}（{}）", new.name),
            )]));
        }
        w.put_enterprise(stored.as_ref(), &new)?;
        Ok(Ok((new, outcome)))
    }

    /// Commits a writer's batch to the store, then brings the graph and the (uncommitted)
    /// index up to date. The index is committed where the store is flushed.
    fn commit(&self, w: Writer<'_>) -> Result<()> {
        self.commit_timed(w, &mut PhaseTimes::default())
    }

    fn commit_timed(&self, w: Writer<'_>, t: &mut PhaseTimes) -> Result<()> {
        let start = std::time::Instant::now();
        let gate = self.write_gate.read().unwrap_or_else(|p| p.into_inner());
        let written = w.commit()?;
        drop(gate);
        let stored = std::time::Instant::now();
        let mut graph = self.graph_mut();
        for e in &written {
            graph.upsert_enterprise(e.into());
        }
        drop(graph);
        let graphed = std::time::Instant::now();
        let graph = self.graph();
        for e in &written {
            self.index.upsert(e, &graph.links_with_ancestors(e.id))?;
        }
        t.store += stored - start;
        t.graph += graphed - stored;
        t.index += graphed.elapsed();
        Ok(())
    }

    /// Makes everything written so far durable, then searchable.
    fn flush(&self) -> Result<()> {
        self.store.flush()?;
        self.index.commit(self.store.generation())
    }

    /// Creates or updates one enterprise and makes it durable before returning.
    pub fn write_enterprise(&self, patch: EnterprisePatch) -> Result<(Enterprise, Outcome)> {
        let mut w = self.store.writer();
        let result = Self::stage(&mut w, patch)?;
        self.commit(w)?;
        self.flush()?;
        result.map_err(Self::rejection)
    }

    /// Deletes an enterprise (durably); returns what was stored.
    pub fn delete_enterprise(&self, id: crate::model::EnterpriseId) -> Result<Enterprise> {
        let old =
            self.store.delete_enterprise(id)?.ok_or_else(|| Error::NotFound(format!("enterprise {id}")))?;
        self.graph_mut().remove_enterprise(id);
        self.index.delete(id);
        self.index.commit(self.store.generation())?;
        Ok(old)
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
        self.import_rows(table.into(), default_source, progress)
    }

    /// [`App::import_table`] over rows as a reader yields them. Rows are parsed into patches on a
    /// second thread while this one writes (store → graph → index), so the two overlap.
    pub fn import_rows(
        &self,
        rows: Rows,
        default_source: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        let today = today();
        let total = rows.expected;
        let source = rows.rows;
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
            let report = ImportReport { ignored_columns: rows.ignored_columns, ..Default::default() };
            self.write_patches(rx.into_iter(), report, total, default_source, progress)
        })
    }

    fn write_patches(
        &self,
        patches: impl Iterator<Item = (usize, std::result::Result<EnterprisePatch, Vec<Problem>>)>,
        mut report: ImportReport,
        total: usize,
        default_source: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        let mut w = self.store.writer();
        let mut done = 0;
        let mut t = PhaseTimes::default();
        let began = std::time::Instant::now();
        let mut patches = patches.enumerate();
        loop {
            let waited = std::time::Instant::now();
            let Some((i, (number, patch))) = patches.next() else { break };
            t.wait_for_rows += waited.elapsed();
            let staged = std::time::Instant::now();
            done = i + 1;
            let result = match patch {
                Ok(mut patch) => {
                    if patch.source.is_none() {
                        patch.source = default_source.map(str::to_string);
                    }
                    Self::stage(&mut w, patch)?
                }
                Err(problems) => Err(problems),
            };
            match result {
                Ok((_, Outcome::Inserted)) => report.inserted += 1,
                Ok((_, Outcome::Updated)) => report.updated += 1,
                Err(problems) => report.rejected.push(RejectedRow::new(number, problems)),
            }
            t.identify += staged.elapsed();
            if w.len() >= BATCH_ROWS {
                // Commit first: a store has one writer at a time.
                self.commit_timed(w, &mut t)?;
                w = self.store.writer();
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
        self.commit_timed(w, &mut t)?;
        let flushing = std::time::Instant::now();
        self.flush()?;
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

    /// Loads the bundled demo chains and enterprises (idempotent: a second load updates).
    pub fn load_demo(&self, progress: &mut dyn FnMut(usize, usize)) -> Result<(Vec<String>, ImportReport)> {
        let files: Vec<(String, String)> =
            crate::demo::CHAIN_FILES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        let chains = self.import_chain_files(&files)?;
        let table = crate::import::read_bytes(
            crate::demo::ENTERPRISES_JSONL.as_bytes(),
            crate::import::Format::JsonLines,
            None,
        )?;
        let report = self.import_table(table, None, progress)?;
        Ok((chains, report))
    }
}
