//! Keyword inference: which link keywords a product name contains, found in one pass with
//! Aho–Corasick over every keyword of every chain (a plain loop would be products × keywords).

use aho_corasick::AhoCorasick;
use petgraph::graph::NodeIndex;

#[derive(Default)]
pub(super) struct KeywordMatcher {
    automaton: Option<AhoCorasick>,
    keywords: Vec<String>,
    /// keyword index → link nodes that list it.
    targets: Vec<Vec<NodeIndex>>,
}

impl KeywordMatcher {
    pub(super) fn new(pairs: impl Iterator<Item = (String, NodeIndex)>) -> Self {
        let mut keywords: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<NodeIndex>> = Vec::new();
        let mut position = std::collections::HashMap::new();
        for (keyword, idx) in pairs {
            let i = *position.entry(keyword.clone()).or_insert_with(|| {
                keywords.push(keyword.clone());
                targets.push(Vec::new());
                keywords.len() - 1
            });
            if !targets[i].contains(&idx) {
                targets[i].push(idx);
            }
        }
        let automaton =
            (!keywords.is_empty()).then(|| AhoCorasick::new(&keywords).expect("keywords build an automaton"));
        KeywordMatcher { automaton, keywords, targets }
    }

    /// Every (keyword index, link) whose keyword occurs in `product`, in order of where they end.
    pub(super) fn matches(&self, product: &str) -> Vec<(u32, NodeIndex)> {
        let Some(ac) = &self.automaton else { return vec![] };
        let mut out: Vec<(u32, NodeIndex)> = Vec::new();
        for m in ac.find_overlapping_iter(product) {
            let i = m.pattern().as_usize();
            for &idx in &self.targets[i] {
                out.push((i as u32, idx));
            }
        }
        out
    }

    /// The index of a keyword the matcher was built with.
    pub(super) fn index_of(&self, keyword: &str) -> Option<u32> {
        self.keywords.iter().position(|k| k == keyword).map(|i| i as u32)
    }

    pub(super) fn keyword(&self, i: u32) -> &str {
        self.keywords.get(i as usize).map(String::as_str).unwrap_or("")
    }
}
