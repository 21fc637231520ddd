//! The store's last answers to the reads every request makes (is this token valid, which firms
//! are dismissed for a chain), kept so those reads keep answering while a shared store
//! (PostgreSQL, SPEC §12) cannot be reached: graph and index are in memory, and a restart of the
//! database must not turn every search and lead list into a 503. Used only when the store fails
//! with `store_unavailable`; every successful read refreshes them.

use super::App;
use crate::error::{Error, Result};
use crate::model::EnterpriseId;
use crate::store::TokenRecord;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

#[derive(Default)]
pub(super) struct LastKnown {
    /// Token hash → the token, for tokens the store has confirmed (never unknown secrets).
    tokens: Mutex<HashMap<[u8; 32], TokenRecord>>,
    dismissed: Mutex<HashMap<String, HashSet<EnterpriseId>>>,
}

impl App {
    /// The token with this secret's hash, if any.
    pub fn authenticate(&self, secret: &str) -> Result<Option<TokenRecord>> {
        let hash = super::token_hash(secret);
        let mut known = self.last_known.tokens.lock().unwrap_or_else(|p| p.into_inner());
        match self.store.token_by_hash(&hash) {
            Ok(Some(t)) => {
                known.insert(hash, t.clone());
                Ok(Some(t))
            }
            Ok(None) => {
                known.remove(&hash);
                Ok(None)
            }
            Err(Error::StoreUnavailable(reason)) => match known.get(&hash) {
                Some(t) => Ok(Some(t.clone())),
                None => Err(Error::StoreUnavailable(reason)),
            },
            Err(e) => Err(e),
        }
    }

    /// The enterprises dismissed for a chain.
    pub(super) fn dismissed(&self, chain: &str) -> Result<HashSet<EnterpriseId>> {
        let mut known = self.last_known.dismissed.lock().unwrap_or_else(|p| p.into_inner());
        match self.store.dismissals(chain) {
            Ok(d) => {
                let ids: HashSet<_> = d.into_iter().map(|(id, _)| id).collect();
                known.insert(chain.to_string(), ids.clone());
                Ok(ids)
            }
            Err(Error::StoreUnavailable(reason)) => {
                known.get(chain).cloned().ok_or(Error::StoreUnavailable(reason))
            }
            Err(e) => Err(e),
        }
    }
}
