//! A bounded walk over the matches of a ranked search.
//!
//! Ranking by relevance scores every match, so a word nearly every firm has (`有限`, `科技`)
//! costs a walk over most of a million documents: tens of milliseconds that hold up every other
//! request behind it. SPEC §5 asks for an exact total only up to 10,000; beyond that a lower bound
//! will do. So a relevance-ranked search of words without facets walks at most about
//! [`RANKED_WALK_LIMIT`] matches, shared out over the segments by their size — each segment at
//! least an equal part and at least the exact 10,000, so a search with up to 10,000 matches is
//! exact however they fall, and recent writes (small segments, their matches dense) are walked
//! whole (shares by size alone walked 10 of a 100-firm segment whose firms all matched, and a
//! search with 2,000 matches answered `total: 225`) — and says when it stopped early (the total
//! is then a lower bound and `total_exact` is false). Within a segment the walk takes the first
//! matches by document id — in a segment built by one import, roughly the order of the file — so
//! the ranking of a word that more than 20,000 firms share is the best of those walked, not of
//! all. A relaxed search (words tried with OR) whose walk was cut walks each of its words and
//! parts again within the query, the fewest first, in a second budget as large as the first
//! (`SearchIndex::past_the_walk`), so a rare word's firms are not lost behind a common word's.
//! Facets, sorting by capital and filters without words walk every match: there a missed
//! one would be a wrong count or order.

use std::sync::atomic::{AtomicBool, Ordering};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED};

/// Matches a relevance-ranked search walks at most, by default (twice the SPEC's exact count).
/// At 1M firms under 64 connections (BENCHMARKS.md, `scripts/load-search.sh`), the cold p99 was
/// 27–28 ms with 100,000, 24–25 ms with 30,000 and 22 ms with 15,000: the broadest words set the
/// tail. `serve --search-walk` changes it.
pub const RANKED_WALK_LIMIT: u64 = 20_000;

/// SPEC §5: totals are exact up to this many matches.
pub const EXACT_TOTAL: u64 = 10_000;

/// Wraps a collector so it sees at most `limit` matches in all, each segment its share.
pub struct Bounded<C> {
    inner: C,
    limit: u64,
    /// Documents in all segments, to share the limit out.
    max_docs: u64,
    /// The least share of any segment: an equal part of the limit.
    floor: u64,
    cut: AtomicBool,
}

impl<C> Bounded<C> {
    pub fn new(inner: C, limit: u64, max_docs: u64, segments: usize) -> Bounded<C> {
        // An equal part, and never less than SPEC §5's exact count (unless the whole limit is
        // less): a search with at most 10,000 matches is then exact however they fall.
        let floor = limit.div_ceil(segments.max(1) as u64).max(limit.min(EXACT_TOTAL));
        Bounded { inner, limit, max_docs: max_docs.max(1), floor, cut: AtomicBool::new(false) }
    }

    /// Whether some segment had matches left when its share ran out.
    pub fn was_cut(&self) -> bool {
        self.cut.load(Ordering::Relaxed)
    }
}

impl<C: Collector> Collector for Bounded<C> {
    type Fruit = C::Fruit;
    type Child = C::Child;

    fn for_segment(&self, ord: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<C::Child> {
        self.inner.for_segment(ord, reader)
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(&self, fruits: Vec<<C::Child as SegmentCollector>::Fruit>) -> tantivy::Result<C::Fruit> {
        self.inner.merge_fruits(fruits)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
        let mut child = self.inner.for_segment(ord, reader)?;
        // This segment's share by size (rounded up), and never below an equal part.
        let by_size = (self.limit as u128 * reader.max_doc() as u128).div_ceil(self.max_docs as u128);
        let share = u64::try_from(by_size).unwrap_or(u64::MAX).max(self.floor);
        let scoring = self.inner.requires_scoring();
        let alive = reader.alive_bitset();
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc: DocId = scorer.doc();
        let mut walked = 0u64;
        while doc != TERMINATED {
            if walked == share {
                self.cut.store(true, Ordering::Relaxed);
                break;
            }
            if alive.is_none_or(|a| a.is_alive(doc)) {
                let score: Score = if scoring { scorer.score() } else { 0.0 };
                child.collect(doc, score);
                walked += 1;
            }
            doc = scorer.advance();
        }
        Ok(child.harvest())
    }
}

#[cfg(test)]
mod tests {
    use super::{Bounded, EXACT_TOTAL};

    #[test]
    fn every_segment_may_walk_the_exact_count_so_small_totals_stay_exact() {
        // Eight segments share 20,000: an equal part would be 2,500, so 9,000 matches in one
        // small segment would have been cut and counted as "at least 2,500".
        assert_eq!(Bounded::new((), 20_000, 1_000_000, 8).floor, EXACT_TOTAL);
        assert_eq!(Bounded::new((), 100_000, 1_000_000, 4).floor, 25_000, "an equal part when larger");
        assert_eq!(Bounded::new((), 500, 1_000, 3).floor, 500, "a limit below the exact count bounds it");
    }
}
