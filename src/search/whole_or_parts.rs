//! `WholeOrParts`: a word that matches whole, or else by all of its parts.
//!
//! A word jieba splits (`正极材料` → 正极 + 材料, `常州电池` → 常州 + 电池) matches a document
//! where the whole word does (a phrase in a name, product or place, a tag, a description word) or
//! where every part matches somewhere. As a plain disjunction, the parts were checked at every
//! document: for each firm with 正极 the search sought 材料 in five fields' postings (~100,000
//! firms each at 1M), and scored the parts' jieba words — two thirds of a product query's time,
//! all for firms the whole word had already found.
//!
//! Here the parts are looked at only between the whole word's matches: a candidate of the rarest
//! part that the whole word matches too is taken as a whole match, with no seek into the other
//! parts' postings. The documents matched are the same as the disjunction's.
//!
//! The word's score has two tiers: a whole match scores its clauses plus one, a match by parts
//! the sum `s` of its parts' scores (times a boost) and their scoring words', squeezed below one
//! as `s / (1 + s)`, which keeps their order among themselves. So for this word a firm that has
//! it outranks every firm that only has its pieces; the request adds other words' scores and the
//! exact-name bonus on top (filters add nothing). As a plain sum the pieces could outweigh the
//! word: product words' precision@10 in `tests/it/search.rs` fell from 0.955 to 0.850 when whole
//! matches lost the parts' scores, and is 1.000 with the tiers.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

#[derive(Debug)]
pub struct WholeOrParts {
    whole: Box<dyn Query>,
    /// Each part's own clauses: a document matches by its parts when every one matches.
    parts: Vec<Box<dyn Query>>,
    parts_boost: Score,
    /// Added to the score of a document matched by its parts only.
    scoring: Box<dyn Query>,
}

impl WholeOrParts {
    pub fn new(
        whole: Box<dyn Query>,
        parts: Vec<Box<dyn Query>>,
        parts_boost: Score,
        scoring: Box<dyn Query>,
    ) -> WholeOrParts {
        WholeOrParts { whole, parts, parts_boost, scoring }
    }
}

impl Clone for WholeOrParts {
    fn clone(&self) -> Self {
        WholeOrParts {
            whole: self.whole.box_clone(),
            parts: self.parts.iter().map(|p| p.box_clone()).collect(),
            parts_boost: self.parts_boost,
            scoring: self.scoring.box_clone(),
        }
    }
}

impl Query for WholeOrParts {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(WholeOrPartsWeight {
            whole: self.whole.weight(scoring)?,
            parts: self.parts.iter().map(|p| p.weight(scoring)).collect::<tantivy::Result<_>>()?,
            parts_boost: self.parts_boost,
            scoring: std::sync::Arc::from(self.scoring.weight(scoring)?),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.whole.query_terms(visitor);
        for p in &self.parts {
            p.query_terms(visitor);
        }
        self.scoring.query_terms(visitor);
    }
}

struct WholeOrPartsWeight {
    whole: Box<dyn Weight>,
    parts: Vec<Box<dyn Weight>>,
    parts_boost: Score,
    scoring: std::sync::Arc<dyn Weight>,
}

impl Weight for WholeOrPartsWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let whole = self.whole.scorer(reader, boost)?;
        let mut parts = Vec::with_capacity(self.parts.len());
        for w in &self.parts {
            parts.push(w.scorer(reader, boost * self.parts_boost)?);
        }
        if parts.iter().any(|s| s.doc() == TERMINATED) {
            // A part found nowhere in this segment: only the whole word can match here (its
            // scores still a tier up, as in every other segment).
            parts.clear();
        }
        // The rarest part leads: its candidates are the fewest to check.
        parts.sort_by_key(|s| s.size_hint());
        let mut scorer = WholeOrPartsScorer {
            tier: boost,
            whole,
            parts,
            scoring: Scoring::Later { weight: self.scoring.clone(), reader: Box::new(reader.clone()), boost },
            doc: 0,
            by_parts: false,
        };
        scorer.settle(0);
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document #{doc} does not match")));
        }
        Ok(Explanation::new("the whole word, or else all of its parts", scorer.score()))
    }
}

struct WholeOrPartsScorer {
    /// What a whole match adds above any match by parts.
    tier: Score,
    whole: Box<dyn Scorer>,
    /// Rarest first; none when some part is absent from the segment.
    parts: Vec<Box<dyn Scorer>>,
    scoring: Scoring,
    doc: DocId,
    /// Whether `doc` is matched by the parts and not by the whole word.
    by_parts: bool,
}

/// The parts' scoring words, opened at the first match by parts: most searches of a word that
/// splits (a brand, `浩力新能源科技`) find it whole only, and each scoring word is a term looked up
/// and a posting list opened per segment for nothing (about 1 µs each, two per part).
enum Scoring {
    Later {
        weight: std::sync::Arc<dyn Weight>,
        reader: Box<SegmentReader>,
        boost: Score,
    },
    Open(Box<dyn Scorer>),
    /// Opening it failed (an I/O error the whole search would have met anyway): no extra score.
    Failed,
}

impl Scoring {
    /// The scoring words' score at `doc` (documents come in increasing order).
    fn at(&mut self, doc: DocId) -> Score {
        if let Scoring::Later { weight, reader, boost } = self {
            *self = match weight.scorer(reader, *boost) {
                Ok(scorer) => Scoring::Open(scorer),
                Err(e) => {
                    tracing::warn!(error = %e, "opening a word's scoring terms failed");
                    Scoring::Failed
                }
            };
        }
        let Scoring::Open(s) = self else { return 0.0 };
        if at_least(s.as_mut(), doc) == doc { s.score() } else { 0.0 }
    }
}

/// Moves `s` to the first document at or after `target` (a no-op when it is there already).
fn at_least(s: &mut dyn Scorer, target: DocId) -> DocId {
    if s.doc() < target { s.seek(target) } else { s.doc() }
}

impl WholeOrPartsScorer {
    /// Goes to the first match at or after `target`.
    fn settle(&mut self, target: DocId) -> DocId {
        let whole = at_least(self.whole.as_mut(), target);
        match self.first_by_parts(target, whole) {
            Some(doc) => {
                self.doc = doc;
                self.by_parts = true;
            }
            None => {
                self.doc = whole;
                self.by_parts = false;
            }
        }
        self.doc
    }

    /// The first document in `[from, below)` where every part matches. Candidates come from the
    /// rarest part; the others are sought only for candidates below the whole word's next match.
    fn first_by_parts(&mut self, from: DocId, below: DocId) -> Option<DocId> {
        let mut candidate = from;
        loop {
            if candidate >= below {
                return None;
            }
            let (lead, others) = self.parts.split_first_mut()?;
            let doc = at_least(lead.as_mut(), candidate);
            if doc >= below {
                return None;
            }
            let mut next = doc;
            for other in others.iter_mut() {
                let d = at_least(other.as_mut(), doc);
                if d != doc {
                    next = d;
                    break;
                }
            }
            if next == doc {
                return Some(doc);
            }
            candidate = next;
        }
    }
}

impl DocSet for WholeOrPartsScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.settle(self.doc + 1)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        self.settle(target)
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.whole.size_hint().saturating_add(self.parts.first().map_or(0, |p| p.size_hint()))
    }
}

impl Scorer for WholeOrPartsScorer {
    fn score(&mut self) -> Score {
        if !self.by_parts {
            return self.whole.score() + self.tier;
        }
        let doc = self.doc;
        let parts: Score = self.parts.iter_mut().map(|p| p.score()).sum();
        let extra = self.scoring.at(doc);
        let s = (parts + extra).max(0.0);
        self.tier * s / (1.0 + s)
    }
}

#[cfg(test)]
mod tests {
    use super::WholeOrParts;
    use crate::search::any_of::AnyOf;
    use proptest::prelude::*;
    use std::collections::HashMap;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::{Field, IndexRecordOption, Schema, TEXT};
    use tantivy::{DocAddress, Index, IndexWriter, TantivyDocument, Term};

    /// Which of the whole word, the three parts and the scoring word a document has, and how
    /// many filler words beside them (so lengths, and scores, differ).
    type Doc = ([bool; 5], u8);

    /// Fields `w` (the whole word), `a`, `b`, `c` (the parts), `s` (a scoring word); one
    /// segment per element of `segments`.
    fn index(segments: &[Vec<Doc>]) -> (Index, [Field; 5]) {
        let mut schema = Schema::builder();
        let fields = ["w", "a", "b", "c", "s"].map(|n| schema.add_text_field(n, TEXT));
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for segment in segments {
            for (has, filler) in segment {
                let mut d = TantivyDocument::default();
                for (field, has) in fields.iter().zip(has) {
                    let text =
                        format!("{}{}", if *has { "yes " } else { "" }, "filler ".repeat(*filler as usize));
                    d.add_text(*field, text);
                }
                writer.add_document(d).unwrap();
            }
            writer.commit().unwrap();
        }
        (index, fields)
    }

    fn term(f: Field) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(f, "yes"), IndexRecordOption::WithFreqs))
    }

    fn whole_or_parts(f: &[Field; 5]) -> WholeOrParts {
        let parts = vec![term(f[1]), term(f[2]), term(f[3])];
        WholeOrParts::new(term(f[0]), parts, 0.8, Box::new(AnyOf::new(vec![(0.5, term(f[4]))])))
    }

    /// Every match with its score.
    fn scores(index: &Index, q: &dyn Query) -> HashMap<DocAddress, f32> {
        let searcher = index.reader().unwrap().searcher();
        searcher
            .search(q, &TopDocs::with_limit(100_000).order_by_score())
            .unwrap()
            .into_iter()
            .map(|(s, a)| (a, s))
            .collect()
    }

    fn segments() -> impl Strategy<Value = Vec<Vec<Doc>>> {
        // A segment may lack a part altogether (its scorer is then empty), and may be longer than
        // a posting block (128 documents), so seeks go through the skip lists.
        let doc = (any::<[bool; 5]>(), 0u8..4);
        proptest::collection::vec((any::<[bool; 3]>(), proptest::collection::vec(doc, 0..300)), 1..4)
            .prop_map(|segs| {
                segs.into_iter()
                    .map(|(allowed, docs)| {
                        docs.into_iter()
                            .map(|(mut has, filler)| {
                                for p in 0..3 {
                                    has[p + 1] &= allowed[p];
                                }
                                (has, filler)
                            })
                            .collect()
                    })
                    .collect()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The same documents as `whole OR (a AND b AND c)`, each scored as documented — a whole
        /// match its whole score plus one, a match by parts `s / (1 + s)` of its parts' scores
        /// (boosted 0.8) and its scoring word's (0.5) — computed here from each clause alone;
        /// and the same documents beside a required clause, which drives by seeks.
        #[test]
        fn matches_the_whole_or_every_part_scored_in_two_tiers(segments in segments()) {
            let (index, f) = index(&segments);
            let every_part = || -> Box<dyn Query> {
                Box::new(BooleanQuery::new((1..4).map(|i| (Occur::Must, term(f[i]))).collect()))
            };
            let reference = BooleanQuery::new(vec![(Occur::Should, term(f[0])), (Occur::Should, every_part())]);
            let ours = scores(&index, &whole_or_parts(&f));
            let expected = scores(&index, &reference);
            let mut a: Vec<&DocAddress> = ours.keys().collect();
            let mut b: Vec<&DocAddress> = expected.keys().collect();
            a.sort();
            b.sort();
            prop_assert_eq!(a, b);
            let whole = scores(&index, term(f[0]).as_ref());
            let parts: Vec<HashMap<DocAddress, f32>> = (1..4).map(|i| scores(&index, term(f[i]).as_ref())).collect();
            let scoring = scores(&index, term(f[4]).as_ref());
            for (address, score) in &ours {
                let want = match whole.get(address) {
                    Some(w) => w + 1.0,
                    None => {
                        let s = parts.iter().map(|p| 0.8 * p[address]).sum::<f32>()
                            + scoring.get(address).map_or(0.0, |x| 0.5 * x);
                        s / (1.0 + s)
                    }
                };
                prop_assert!((score - want).abs() < 1e-4, "{address:?}: {score} where {want}");
            }
            let searcher = index.reader().unwrap().searcher();
            let with = |q: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, term(f[4])), (Occur::Must, q)]);
            let n = searcher.search(&with(Box::new(whole_or_parts(&f))), &Count).unwrap();
            let m = searcher.search(&with(Box::new(reference.clone())), &Count).unwrap();
            prop_assert_eq!(n, m);
        }
    }
}
