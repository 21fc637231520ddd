//! The identity index: which enterprise holds a credit code, or a name in a region (SPEC §4).
//!
//! Kept in memory and never stored: it is rebuilt from the records at open, in the same scan that
//! builds the graph. Identity keys used to live in sled beside the records, and inserting those
//! random keys (and reading them back) was two thirds of a 1M-row import (issue 7: identify 31 s
//! and store 20 s of 76 s). Keys are held as 64-bit hashes (16 bytes an entry); a hash only names
//! a candidate, which the caller checks against the record, and the rare second key with a taken
//! hash is kept whole in `overflow`.
//!
//! Names alone (SPEC §4: a row with no region is found by its name when exactly one stored
//! enterprise has it) are kept apart as a count and the XOR of the ids per name hash: adding and
//! removing are the same operation, and when the count is one the XOR *is* the id.

use crate::model::EnterpriseId;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

#[derive(Default)]
pub struct Identities {
    slots: HashMap<u64, EnterpriseId>,
    overflow: HashMap<Vec<u8>, EnterpriseId>,
    /// Name hash → (how many enterprises have a name with that hash, XOR of their ids).
    names: HashMap<u64, (u32, u64)>,
}

/// What the index says of a key.
pub(super) enum Found {
    /// The key itself was kept: this is the answer.
    Exact(EnterpriseId),
    /// An enterprise whose key has the same hash: check its record.
    Candidate(EnterpriseId),
    None,
}

fn hash(key: &[u8]) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(key)
}

impl Identities {
    /// Records the identity keys of a stored enterprise (as the graph scan sees it).
    pub fn add_enterprise(&mut self, f: &crate::model::EnterpriseFacts) {
        self.add(&super::name_key(&f.name, f.region), f.id);
        self.count_name(&f.name, f.id, true);
        if let Some(c) = &f.credit_code {
            self.add(&super::credit_key(c), f.id);
        }
    }

    pub(super) fn add(&mut self, key: &[u8], id: EnterpriseId) {
        match self.slots.entry(hash(key)) {
            Entry::Vacant(v) => {
                v.insert(id);
            }
            Entry::Occupied(o) if *o.get() == id => {}
            Entry::Occupied(_) => {
                self.overflow.insert(key.to_vec(), id);
            }
        }
    }

    /// Counts `id` in (`add`) or out of the enterprises named `name`.
    pub(super) fn count_name(&mut self, name: &str, id: EnterpriseId, add: bool) {
        let entry = self.names.entry(hash(name.as_bytes())).or_insert((0, 0));
        entry.0 = if add { entry.0 + 1 } else { entry.0.saturating_sub(1) };
        entry.1 ^= id.0;
        if entry.0 == 0 {
            self.names.remove(&hash(name.as_bytes()));
        }
    }

    /// How many enterprises have a name with this hash, and the XOR of their ids (with a count
    /// of one, the id of a candidate to check: hashes can collide).
    pub(super) fn named(&self, name: &str) -> (u32, u64) {
        self.names.get(&hash(name.as_bytes())).copied().unwrap_or((0, 0))
    }

    pub(super) fn remove(&mut self, key: &[u8], id: EnterpriseId) {
        if self.overflow.get(key) == Some(&id) {
            self.overflow.remove(key);
        } else if self.slots.get(&hash(key)) == Some(&id) {
            self.slots.remove(&hash(key));
        }
    }

    pub(super) fn find(&self, key: &[u8]) -> Found {
        if let Some(id) = self.overflow.get(key) {
            return Found::Exact(*id);
        }
        match self.slots.get(&hash(key)) {
            Some(id) => Found::Candidate(*id),
            None => Found::None,
        }
    }

    /// Keys held.
    pub fn len(&self) -> usize {
        self.slots.len() + self.overflow.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_alone_names_an_enterprise_only_when_one_has_it() {
        let mut ids = Identities::default();
        let (a, b) = (EnterpriseId(7), EnterpriseId(9));
        assert_eq!(ids.named("某公司"), (0, 0));
        ids.count_name("某公司", a, true);
        assert_eq!(ids.named("某公司"), (1, 7));
        ids.count_name("某公司", b, true);
        assert_eq!(ids.named("某公司").0, 2, "two firms share the name");
        ids.count_name("某公司", a, false);
        assert_eq!(ids.named("某公司"), (1, 9), "the XOR leaves the other");
        ids.count_name("某公司", b, false);
        assert_eq!(ids.named("某公司"), (0, 0));
        assert!(ids.names.is_empty());
    }

    #[test]
    fn a_taken_hash_keeps_both_keys_apart() {
        let mut ids = Identities::default();
        let (a, b) = (EnterpriseId(1), EnterpriseId(2));
        ids.add(b"nfirst", a);
        // Force a second key into the same slot, as a hash collision would.
        let h = hash(b"nfirst");
        ids.slots.insert(h, a);
        ids.overflow.insert(b"nsecond".to_vec(), b);
        assert!(matches!(ids.find(b"nsecond"), Found::Exact(id) if id == b));
        assert!(matches!(ids.find(b"nfirst"), Found::Candidate(id) if id == a));
        ids.remove(b"nsecond", b);
        assert!(matches!(ids.find(b"nsecond"), Found::None | Found::Candidate(_)));
        ids.remove(b"nfirst", a);
        assert!(matches!(ids.find(b"nfirst"), Found::None));
        assert!(ids.is_empty());
    }
}
