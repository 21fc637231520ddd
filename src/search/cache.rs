//! A bounded cache of recent search results, valid for one index generation.
//!
//! Investment teams ask the same few hundred things all day (the chain's products, the big
//! names, their own county), and a broad product word at 1M enterprises costs milliseconds
//! where a cached answer costs microseconds. A result is only ever served for the searcher
//! generation it was computed on: every commit (a write, an import batch, a rebuild) starts
//! the cache afresh, so a cached answer is never staler than an uncached one would be.
//!
//! Two maps of at most `capacity` entries each: new results go into `recent`; when it is full it
//! becomes `older` (the previous `older` is dropped), and a hit in `older` moves back into
//! `recent`. That keeps what is asked again and bounds memory at twice the capacity, without a
//! linked list. Only pages of up to [`MAX_CACHED_HITS`] hits are kept, so an entry stays small.

use super::SearchResults;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Larger pages (exports, `limit=500`) are computed each time rather than held.
pub const MAX_CACHED_HITS: usize = 50;

pub struct ResultCache {
    capacity: AtomicUsize,
    inner: Mutex<Maps>,
}

#[derive(Default)]
struct Maps {
    generation: u64,
    recent: HashMap<String, Arc<SearchResults>>,
    older: HashMap<String, Arc<SearchResults>>,
}

impl ResultCache {
    /// A cache of up to `2 × capacity` results; `0` turns it off.
    pub fn new(capacity: usize) -> ResultCache {
        ResultCache { capacity: AtomicUsize::new(capacity), inner: Mutex::new(Maps::default()) }
    }

    /// Changes the bound (`0` turns the cache off); what is held is dropped.
    pub fn set_capacity(&self, capacity: usize) {
        self.capacity.store(capacity, Ordering::Relaxed);
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()) = Maps::default();
    }

    pub fn capacity(&self) -> usize {
        self.capacity.load(Ordering::Relaxed)
    }

    pub fn enabled(&self) -> bool {
        self.capacity() > 0
    }

    fn maps(&self, generation: u64) -> std::sync::MutexGuard<'_, Maps> {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if m.generation != generation {
            *m = Maps { generation, ..Maps::default() };
        }
        m
    }

    /// The result computed for `key` on this generation, if still held.
    pub fn get(&self, generation: u64, key: &str) -> Option<Arc<SearchResults>> {
        if !self.enabled() {
            return None;
        }
        let mut m = self.maps(generation);
        if let Some(r) = m.recent.get(key) {
            return Some(r.clone());
        }
        let r = m.older.remove(key)?;
        self.insert(&mut m, key.to_string(), r.clone());
        Some(r)
    }

    pub fn put(&self, generation: u64, key: String, results: Arc<SearchResults>) {
        if !self.enabled() {
            return;
        }
        let mut m = self.maps(generation);
        self.insert(&mut m, key, results);
    }

    fn insert(&self, m: &mut Maps, key: String, results: Arc<SearchResults>) {
        if m.recent.len() >= self.capacity() {
            m.older = std::mem::take(&mut m.recent);
        }
        m.recent.insert(key, results);
    }

    /// Entries held now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        let m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        m.recent.len() + m.older.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::ResultCache;
    use crate::search::SearchResults;
    use std::sync::Arc;

    fn results(total: u64) -> Arc<SearchResults> {
        Arc::new(SearchResults {
            total,
            total_exact: true,
            relaxed: false,
            hits: vec![],
            facets: None,
            links: vec![],
        })
    }

    #[test]
    fn bounded_recently_used_and_gone_with_the_generation() {
        let cache = ResultCache::new(2);
        cache.put(1, "a".into(), results(1));
        cache.put(1, "b".into(), results(2));
        cache.put(1, "c".into(), results(3)); // a, b move to older
        assert_eq!(cache.get(1, "a").unwrap().total, 1, "older entries are still served");
        cache.put(1, "d".into(), results(4)); // recent {c, a} full → older; b dropped
        assert!(cache.get(1, "b").is_none(), "the least recently used went first");
        assert_eq!(cache.get(1, "a").unwrap().total, 1);
        assert!(cache.len() <= 4, "at most twice the capacity: {}", cache.len());
        assert!(cache.get(2, "a").is_none(), "a new generation starts afresh");
        assert!(cache.is_empty());
        let off = ResultCache::new(0);
        off.put(1, "a".into(), results(1));
        assert!(off.get(1, "a").is_none() && off.is_empty());
    }
}
