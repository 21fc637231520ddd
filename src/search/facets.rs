//! Facet counts from fast fields: one pass over the matching documents reading a region code and
//! tag and link ordinals per document, counted in arrays. tantivy's `FacetCollector` walks facet
//! paths per document and cost 16 ms for 7k matches at 100k documents; this costs a few ns each.

use std::collections::HashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts per region code, tag and link (`chain/link`).
#[derive(Debug, Default)]
pub struct Tallies {
    pub regions: HashMap<u64, u64>,
    pub tags: HashMap<String, u64>,
    pub links: HashMap<String, u64>,
}

pub struct FacetTally;

pub struct SegmentTally {
    region: Column<u64>,
    /// Region code → count; codes are below 1,000,000. `touched` lists codes seen, so harvesting
    /// does not scan the whole array.
    region_counts: Vec<u32>,
    touched: Vec<u32>,
    tag: Option<(StrColumn, Vec<u64>)>,
    link: Option<(StrColumn, Vec<u64>)>,
}

fn strings(column: Option<(StrColumn, Vec<u64>)>) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    if let Some((col, counts)) = column {
        for (ord, &n) in counts.iter().enumerate() {
            if n > 0 {
                let mut s = String::new();
                if col.ord_to_str(ord as u64, &mut s).unwrap_or(false) {
                    out.insert(s, n);
                }
            }
        }
    }
    out
}

impl Collector for FacetTally {
    type Fruit = Tallies;
    type Child = SegmentTally;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentTally> {
        let fast = segment.fast_fields();
        let with_counts = |c: Option<StrColumn>| {
            c.map(|c| {
                let n = c.num_terms();
                (c, vec![0u64; n])
            })
        };
        Ok(SegmentTally {
            region: fast.u64("region_code")?,
            region_counts: vec![0; 1_000_000],
            touched: Vec::new(),
            tag: with_counts(fast.str("tag")?),
            link: with_counts(fast.str("link")?),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Tallies>) -> tantivy::Result<Tallies> {
        let mut all = Tallies::default();
        for t in fruits {
            for (k, v) in t.regions {
                *all.regions.entry(k).or_default() += v;
            }
            for (k, v) in t.tags {
                *all.tags.entry(k).or_default() += v;
            }
            for (k, v) in t.links {
                *all.links.entry(k).or_default() += v;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = Tallies;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(code) = self.region.first(doc) {
            let slot = &mut self.region_counts[(code as usize).min(999_999)];
            if *slot == 0 {
                self.touched.push(code as u32);
            }
            *slot += 1;
        }
        for column in [&mut self.tag, &mut self.link].into_iter().flatten() {
            let (col, counts) = column;
            for ord in col.ords().values_for_doc(doc) {
                counts[ord as usize] += 1;
            }
        }
    }

    fn harvest(self) -> Tallies {
        let regions =
            self.touched.iter().map(|&c| (c as u64, self.region_counts[c as usize] as u64)).collect();
        Tallies { regions, tags: strings(self.tag), links: strings(self.link) }
    }
}
