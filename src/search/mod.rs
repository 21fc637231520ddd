//! Full-text search of enterprises (tantivy): Chinese names by bigrams and jieba words, products,
//! places, codes and tags, with filters, facets and highlights.
//!
//! The index is derived from the store: every write through the app updates it, a commit records
//! the store generation it reflects, and a mismatch at start-up (a crash between the two, a
//! deleted or corrupted index directory) makes the app rebuild it from the store.

mod any_of;
mod bigram;
mod budget;
mod cache;
mod facets;
pub mod fold;
mod fold_table;
mod highlight;
pub mod query;
mod schema;
mod stats;
mod timing;
mod whole_or_parts;

pub use budget::RANKED_WALK_LIMIT;
pub use query::{SearchRequest, Sort};
pub use timing::Phases;

use crate::error::{Error, Result};
use crate::model::{Enterprise, EnterpriseId, LinkRef, RegionCode, regions};
use budget::Bounded;
use facets::{FacetTally, Tallies};
use query::Words;
use schema::{Display, Fields};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::Value;
use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, TextAnalyzer};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Term};
pub(crate) use timing::Lap;

impl From<tantivy::TantivyError> for Error {
    fn from(e: tantivy::TantivyError) -> Self {
        Error::Index(e.to_string())
    }
}

/// One facet value and how many matches have it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FacetCount {
    pub key: String,
    pub name: String,
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<&'static str>,
}

#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Facets {
    pub region: Vec<FacetCount>,
    pub tag: Vec<FacetCount>,
    pub link: Vec<FacetCount>,
}

/// One hit (SPEC §8).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Hit {
    pub id: String,
    pub name: String,
    pub region: String,
    pub region_name: String,
    pub tags: Vec<String>,
    pub registered_capital: Option<f64>,
    pub score: f32,
    /// Field → snippet, in field-name order (one answer is always the same bytes).
    pub highlight: std::collections::BTreeMap<&'static str, String>,
}

/// A page of hits with counts and facets. `links` (chain links that match the words) is filled
/// in by the app, which holds the chain maps.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SearchResults {
    pub total: u64,
    pub total_exact: bool,
    /// True when no enterprise matched every word and the words (or a joined word's parts,
    /// `常州电池` → 常州, 电池) were tried with OR.
    pub relaxed: bool,
    pub hits: Vec<Hit>,
    /// Counts per region, tag and link, only when asked (`facets=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
    pub links: Vec<LinkHit>,
}

/// A chain link matching the query.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LinkHit {
    pub chain: String,
    pub chain_name: String,
    pub link: String,
    pub name: String,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// The writer and the store generation of the newest change handed to it: the next commit
    /// records that generation. The app hands changes over in generation order (under the store's
    /// write lock), so a commit never claims a generation whose changes it lacks.
    writer: Mutex<Writing>,
    fields: Fields,
    jieba: TextAnalyzer,
    /// Facets of the whole index for one searcher generation.
    all_facets: Mutex<Option<(u64, Facets)>>,
    /// Recent results of the current searcher generation.
    cache: cache::ResultCache,
    /// Matches a relevance-ranked search walks at most (see `budget`).
    walk_limit: std::sync::atomic::AtomicU64,
    /// Term statistics of the current searcher generation.
    stats: stats::StatsCache,
}

struct Writing {
    writer: IndexWriter,
    generation: Option<u64>,
    /// Documents added or deleted since the last commit.
    pending: bool,
}

fn register(index: &Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(schema::BIGRAM, TextAnalyzer::builder(bigram::BigramTokenizer).build());
    tokenizers.register(schema::JIEBA, TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new()).build());
    tokenizers.register(
        schema::SIMPLE,
        TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).build(),
    );
}

/// The deepest a search pages: tantivy keeps room for `offset + limit` hits per segment, so an
/// unbounded offset is an unbounded allocation. The API refuses more; the library caps it.
pub const MAX_OFFSET: usize = 10_000;

/// What `chainscout check` finds where the search index should be, before anything repairs it.
#[derive(Debug)]
pub enum Inspected {
    /// No index at all.
    Missing,
    /// An index of another schema or folding (a version of chainscout before an upgrade):
    /// opening rebuilds it, as planned, so it is a repair and not damage.
    OtherSchema,
    Found(OnDisk),
}

/// A search index as `chainscout check` finds it on disk, before anything repairs it.
#[derive(Debug)]
pub struct OnDisk {
    /// The store generation its last commit reflects (`None`: it never recorded one).
    pub generation: Option<u64>,
    pub docs: u64,
    /// Every live document's enterprise id.
    pub ids: Vec<String>,
}

/// The most hits a page holds (the API refuses more; the library cuts to it). A limit of 0
/// gives counts (and facets) without hits.
pub const MAX_LIMIT: usize = 500;

/// Results kept per half of the result cache (so at most twice this many); each is one page of
/// at most 50 hits, typically 5–20 KB.
pub const DEFAULT_CACHE_ENTRIES: usize = 1024;

/// Writer memory: tantivy splits it between its threads.
const WRITER_BYTES: usize = 256 * 1024 * 1024;

impl SearchIndex {
    /// Opens the index in `dir`, or makes a fresh one when it is missing or unreadable (then
    /// `generation()` is `None` and the app rebuilds it from the store).
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        let (schema, fields) = schema::build_schema();
        // tantivy may panic on damaged files rather than return an error; either way the index
        // is derived data, so start afresh and let the app rebuild it.
        let opened = std::panic::catch_unwind(|| Self::try_open(dir, &schema))
            .unwrap_or_else(|_| Err(Error::Index("the index files are damaged".into())));
        let index = match opened {
            Ok(index) => index,
            Err(e) => {
                tracing::warn!(error = %e, dir = %dir.display(), "search index unreadable; starting a fresh one");
                let _ = std::fs::remove_dir_all(dir);
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                Index::create_in_dir(dir, schema.clone())?
            }
        };
        register(&index);
        let writer = index.writer_with_num_threads(2, WRITER_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut jieba = TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new()).build();
        // Jieba loads its dictionary on first use (~75 ms): here, not in somebody's first search.
        Words::analyse("预热", &mut jieba);
        let generation = Self::committed_generation(&index);
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(Writing { writer, generation, pending: false }),
            fields,
            jieba,
            all_facets: Mutex::new(None),
            cache: cache::ResultCache::new(DEFAULT_CACHE_ENTRIES),
            walk_limit: std::sync::atomic::AtomicU64::new(budget::RANKED_WALK_LIMIT),
            stats: stats::StatsCache::default(),
        })
    }

    fn try_open(dir: &Path, schema: &tantivy::schema::Schema) -> Result<Index> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let directory =
            tantivy::directory::MmapDirectory::open(dir).map_err(|e| Error::Index(e.to_string()))?;
        if !Index::exists(&directory).map_err(|e| Error::Index(e.to_string()))? {
            return Ok(Index::create_in_dir(dir, schema.clone())?);
        }
        let index = Index::open(directory)?;
        if index.schema() != *schema {
            return Err(Error::Index("schema changed".into()));
        }
        // Check every file's checksum so damage shows now, not at the first search.
        let damaged = index.validate_checksum()?;
        if !damaged.is_empty() {
            return Err(Error::Index(format!("damaged files: {damaged:?}")));
        }
        Ok(index)
    }

    /// The store generation the last commit reflects, if any.
    pub fn generation(&self) -> Option<u64> {
        Self::committed_generation(&self.index)
    }

    fn committed_generation(index: &Index) -> Option<u64> {
        index.load_metas().ok()?.payload?.parse().ok()
    }

    /// What is on disk, read without repairing anything (for `chainscout check`): `None` when
    /// there is no index at all, else the committed generation, the document count and the
    /// documents' ids; or why the index cannot be read.
    pub fn inspect(dir: &Path) -> std::result::Result<Inspected, String> {
        let (schema, _) = schema::build_schema();
        if !dir.exists() {
            return Ok(Inspected::Missing);
        }
        let opened = std::panic::catch_unwind(|| -> Result<_> {
            let directory =
                tantivy::directory::MmapDirectory::open(dir).map_err(|e| Error::Index(e.to_string()))?;
            if !Index::exists(&directory).map_err(|e| Error::Index(e.to_string()))? {
                return Ok(Inspected::Missing);
            }
            let index = Index::open(directory)?;
            if index.schema() != schema {
                return Ok(Inspected::OtherSchema);
            }
            let damaged = index.validate_checksum()?;
            if !damaged.is_empty() {
                return Err(Error::Index(format!("damaged files: {damaged:?}")));
            }
            register(&index);
            let reader: IndexReader =
                index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
            let searcher = reader.searcher();
            let id = index.schema().get_field("id")?;
            let mut ids = Vec::with_capacity(searcher.num_docs() as usize);
            for segment in searcher.segment_readers() {
                let store = segment.get_store_reader(64).map_err(|e| Error::Index(e.to_string()))?;
                for doc in segment.doc_ids_alive() {
                    let d: tantivy::TantivyDocument = store.get(doc)?;
                    if let Some(v) = d.get_first(id).and_then(|v| v.as_str()) {
                        ids.push(v.to_string());
                    }
                }
            }
            Ok(Inspected::Found(OnDisk {
                generation: Self::committed_generation(&index),
                docs: searcher.num_docs(),
                ids,
            }))
        });
        match opened {
            Ok(Ok(found)) => Ok(found),
            Ok(Err(Error::Index(why))) => Err(why),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("the index files are damaged (reading them failed)".into()),
        }
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn writing(&self) -> std::sync::MutexGuard<'_, Writing> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that every change of store generations up to `generation` has been handed over.
    pub fn reached(&self, generation: u64) {
        self.writing().generation = Some(generation);
    }

    /// Adds or replaces an enterprise's document (visible after [`SearchIndex::commit`]).
    pub fn upsert(&self, e: &Enterprise, links: &[LinkRef]) -> Result<()> {
        let mut w = self.writing();
        w.pending = true;
        w.writer.delete_term(Term::from_field_text(self.fields.id, &e.id.to_string()));
        w.writer.add_document(schema::document(&self.fields, e, links))?;
        Ok(())
    }

    /// Adds a document without deleting first (rebuilding into an empty index).
    pub fn add(&self, e: &Enterprise, links: &[LinkRef]) -> Result<()> {
        self.writing().writer.add_document(schema::document(&self.fields, e, links))?;
        Ok(())
    }

    pub fn delete(&self, id: EnterpriseId) {
        let mut w = self.writing();
        w.pending = true;
        w.writer.delete_term(Term::from_field_text(self.fields.id, &id.to_string()));
    }

    /// Whether documents were added or deleted since the last commit.
    pub fn has_pending(&self) -> bool {
        self.writing().pending
    }

    /// Drops every change handed over since the last commit (a rebuild that failed halfway must
    /// not be committed by the next write): the index is again what it last committed.
    pub fn discard_pending(&self) -> Result<()> {
        let mut w = self.writing();
        w.writer.rollback()?;
        w.pending = false;
        w.generation = Self::committed_generation(&self.index);
        Ok(())
    }

    /// Deletes every document (visible after the next commit).
    ///
    /// A delete of everything, not `IndexWriter::delete_all_documents`: that one rewinds the
    /// writer's opstamps to the last commit, and a document replaced after the rebuild that
    /// follows it then survives beside its replacement (found by the model-based property test:
    /// a structural chain change, then an import updating a firm, left two documents for it).
    pub fn clear(&self) -> Result<()> {
        let mut w = self.writing();
        w.pending = true;
        w.writer.delete_query(Box::new(tantivy::query::AllQuery))?;
        Ok(())
    }

    /// Makes pending changes searchable and records the store generation they reflect (the
    /// newest one [`SearchIndex::reached`]).
    pub fn commit(&self) -> Result<()> {
        {
            let mut w = self.writing();
            let Some(generation) = w.generation else { return Ok(()) };
            let mut prepared = w.writer.prepare_commit()?;
            prepared.set_payload(&generation.to_string());
            prepared.commit()?;
            w.pending = false;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Merges every segment into one and waits for it. Each query term costs a dictionary lookup
    /// per segment, so a bulk-built index answers faster as one segment (measured in
    /// BENCHMARKS.md, issue 16). The committed generation is kept.
    pub fn merge_segments(&self) -> Result<()> {
        let ids = self.index.searchable_segment_ids()?;
        if ids.len() > 1 {
            let mut w = self.writing();
            w.writer.merge(&ids).wait()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Segments searched now.
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Runs a search. Hits carry highlights; `links` and link facet names are left for the app.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        Ok(self.search_timed(req)?.0)
    }

    /// Changes how many matches a relevance-ranked search walks at most; cached results go.
    pub fn set_walk_limit(&self, matches: u64) {
        self.walk_limit.store(matches.max(1), std::sync::atomic::Ordering::Relaxed);
        self.cache.set_capacity(self.cache.capacity());
    }

    /// Bounds the result cache (`0` turns it off).
    pub fn set_cache_entries(&self, entries: usize) {
        self.cache.set_capacity(entries);
    }

    /// [`SearchIndex::search`] with the time of each phase.
    pub fn search_timed(&self, req: &SearchRequest) -> Result<(SearchResults, Phases)> {
        let mut phases = Phases::default();
        let mut lap = Lap::start();
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        // The whole request is the key: a field added to it can never be left out.
        let key = (self.cache.enabled() && req.limit <= cache::MAX_CACHED_HITS).then(|| format!("{req:?}"));
        if let Some(hit) = key.as_deref().and_then(|k| self.cache.get(generation, k)) {
            phases.cached = lap.take();
            return Ok(((*hit).clone(), phases));
        }
        let mut jieba = self.jieba.clone();
        let words = Words::analyse(&req.q, &mut jieba);
        phases.analyse = lap.take();

        // tantivy's top-k needs room for one; a limit of 0 drops it after the count.
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let query = query::build(&self.fields, req, &words, false);
        phases.build = lap.take();

        // Facets of the whole index (the search page before anything is typed) are the same until
        // the next commit: count them once per searcher generation.
        let browsing_all = words.words.is_empty() && query::filters(&self.fields, req).is_empty();
        let cached = if browsing_all && req.facets { self.cached_all_facets(&searcher) } else { None };
        let want_facets = req.facets && cached.is_none();
        // Ranked by relevance, a search of words without facets walks a bounded number of matches
        // (see `budget`); facets, sorting by capital and filters alone walk them all.
        let max_docs: u64 = searcher.segment_readers().iter().map(|r| r.max_doc() as u64).sum();
        let walk_limit = self.walk_limit.load(std::sync::atomic::Ordering::Relaxed);
        let stats = self.stats.over(&searcher);
        let offset = req.offset.min(MAX_OFFSET);
        // `walk`: how many matches a bounded walk may take (`walk_limit` but for the passes
        // past a relaxed walk, which share a second budget).
        let collect = |query: &dyn tantivy::query::Query,
                       limit: usize,
                       offset: usize,
                       walk: u64|
         -> Result<Collected> {
            let top = TopDocs::with_limit(limit).and_offset(offset);
            Ok(match (req.sort, want_facets) {
                (Sort::Relevance, true) => {
                    let (d, c, t) = searcher.search(query, &(top.order_by_score(), Count, FacetTally))?;
                    (d, c, Some(t), true)
                }
                (Sort::Relevance, false) if !words.words.is_empty() => {
                    let segments = searcher.segment_readers().len();
                    let bounded = Bounded::new((top.order_by_score(), Count), walk, max_docs, segments);
                    let (d, c) = searcher.search_with_statistics_provider(query, &bounded, &stats)?;
                    (d, c, None, !bounded.was_cut())
                }
                (Sort::Relevance, false) if browsing_all => {
                    // Every firm matches with one score: the first by address, counted from the
                    // segments' sizes (ranking a million equal scores cost 2.6 ms at 1M).
                    let (d, c) = first_documents(&searcher, offset, limit);
                    (d, c, None, true)
                }
                (Sort::Relevance, false) => {
                    let (d, c) = searcher.search_with_statistics_provider(
                        query,
                        &(top.order_by_score(), Count),
                        &stats,
                    )?;
                    (d, c, None, true)
                }
                (Sort::Capital, with_facets) => {
                    let by_capital = top.order_by_fast_field::<f64>("capital", Order::Desc);
                    let as_scores = |d: Vec<(Option<f64>, DocAddress)>| {
                        d.into_iter().map(|(v, a)| (v.unwrap_or(0.0) as f32, a)).collect::<Vec<_>>()
                    };
                    if with_facets {
                        let (d, c, t) = searcher.search_with_statistics_provider(
                            query,
                            &(by_capital, Count, FacetTally),
                            &stats,
                        )?;
                        (as_scores(d), c, Some(t), true)
                    } else {
                        let (d, c) =
                            searcher.search_with_statistics_provider(query, &(by_capital, Count), &stats)?;
                        (as_scores(d), c, None, true)
                    }
                }
            })
        };
        let (mut docs, mut total, mut counts, mut exact) =
            collect(query.as_ref(), limit, offset, walk_limit)?;
        phases.collect = lap.take();
        // No enterprise matched every word: try them with OR so a near-miss still answers.
        let relaxed = total == 0 && words.can_relax();
        if relaxed {
            let any = query::build(&self.fields, req, &words, true);
            // The whole page from the start: passes past the walk may add to it (below).
            (docs, total, counts, exact) = collect(any.as_ref(), offset + limit, 0, walk_limit)?;
            if !exact {
                let page = |q: &dyn tantivy::query::Query, walk| collect(q, offset + limit, 0, walk);
                docs =
                    self.past_the_walk(&searcher, &stats, req, &words, any.as_ref(), docs, walk_limit, page)?;
                // What the passes found matches too: the lower bound is at least that many.
                total = total.max(docs.len());
            }
            docs.drain(..offset.min(docs.len()));
        }
        phases.relax = lap.take();
        let facets = match (cached, counts) {
            (Some(f), _) => Some(f),
            (None, Some(t)) => {
                let f = facet_lists(t);
                if browsing_all {
                    *self.all_facets.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some((searcher.generation().generation_id(), f.clone()));
                }
                Some(f)
            }
            (None, None) => None,
        };
        phases.facets = lap.take();
        docs.truncate(req.limit);

        let mut shown = Vec::with_capacity(docs.len());
        for (score, address) in docs {
            let doc: tantivy::TantivyDocument = searcher.doc(address)?;
            let Some(display) = doc.get_first(self.fields.display).and_then(|v| v.as_str()) else { continue };
            let d: Display = serde_json::from_str(display).map_err(|e| Error::Index(e.to_string()))?;
            shown.push((d, score));
        }
        phases.fetch = lap.take();
        let marked = words.highlight_words();
        let hits = shown.into_iter().map(|(d, score)| self.hit(d, score, &marked)).collect();
        phases.highlight = lap.take();
        let results = SearchResults {
            total: total as u64,
            // A bounded walk that stopped early counted a lower bound (SPEC §5).
            total_exact: exact,
            relaxed,
            hits,
            facets,
            links: vec![],
        };
        if let Some(key) = key {
            self.cache.put(generation, key, std::sync::Arc::new(results.clone()));
        }
        Ok((results, phases))
    }

    /// A relaxed search whose walk was cut took the first matches by document id, so a firm
    /// with a rare word could lie past it, outranked by firms with only a common one
    /// (`杉杉科技` at 200k answered 科技 firms and never saw 杉杉股份). Each word or part is walked
    /// again within the query (so scored as in it), the fewest first by tantivy's estimate, in
    /// a second budget as large as the first walk: a rare word's firms are all ranked, a common
    /// word's are left to the first walk. The pages are the best of the union, by score and
    /// then by document (as tantivy breaks ties), each firm once.
    #[allow(clippy::too_many_arguments)]
    fn past_the_walk(
        &self,
        searcher: &tantivy::Searcher,
        stats: &stats::CachedStats<'_>,
        req: &SearchRequest,
        words: &Words,
        any: &dyn tantivy::query::Query,
        walked: Vec<(f32, DocAddress)>,
        walk_limit: u64,
        page: impl Fn(&dyn tantivy::query::Query, u64) -> Result<Collected>,
    ) -> Result<Vec<(f32, DocAddress)>> {
        let scoring = tantivy::query::EnableScoring::enabled_from_statistics_provider(stats, searcher);
        let mut passes = Vec::new();
        for (_, alternative) in query::alternatives(&self.fields, words) {
            // Estimated on the word and the filters alone: the whole query would cost every
            // alternative's lookups once more for each alternative.
            let mut alone = query::filters(&self.fields, req);
            alone.push((tantivy::query::Occur::Must, alternative.box_clone()));
            let weight = tantivy::query::Query::weight(&tantivy::query::BooleanQuery::new(alone), scoring)?;
            let within = query::within(alternative, any.box_clone());
            let mut estimate = 0u64;
            for segment in searcher.segment_readers() {
                estimate += weight.scorer(segment, 1.0)?.size_hint() as u64;
            }
            passes.push((estimate, within));
        }
        passes.sort_by_key(|(estimate, _)| *estimate);
        let mut seen: std::collections::HashSet<DocAddress> = walked.iter().map(|(_, a)| *a).collect();
        let mut docs = walked;
        let mut budget = walk_limit;
        for (_, within) in passes {
            if budget == 0 {
                break;
            }
            let (more, walked, _, whole) = page(within.as_ref(), budget)?;
            docs.extend(more.into_iter().filter(|(_, a)| seen.insert(*a)));
            budget = budget.saturating_sub(walked as u64);
            if !whole {
                break; // this pass was cut: the budget is spent
            }
        }
        docs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(docs)
    }

    fn cached_all_facets(&self, searcher: &tantivy::Searcher) -> Option<Facets> {
        let cache = self.all_facets.lock().unwrap_or_else(|p| p.into_inner());
        cache.as_ref().filter(|(g, _)| *g == searcher.generation().generation_id()).map(|(_, f)| f.clone())
    }

    fn hit(&self, d: Display, score: f32, words: &[(String, Vec<String>)]) -> Hit {
        let (aliases, products) = (d.aliases.join("；"), d.products.join("、"));
        let texts = [
            ("name", Some(d.name.as_str()), 200),
            ("aliases", Some(aliases.as_str()), 120),
            ("products", Some(products.as_str()), 120),
            ("description", d.description.as_deref(), 80),
            ("stock_code", d.stock_code.as_deref(), 40),
        ];
        let folded: Vec<Option<String>> = texts.iter().map(|(_, t, _)| t.map(fold::fold)).collect();
        // A word's parts are marked only where the hit lacks the whole word: in a maker of
        // 正极材料 the 材料 of 销售材料 is no match, in a firm found by the parts it is.
        let terms: Vec<String> = words
            .iter()
            .flat_map(|(word, parts)| {
                let whole = folded.iter().flatten().any(|f| f.contains(word.as_str()));
                std::iter::once(word).chain(parts.iter().filter(move |_| !whole)).cloned()
            })
            .collect();
        let mut highlight = std::collections::BTreeMap::new();
        for ((field, text, window), folded) in texts.into_iter().zip(&folded) {
            if let (Some(text), Some(folded)) = (text, folded)
                && let Some(h) = highlight::highlight_folded(text, folded, &terms, window)
            {
                highlight.insert(field, h);
            }
        }
        let region_name =
            crate::model::RegionCode::parse(&d.region).map(|c| regions().full_name(c)).unwrap_or_default();
        Hit {
            id: d.id,
            name: d.name,
            region: d.region,
            region_name,
            tags: d.tags,
            registered_capital: d.registered_capital,
            score,
            highlight,
        }
    }
}

/// Facet lists as the API shows them: provinces, then the top cities; tags; the top links.
/// Link names are filled in by the app, which holds the chain maps.
fn facet_lists(t: Tallies) -> Facets {
    let table = regions();
    let name_of =
        |code: u64| table.get(RegionCode::from_u32(code as u32)).map(|r| r.name.clone()).unwrap_or_default();
    let mut provinces: HashMap<u64, u64> = HashMap::new();
    let mut cities: HashMap<u64, u64> = HashMap::new();
    for (&code, &n) in &t.regions {
        let region = RegionCode::from_u32(code as u32);
        *provinces.entry(region.province().as_u32() as u64).or_default() += n;
        if let Some(city) = region.city() {
            *cities.entry(city.as_u32() as u64).or_default() += n;
        }
    }
    let sorted = |m: HashMap<u64, u64>, level: &'static str, keep: usize| {
        let mut v: Vec<FacetCount> = m
            .into_iter()
            .map(|(code, count)| FacetCount {
                key: format!("{code:06}"),
                name: name_of(code),
                count,
                level: Some(level),
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        v.truncate(keep);
        v
    };
    let mut region = sorted(provinces, "province", 40);
    region.extend(sorted(cities, "city", 20));
    let by_count = |m: HashMap<String, u64>, keep: usize| {
        let mut v: Vec<FacetCount> = m
            .into_iter()
            .map(|(key, count)| FacetCount { name: String::new(), key, count, level: None })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        v.truncate(keep);
        v
    };
    let mut tag = by_count(t.tags, 30);
    for f in &mut tag {
        f.name = f.key.clone();
    }
    Facets { region, tag, link: by_count(t.links, 30) }
}

/// Top hits with their scores (or capitals), the number of matches, facet tallies when asked,
/// and whether every match was walked (the count is exact).
type Collected = (Vec<(f32, DocAddress)>, usize, Option<Tallies>, bool);

/// The live documents from `offset` on, at most `limit`, in index order, each scored 1 (as
/// `AllQuery` scores them), and how many live documents there are.
fn first_documents(
    searcher: &tantivy::Searcher,
    offset: usize,
    limit: usize,
) -> (Vec<(f32, DocAddress)>, usize) {
    let mut skip = offset;
    let mut out = Vec::with_capacity(limit);
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        if out.len() == limit {
            break;
        }
        let alive = reader.alive_bitset();
        for doc in 0..reader.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if out.len() == limit {
                break;
            }
            out.push((1.0, DocAddress::new(ord as u32, doc)));
        }
    }
    (out, searcher.num_docs() as usize)
}

/// Where the index lives inside a data directory.
pub fn index_dir(data: &Path) -> PathBuf {
    data.join("search")
}
