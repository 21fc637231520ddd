//! BM25 statistics remembered per searcher generation.
//!
//! Scoring a term needs its document frequency over the whole index, which tantivy reads from
//! every segment's term dictionary at every search; the scorers then look the term up again to
//! open its postings. A query is a few dozen terms (phrases of bigrams in three fields, jieba
//! words, their parts), so these lookups were the largest single cost of a short query (a tenth
//! of the server's time in a profile under load). The numbers only change with a commit, so they
//! are kept until the searcher generation moves, and bounded in number.

use std::collections::HashMap;
use std::sync::Mutex;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// Terms remembered at most; beyond that the memory starts afresh.
const MAX_TERMS: usize = 200_000;

#[derive(Default)]
pub struct StatsCache {
    inner: Mutex<Known>,
}

#[derive(Default)]
struct Known {
    generation: u64,
    doc_freq: HashMap<Term, u64>,
    tokens: HashMap<Field, u64>,
}

impl StatsCache {
    /// A statistics provider over `searcher` that remembers what it reads.
    pub fn over<'a>(&'a self, searcher: &'a Searcher) -> CachedStats<'a> {
        CachedStats { cache: self, searcher }
    }

    fn known(&self, generation: u64) -> std::sync::MutexGuard<'_, Known> {
        let mut k = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if k.generation != generation || k.doc_freq.len() > MAX_TERMS {
            *k = Known { generation, ..Known::default() };
        }
        k
    }
}

pub struct CachedStats<'a> {
    cache: &'a StatsCache,
    searcher: &'a Searcher,
}

impl CachedStats<'_> {
    fn generation(&self) -> u64 {
        self.searcher.generation().generation_id()
    }
}

impl Bm25StatisticsProvider for CachedStats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(n) = self.cache.known(self.generation()).tokens.get(&field) {
            return Ok(*n);
        }
        let n = self.searcher.total_num_tokens(field)?;
        self.cache.known(self.generation()).tokens.insert(field, n);
        Ok(n)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(n) = self.cache.known(self.generation()).doc_freq.get(term) {
            return Ok(*n);
        }
        // Read without holding the lock: other searches go on meanwhile.
        let n = self.searcher.doc_freq(term)?;
        self.cache.known(self.generation()).doc_freq.insert(term.clone(), n);
        Ok(n)
    }
}
