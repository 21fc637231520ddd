//! Versioned record encoding: one version byte, then the record as JSON.
//!
//! Version 1 is the serde form of the `model` types. A release that changes a stored type adds
//! version 2 and keeps a decoder for version 1 here, so old stores stay readable.

use crate::error::{Error, Result};
use crate::model::EnterpriseId;
use serde::Serialize;
use serde::de::DeserializeOwned;

const CURRENT: u8 = 1;

pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut out = vec![CURRENT];
    serde_json::to_writer(&mut out, value)
        .map_err(|e| Error::CorruptRecord { key: "(new record)".into(), reason: e.to_string() })?;
    Ok(out)
}

/// Decodes a record; `key` names it in errors and is only rendered when one happens.
pub(super) fn decode<T: DeserializeOwned>(key: impl std::fmt::Display, bytes: &[u8]) -> Result<T> {
    match bytes.split_first() {
        Some((&1, json)) => serde_json::from_slice(json)
            .map_err(|e| Error::CorruptRecord { key: key.to_string(), reason: e.to_string() }),
        Some((&v, _)) => Err(Error::CorruptRecord {
            key: key.to_string(),
            reason: format!("record format {v} is newer than this release understands ({CURRENT})"),
        }),
        None => Err(Error::CorruptRecord { key: key.to_string(), reason: "empty record".into() }),
    }
}

/// Names an enterprise record key (`e` + id) in errors.
pub(super) struct EnterpriseKey<'a>(pub &'a [u8]);

impl std::fmt::Display for EnterpriseKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match <[u8; 8]>::try_from(&self.0[1.min(self.0.len())..]) {
            Ok(id) => write!(f, "{}", EnterpriseId(u64::from_be_bytes(id))),
            Err(_) => write!(f, "{:?}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_future_versions_are_refused() {
        let bytes = encode(&vec!["a", "b"]).unwrap();
        assert_eq!(bytes[0], 1);
        let back: Vec<String> = decode("k", &bytes).unwrap();
        assert_eq!(back, vec!["a", "b"]);
        let mut future = bytes.clone();
        future[0] = 9;
        assert!(decode::<Vec<String>>("k", &future).unwrap_err().to_string().contains("newer"));
    }
}
