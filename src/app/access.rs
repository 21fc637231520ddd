//! Who may do what, and what was done: API tokens, lead dismissals, the audit trail, and backup
//! and restore of the whole store.

use super::App;
use crate::error::{Error, Problem, Result};
use crate::model::{Enterprise, EnterpriseId, Role};
use crate::store::{AuditEntry, Dismissal, TokenRecord};
use serde_json::json;

/// Enterprises per transaction when restoring a backup (as a bulk import batches rows).
const RESTORE_BATCH: usize = 1_000;

impl App {
    /// Stops suggesting `enterprise` for `chain`; recorded with the reason and audited.
    pub fn dismiss(&self, chain: &str, enterprise: EnterpriseId, reason: &str, actor: &str) -> Result<()> {
        if self.graph().chain(chain).is_none() {
            return Err(Error::NotFound(format!("chain {chain:?}")));
        }
        self.write(|txn| {
            if txn.enterprise(enterprise)?.is_none() {
                return Err(Error::NotFound(format!("enterprise {enterprise}")));
            }
            let at = chrono::Utc::now();
            let d = Dismissal { reason: reason.to_string(), by: actor.to_string(), at };
            let mut entry =
                AuditEntry::now(actor, "dismiss_lead", format!("{chain}/{enterprise}"), None, None);
            entry.detail = reason.to_string();
            txn.audit(&entry)?;
            txn.dismiss(chain, enterprise, &d)
        })
    }

    /// Creates a token; returns its record and the secret, which is shown only now. Audited as
    /// `actor`.
    pub fn create_token(
        &self,
        role: Role,
        name: &str,
        unit: Option<&str>,
        actor: &str,
    ) -> Result<(TokenRecord, String)> {
        if let Some(u) = unit
            && !self.book().units.contains_key(u)
        {
            return Err(Error::Invalid(vec![Problem::new(
                "unit",
                crate::error::Code::NotFound,
                format!("招商单位“{u}”不存在"),
            )]));
        }
        if name.trim().is_empty() {
            return Err(Error::Invalid(vec![Problem::new(
                "name",
                crate::error::Code::MissingField,
                "缺少令牌名称",
            )]));
        }
        let mut secret = [0u8; 24];
        let mut id = [0u8; 6];
        getrandom::fill(&mut secret).map_err(|e| Error::Index(format!("no randomness: {e}")))?;
        getrandom::fill(&mut id).map_err(|e| Error::Index(format!("no randomness: {e}")))?;
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let secret = format!("cs_{}", hex(&secret));
        let record = TokenRecord {
            id: format!("tok_{}", hex(&id)),
            name: name.trim().to_string(),
            role,
            created: chrono::Utc::now(),
            unit: unit.map(str::to_string),
        };
        self.write(|txn| {
            txn.put_token(&super::token_hash(&secret), &record)?;
            txn.audit(&AuditEntry::now(actor, "create_token", record.id.clone(), None, Some(json!(record))))
        })?;
        Ok((record, secret))
    }

    /// Revokes the token with this id; returns it. Audited as `actor`.
    pub fn delete_token(&self, id: &str, actor: &str) -> Result<TokenRecord> {
        self.write(|txn| {
            let old = txn.delete_token(id)?.ok_or_else(|| Error::NotFound(format!("token {id:?}")))?;
            txn.audit(&AuditEntry::now(actor, "delete_token", id, Some(json!(old)), None))?;
            Ok(old)
        })
    }

    /// The token a secret belongs to, if any.
    /// Makes sure an admin token exists; when it makes one, returns its secret.
    pub fn ensure_admin_token(&self) -> Result<Option<String>> {
        if self.store.tokens()?.iter().any(|t| t.role == Role::Admin) {
            return Ok(None);
        }
        let (_, secret) = self.create_token(Role::Admin, "initial admin", None, "chainscout")?;
        Ok(Some(secret))
    }

    /// Writes a consistent snapshot of the store as JSON lines (no write runs meanwhile: the
    /// store holds its write lock while it streams).
    pub fn backup(&self, out: &mut dyn std::io::Write) -> Result<()> {
        self.store.export_lines(|v| {
            serde_json::to_writer(&mut *out, &v).map_err(|e| Error::io("backup", e.into()))?;
            out.write_all(b"\n").map_err(|e| Error::io("backup", e))
        })
    }

    /// Loads a backup into an empty data dir, then rebuilds the graph and the index. Returns the
    /// number of records restored.
    pub fn restore(&self, input: impl std::io::BufRead) -> Result<usize> {
        if !self.store.is_empty() {
            return Err(Error::Invalid(vec![Problem::new(
                "",
                crate::error::Code::InvalidValue,
                "恢复只能写入空的数据目录",
            )]));
        }
        let mut n = 0;
        let mut txn = self.begin_caught_up()?;
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
                Some(e) => {
                    let e: Enterprise = serde_json::from_value(e).map_err(|_| {
                        Error::UnreadableInput(format!("backup line {}: not a valid enterprise", i + 1))
                    })?;
                    txn.restore_enterprise(&e)?;
                }
                None => txn.restore_line(&v)?,
            }
            if txn.len() >= RESTORE_BATCH {
                // Restore builds graph and index once at the end, not per batch.
                drop(txn.commit()?);
                txn = self.begin_caught_up()?;
            }
            n += 1;
        }
        drop(txn.commit()?);
        self.reindex(&mut |_, _| {})?;
        Ok(n)
    }
}
