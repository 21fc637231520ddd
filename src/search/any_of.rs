//! `AnyOf`: a disjunction of a few clauses that seeks each clause on its own.
//!
//! tantivy's `BooleanQuery` turns `Should` clauses into a `BufferedUnionScorer`, which fills a
//! 4,096-document window on every seek that leaves its window: for each match of a selective
//! `Must` clause it clears the window and decodes every posting of a common optional word
//! (`材料` in products) inside it. Measured at 1M enterprises (BENCHMARKS.md, issue 16), that was
//! most of a product query's time. A search's disjunctions have two to a dozen clauses, so
//! keeping each clause's own position and taking the minimum is cheap both when the union
//! drives (advance) and when an intersection or an optional clause probes it (seek).

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Matches a document when any clause does; its score is the sum of the matching clauses' scores,
/// each times its boost (as `BooleanQuery` of `Should` clauses wrapped in `BoostQuery`, but the
/// boost goes into each clause's scorer, so no wrapper runs per document).
#[derive(Debug)]
pub struct AnyOf {
    clauses: Vec<(Score, Box<dyn Query>)>,
    /// For a covering disjunction, each clause's group and its share of the group.
    cover: Option<Vec<Cover>>,
}

/// A clause's part in what a covering disjunction counts: the group (a query word) and the
/// share of it the clause stands for (the whole word 1, each of its `n` parts `1/(n+1)`).
#[derive(Debug, Clone, Copy)]
pub struct Cover {
    pub group: usize,
    pub share: Score,
}

impl AnyOf {
    pub fn new(clauses: Vec<(Score, Box<dyn Query>)>) -> AnyOf {
        AnyOf { clauses, cover: None }
    }

    /// Scored first by how much of the groups its matching clauses cover — each group (a query
    /// word) counts `min(1, the shares matched)` — then by the clauses' sum `s` squeezed below
    /// one as `s / (1 + s)`. For a relaxed search's words and parts: a firm with more of the
    /// words comes first whatever the fields (as a sum, 索道 in a name, 武汉三特索道, outranked the
    /// only firm with the whole 杨家界索道 in its description), and a word that splits counts
    /// once, not once per part (counted per clause, `茅台 新材料` ranked every 新材料 firm, three
    /// clauses, above 茅台, one).
    pub fn covering(clauses: Vec<(Score, Cover, Box<dyn Query>)>) -> AnyOf {
        let cover = clauses.iter().map(|(_, c, _)| *c).collect();
        AnyOf { clauses: clauses.into_iter().map(|(b, _, q)| (b, q)).collect(), cover: Some(cover) }
    }
}

impl Clone for AnyOf {
    fn clone(&self) -> Self {
        AnyOf {
            clauses: self.clauses.iter().map(|(b, q)| (*b, q.box_clone())).collect(),
            cover: self.cover.clone(),
        }
    }
}

impl Query for AnyOf {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|(b, q)| Ok((*b, q.weight(scoring)?)))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(AnyOfWeight { weights, cover: self.cover.clone() }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (_, q) in &self.clauses {
            q.query_terms(visitor);
        }
    }
}

struct AnyOfWeight {
    weights: Vec<(Score, Box<dyn Weight>)>,
    cover: Option<Vec<Cover>>,
}

impl Weight for AnyOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        let mut cover = Vec::new();
        for (i, (b, w)) in self.weights.iter().enumerate() {
            let s = w.scorer(reader, boost * b)?;
            if s.doc() != TERMINATED {
                scorers.push(s);
                cover.extend(self.cover.as_ref().map(|c| c[i]));
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 if self.cover.is_none() => scorers.pop().expect("one scorer"),
            _ => {
                let docs: Vec<DocId> = scorers.iter().map(|s| s.doc()).collect();
                let doc = docs.iter().copied().min().unwrap_or(TERMINATED);
                let groups = vec![0.0; cover.iter().map(|c| c.group + 1).max().unwrap_or(0)];
                Box::new(AnyOfScorer { scorers, docs, doc, cover, groups })
            }
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document #{doc} does not match")));
        }
        let mut explanation = Explanation::new("sum of the matching clauses", scorer.score());
        for (b, w) in &self.weights {
            if let Ok(e) = w.explain(reader, doc) {
                let mut boosted = Explanation::new_with_string(format!("boost {b}"), e.value() * b);
                boosted.add_detail(e);
                explanation.add_detail(boosted);
            }
        }
        Ok(explanation)
    }
}

struct AnyOfScorer {
    /// The clauses, each at its own document (`docs`, kept beside them to spare a call per clause
    /// per step).
    scorers: Vec<Box<dyn Scorer>>,
    docs: Vec<DocId>,
    doc: DocId,
    /// Each scorer's group and share (covering only; empty otherwise).
    cover: Vec<Cover>,
    /// Per group, the shares matched at the current document (reused).
    groups: Vec<Score>,
}

impl DocSet for AnyOfScorer {
    fn advance(&mut self) -> DocId {
        let mut next = TERMINATED;
        for (s, d) in self.scorers.iter_mut().zip(self.docs.iter_mut()) {
            if *d == self.doc {
                *d = s.advance();
            }
            next = next.min(*d);
        }
        self.doc = next;
        next
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let mut next = TERMINATED;
        for (s, d) in self.scorers.iter_mut().zip(self.docs.iter_mut()) {
            if *d < target {
                *d = s.seek(target);
            }
            next = next.min(*d);
        }
        self.doc = next;
        next
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers.iter().map(|s| s.size_hint()).fold(0u32, u32::saturating_add)
    }
}

impl Scorer for AnyOfScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        if self.cover.is_empty() {
            let matching = self.scorers.iter_mut().zip(&self.docs).filter(|(_, d)| **d == doc);
            return matching.map(|(s, _)| s.score()).sum();
        }
        self.groups.iter_mut().for_each(|g| *g = 0.0);
        let mut sum: Score = 0.0;
        for ((s, d), c) in self.scorers.iter_mut().zip(&self.docs).zip(&self.cover) {
            if *d == doc {
                sum += s.score();
                self.groups[c.group] += c.share;
            }
        }
        let covered: Score = self.groups.iter().map(|g| g.min(1.0)).sum();
        let sum = sum.max(0.0);
        covered + sum / (1.0 + sum)
    }
}

#[cfg(test)]
mod tests {
    use super::AnyOf;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
    use tantivy::schema::{IndexRecordOption, STRING, Schema};
    use tantivy::{Index, Term, doc};

    /// Same documents and the same scores as a `BooleanQuery` of `Should` clauses, alone and as
    /// the optional part beside a required clause.
    #[test]
    fn matches_and_scores_like_a_boolean_should() {
        let mut schema = Schema::builder();
        let a = schema.add_text_field("a", STRING);
        let b = schema.add_text_field("b", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..5000u32 {
            let x = if i % 3 == 0 { "x" } else { "y" };
            let z = if i % 7 == 0 {
                "z"
            } else if i % 11 == 0 {
                "w"
            } else {
                "v"
            };
            writer.add_document(doc!(a => x, b => z)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |f, t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(f, t), IndexRecordOption::WithFreqs))
        };
        let clauses = || vec![(2.0, term(b, "z")), (0.5, term(b, "w")), (1.0, term(a, "nothing"))];
        let ours = AnyOf::new(clauses());
        let theirs = BooleanQuery::new(
            clauses()
                .into_iter()
                .map(|(by, q)| (Occur::Should, Box::new(BoostQuery::new(q, by)) as Box<dyn Query>))
                .collect(),
        );
        let top = || (TopDocs::with_limit(6000).order_by_score(), Count);
        let (mine, n) = searcher.search(&ours, &top()).unwrap();
        let (reference, m) = searcher.search(&theirs, &top()).unwrap();
        assert_eq!(n, m);
        assert_eq!(n, (0..5000).filter(|i| i % 7 == 0 || i % 11 == 0).count());
        let sorted = |mut v: Vec<(f32, tantivy::DocAddress)>| {
            v.sort_by_key(|(_, a)| a.doc_id);
            v
        };
        for ((s1, a1), (s2, a2)) in sorted(mine).into_iter().zip(sorted(reference)) {
            assert_eq!(a1, a2);
            assert!((s1 - s2).abs() < 1e-5, "{s1} vs {s2}");
        }
        // As the optional part of x AND (z OR w OR nothing): seeks, not advances.
        let with_required = |optional: Box<dyn Query>| {
            BooleanQuery::new(vec![(Occur::Must, term(a, "x")), (Occur::Should, optional)])
        };
        let (mine, n) = searcher.search(&with_required(Box::new(ours.clone())), &top()).unwrap();
        let (reference, m) = searcher.search(&with_required(Box::new(theirs.clone())), &top()).unwrap();
        assert_eq!(n, m);
        assert_eq!(
            sorted(mine).iter().map(|(s, _)| (s * 1e4) as i64).collect::<Vec<_>>(),
            sorted(reference).iter().map(|(s, _)| (s * 1e4) as i64).collect::<Vec<_>>()
        );
        // Required: x AND (z OR w).
        let both = BooleanQuery::new(vec![(Occur::Must, term(a, "x")), (Occur::Must, Box::new(ours))]);
        assert_eq!(
            searcher.search(&both, &Count).unwrap(),
            (0..5000).filter(|i| i % 3 == 0 && (i % 7 == 0 || i % 11 == 0)).count()
        );
    }
}
