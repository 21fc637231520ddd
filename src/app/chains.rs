//! Chain writes: chain files imported as one all-or-nothing batch, a chain created or replaced
//! (the API's PUT), a chain's details edited (PATCH), and the bundled demo.

use super::App;
use crate::error::{ChainProblem, Error, Result};
use crate::import::ImportReport;
use crate::model::Chain;
use crate::model::chain::{check_cross_chain_flows, parse_chain_toml};
use crate::store::{AuditEntry, Txn};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Checks chains against each other and the stored ones, then adds them to the transaction. If
/// anything is wrong, nothing is added and every problem is reported.
fn check_and_stage(
    txn: &mut Txn<'_>,
    chains: &[(String, Chain)],
    mut problems: Vec<ChainProblem>,
) -> Result<()> {
    let mut known: HashMap<String, HashSet<String>> = txn
        .store()
        .chains()?
        .into_iter()
        .map(|c| (c.id.clone(), c.links.iter().map(|l| l.id.clone()).collect()))
        .collect();
    for (_, c) in chains {
        known.insert(c.id.clone(), c.links.iter().map(|l| l.id.clone()).collect());
    }
    for (name, chain) in chains {
        if let Err(reason) = check_cross_chain_flows(chain, &known) {
            problems.push(ChainProblem {
                file: name.clone(),
                line: 1,
                code: crate::error::Code::InvalidChain,
                reason,
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::InvalidChain(problems));
    }
    let chains: Vec<Chain> = chains.iter().map(|(_, c)| c.clone()).collect();
    txn.put_chains(&chains)
}

impl App {
    /// Parses and stores chain files `(name, text)` as one batch: if any file is bad, none is
    /// stored and every bad file is reported with its line. Returns the stored chain ids.
    pub fn import_chain_files(&self, files: &[(String, String)], actor: &str) -> Result<Vec<String>> {
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
                    code: crate::error::Code::InvalidChain,
                    reason: format!("chain id {:?} is also used by {first}", chain.id),
                });
            }
        }
        self.write(|txn| {
            check_and_stage(txn, &parsed, problems)?;
            let ids: Vec<String> = parsed.iter().map(|(_, c)| c.id.clone()).collect();
            txn.audit(&AuditEntry::now(actor, "import_chains", ids.join(","), None, None))?;
            Ok(ids)
        })
    }

    /// Stores one chain (create or replace), as the API's PUT does; returns what was stored
    /// before. Audited as `actor`.
    pub fn put_chain(&self, name: &str, chain: Chain, actor: &str) -> Result<Option<Chain>> {
        self.write(|txn| {
            let before = txn.store().chain(&chain.id)?;
            check_and_stage(txn, &[(name.to_string(), chain.clone())], vec![])?;
            txn.audit(&AuditEntry::now(
                actor,
                "put_chain",
                chain.id.clone(),
                before.as_ref().map(|c| json!(c)),
                Some(json!(chain)),
            ))?;
            Ok(before)
        })
    }

    /// Edits a stored chain in place (read and written in one transaction, so two edits never
    /// lose each other); returns the new chain. Audited as `actor` with `action`.
    pub fn edit_chain(
        &self,
        id: &str,
        action: &str,
        actor: &str,
        edit: impl FnOnce(&mut Chain) -> Result<()>,
    ) -> Result<Chain> {
        self.write(|txn| {
            let before = txn.store().chain(id)?.ok_or_else(|| Error::NotFound(format!("chain {id:?}")))?;
            let mut chain = before.clone();
            edit(&mut chain)?;
            check_and_stage(txn, &[(format!("{id}.toml"), chain.clone())], vec![])?;
            txn.audit(&AuditEntry::now(actor, action, id, Some(json!(before)), Some(json!(chain))))?;
            Ok(chain)
        })
    }

    /// Loads the bundled demo chains and enterprises (idempotent: a second load updates).
    pub fn load_demo(&self, progress: &mut dyn FnMut(usize, usize)) -> Result<(Vec<String>, ImportReport)> {
        let mut files: Vec<(String, String)> =
            crate::demo::CHAIN_FILES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        files.push(crate::demo::city_chain());
        let chains = self.import_chain_files(&files, "demo")?;
        let (enterprises, _) = crate::demo::enterprises();
        let table =
            crate::import::read_bytes(enterprises.as_bytes(), crate::import::Format::JsonLines, None)?;
        let report = self.import_rows(table.into(), None, Some("demo"), progress)?;
        self.load_demo_history()?;
        Ok((chains, report))
    }
}
