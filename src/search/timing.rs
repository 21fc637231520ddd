//! Where one search request's time goes, phase by phase: logged at debug level for every request
//! and measured by `cargo bench --bench search` (BENCHMARKS.md). Knowing which phase costs what
//! is how the per-request overhead around tantivy is kept small.

use std::time::{Duration, Instant};

/// The time of each phase of one search in the index (the app adds chain links, the API adds
/// serialisation; the bench times those separately).
#[derive(Debug, Default, Clone, Copy)]
pub struct Phases {
    /// A result served from the cache: the time to find and copy it (every other phase is zero).
    pub cached: Duration,
    /// Folding, splitting into words, and the one jieba pass shared by query and highlighter.
    pub analyse: Duration,
    /// Building the tantivy query tree.
    pub build: Duration,
    /// Walking the matches: top hits, the count, facet tallies when asked.
    pub collect: Duration,
    /// Multi-word queries that matched nothing: the same walk with the words joined by OR.
    pub relax: Duration,
    /// Facet lists from the tallies (sorting, region names).
    pub facets: Duration,
    /// Reading the hits' stored display records.
    pub fetch: Duration,
    /// Highlighting the hits.
    pub highlight: Duration,
    /// The app's part: chain links matching the words, link facet names.
    pub links: Duration,
}

impl Phases {
    /// Each phase with its name, in request order.
    pub fn named(&self) -> [(&'static str, Duration); 9] {
        [
            ("cached", self.cached),
            ("analyse", self.analyse),
            ("build", self.build),
            ("collect", self.collect),
            ("relax", self.relax),
            ("facets", self.facets),
            ("fetch", self.fetch),
            ("highlight", self.highlight),
            ("links", self.links),
        ]
    }

    pub fn total(&self) -> Duration {
        self.named().iter().map(|(_, d)| *d).sum()
    }

    /// Logs the phases at debug level (one line per search).
    pub fn log(&self, hits: u64) {
        if tracing::enabled!(tracing::Level::DEBUG) {
            let us = |d: Duration| d.as_micros() as u64;
            tracing::debug!(
                total_us = us(self.total()),
                cached_us = us(self.cached),
                analyse_us = us(self.analyse),
                build_us = us(self.build),
                relax_us = us(self.relax),
                collect_us = us(self.collect),
                facets_us = us(self.facets),
                fetch_us = us(self.fetch),
                highlight_us = us(self.highlight),
                links_us = us(self.links),
                hits,
                "search phases"
            );
        }
    }
}

/// A stopwatch read lap by lap.
pub(crate) struct Lap(Instant);

impl Lap {
    pub(crate) fn start() -> Lap {
        Lap(Instant::now())
    }

    /// The time since the last lap (or the start).
    pub(crate) fn take(&mut self) -> Duration {
        let now = Instant::now();
        let d = now - self.0;
        self.0 = now;
        d
    }
}
