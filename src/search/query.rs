//! Search requests and the tantivy queries built for them by hand (tantivy's `QueryParser`
//! builds a phrase per field for multi-token input and is several times slower at 1M documents).
//!
//! Every word of the query (split at blanks and punctuation, `query_words`) must match somewhere
//! (AND); when that finds nothing, the words (and the parts of a word jieba splits) are tried
//! with OR so a near-miss still answers, a firm with more of the words first. A word matches
//! when its bigrams occur as a phrase in a name, alias, product or place, when it is a jieba word
//! of the description, when it is a stock or credit code or a tag, or when all of its jieba words
//! match somewhere (`常州电池` = 常州 + 电池); a firm with the whole word ranks above every firm
//! with its parts only.

use super::any_of::{AnyOf, Cover};
use super::bigram;
use super::schema::Fields;
use super::whole_or_parts::WholeOrParts;
use crate::model::region::Level;
use crate::model::{LinkRef, RegionCode};
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Relevance,
    /// Registered capital, largest first.
    Capital,
}

/// One search (SPEC §5).
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub q: String,
    pub region: Option<RegionCode>,
    pub tags: Vec<String>,
    pub chain: Option<String>,
    pub link: Option<LinkRef>,
    pub capital_min: Option<f64>,
    pub capital_max: Option<f64>,
    pub listed: Option<bool>,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
    /// Compute facet counts (costs a pass over every match).
    pub facets: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: String::new(),
            region: None,
            tags: vec![],
            chain: None,
            link: None,
            capital_min: None,
            capital_max: None,
            listed: None,
            sort: Sort::Relevance,
            limit: 20,
            offset: 0,
            facets: false,
        }
    }
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

/// The bigrams of `word` as one phrase (or one term) in `field`. A phrase needs only enough of
/// them to cover every character: in a run of four, the bigrams at 0 and 2 (`正极`, `材料` for
/// 正极材料) pin all four characters, since consecutive positions inside a run are consecutive
/// characters and runs are kept further apart than that (`bigram.rs`). Each term left out is a
/// posting list not walked and positions not read for every candidate.
fn phrase(field: tantivy::schema::Field, word: &str) -> Option<Box<dyn Query>> {
    let grams = covering_bigrams(word);
    match grams.len() {
        0 => None,
        1 => Some(term_query(Term::from_field_text(field, &grams[0].1))),
        _ => {
            let terms = grams.into_iter().map(|(at, g)| (at, Term::from_field_text(field, &g))).collect();
            Some(Box::new(PhraseQuery::new_with_offset(terms)))
        }
    }
}

/// The fewest of `word`'s bigram tokens that cover all its characters, with their offsets from
/// the first: in each run of consecutive positions every second token and the last. The offsets
/// keep the word's own gaps, so `a股-正极` is found where its runs stand apart as in the word (a
/// phrase of consecutive offsets never matched it).
pub(crate) fn covering_bigrams(word: &str) -> Vec<(usize, String)> {
    let tokens = bigram::tokens(word);
    let Some(first) = tokens.first().map(|(at, _)| *at) else { return vec![] };
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut run_start = first;
    for (i, (at, text)) in tokens.iter().enumerate() {
        let next_in_run = tokens.get(i + 1).is_some_and(|(next, _)| *next == at + 1);
        if i == 0 || *at != tokens[i - 1].0 + 1 {
            run_start = *at;
        }
        if (at - run_start) % 2 == 0 || !next_in_run {
            out.push((at - first, text.clone()));
        }
    }
    out
}

/// Jieba words of a folded word (search mode), without repeats.
fn jieba_words(jieba: &mut TextAnalyzer, word: &str) -> Vec<String> {
    let mut stream = jieba.token_stream(word);
    let mut out: Vec<String> = Vec::new();
    while stream.advance() {
        let t = stream.token().text.trim();
        // A token of only punctuation (`&` of `r&d`) would match nearly every document.
        if t.chars().any(char::is_alphanumeric) && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// The words of a query as typed: folded (`fold`) and split at blanks and punctuation, without
/// the characters a paste carries but nobody sees — controls (NUL), format characters
/// (zero-width space, soft hyphen, joiners, byte-order mark), variation selectors — which are
/// dropped, and emoji, which part words like a blank (as tabs and line breaks do: two pasted
/// cells are two words). Either used to make `宁德` find nothing (`宁德\u{200B}`, `宁德😀`).
/// Queries only: a document's text keeps every character, so highlights stay at the right
/// offsets. The API calls it too, to know whether a request has words (and so a bounded walk)
/// before choosing where to run it.
pub fn query_words(q: &str) -> Vec<String> {
    words_of(&query_text(q))
}

/// [`query_words`] of a query already made [`query_text`].
fn words_of(text: &str) -> Vec<String> {
    let folded: Vec<char> = text.chars().collect();
    // Punctuation and symbols part words like a blank (`宁德时代，茅台`, `锂电池、江苏`, `宁德-时代`,
    // `"电池"`, `电池。`): as part of a word, `，` matched every description and a trailing `。`
    // lost the firms that have the word only in a description. Between two ASCII letters or
    // digits the joiners of codes and model names stay (`300750.sz`, `r&d`, `pvc-u`); a comma or
    // colon there parts (`300750,002594` is two codes).
    let ascii_word = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let parted: String = (0..folded.len())
        .map(|i| {
            let c = folded[i];
            let joins = matches!(c, '.' | '&' | '-' | '+' | '_' | '/')
                && i > 0
                && ascii_word(folded.get(i - 1))
                && ascii_word(folded.get(i + 1));
            if is_punctuation(c) && !joins { ' ' } else { c }
        })
        .collect();
    parted.split_whitespace().map(str::to_string).collect()
}

/// The query folded, without what a paste carries unseen, and with its blanks: what
/// [`query_words`] splits, and (without the blanks) what an exact name is compared with — a
/// name keeps its brackets (`纽威数控装备（苏州）股份有限公司`).
pub fn query_text(q: &str) -> String {
    let cleaned: String = q
        .chars()
        .map(|c| if c.is_whitespace() || is_emoji(c) { ' ' } else { c })
        .filter(|&c| !(c.is_control() || is_format(c) || ('\u{FE00}'..='\u{FE0F}').contains(&c)))
        .collect();
    super::fold::fold(&cleaned)
}

/// Punctuation and symbols (general categories P and S, by the blocks they live in): ASCII's,
/// Latin-1's, general punctuation, currency, letterlike symbols, arrows and mathematical and
/// technical signs, CJK symbols and punctuation, enclosed CJK, vertical, small and full-width
/// forms. Letters, digits, marks and private-use characters are not (a rare 生僻字 stays whole).
fn is_punctuation(c: char) -> bool {
    if c.is_alphanumeric() || c.is_whitespace() {
        return false;
    }
    c.is_ascii_punctuation()
        || matches!(c,
            '\u{00A1}'..='\u{00BF}' | '\u{00D7}' | '\u{00F7}' | '\u{2010}'..='\u{2BFF}'
            | '\u{3000}'..='\u{303F}' | '\u{3200}'..='\u{33FF}' | '\u{FE10}'..='\u{FE6F}'
            | '\u{FF00}'..='\u{FF65}' | '\u{FFE0}'..='\u{FFEE}')
}

/// Unicode format characters (general category Cf).
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

/// Emoji and pictographs (the blocks most of them live in).
fn is_emoji(c: char) -> bool {
    matches!(c, '\u{1F000}'..='\u{1FAFF}' | '\u{2600}'..='\u{27BF}')
}

/// The parts of a word that match separately when the whole does not (`常州电池` → 常州, 电池):
/// its jieba words that no other of its jieba words contains.
/// Whether a part is worth trying (and marking) on its own: not a lone ASCII letter or digit.
fn searched_alone(part: &str) -> bool {
    let mut chars = part.chars();
    !matches!((chars.next(), chars.next()), (Some(c), None) if c.is_ascii())
}

fn longest(parts: &[String]) -> Vec<&String> {
    parts.iter().filter(|p| !parts.iter().any(|o| o != *p && o.contains(p.as_str()))).collect()
}

/// The parts of `word` a relaxed search tries on their own: its longest jieba words, but not a
/// lone ASCII letter or digit (`r` of `r&d` matched firms with no visible reason); a Chinese
/// character stays (药 of 创新药: without it the answer was 创新 firms only, and with it the
/// makers of 创新药, covering both, come first). A word jieba knows whole (`海尔集团`) is tried as
/// the words of two or more characters inside it (海尔, 集团) when they make up all of it, as a
/// repeated word (`电池电池`) is tried as the word; not when they leave some out (口服液 as 口服
/// found 港口服务).
fn relaxed_parts<'a>(word: &str, parts: &'a [String]) -> Vec<&'a String> {
    let split: Vec<&String> =
        longest(parts).into_iter().filter(|p| *p != word).filter(|p| searched_alone(p)).collect();
    let two_or_more = |p: &&String| p.chars().count() >= 2;
    if !split.is_empty() || !parts.iter().any(|p| p == word) {
        return split;
    }
    let inner: Vec<String> = parts.iter().filter(|p| p.as_str() != word).cloned().collect();
    let inner: Vec<&String> = longest(&inner)
        .into_iter()
        .filter_map(|p| parts.iter().find(|q| *q == p))
        .filter(two_or_more)
        .collect();
    let chars: Vec<char> = word.chars().collect();
    let mut covered = vec![false; chars.len()];
    for p in &inner {
        let p: Vec<char> = p.chars().collect();
        for at in 0..=chars.len().saturating_sub(p.len()) {
            if chars[at..].starts_with(&p) {
                covered[at..at + p.len()].iter_mut().for_each(|c| *c = true);
            }
        }
    }
    if covered.iter().all(|c| *c) { inner } else { vec![] }
}

/// A query's words, folded, with their jieba words: one jieba pass per request, shared by the
/// query builder and the highlighter.
#[derive(Debug, Default)]
pub struct Words {
    /// The folded query split at blanks.
    pub words: Vec<String>,
    /// The folded query without blanks, punctuation kept: an exact name to compare.
    exact: String,
    /// Jieba words of every word, and of every longest part of a word that splits.
    parts: Vec<(String, Vec<String>)>,
}

impl Words {
    pub fn analyse(q: &str, jieba: &mut TextAnalyzer) -> Words {
        // Cleaned and folded once, for the words and for the exact name.
        let text = query_text(q);
        let words = words_of(&text);
        let exact = text.split_whitespace().collect();
        let mut analysed = Words { words: vec![], exact, parts: vec![] };
        for w in &words {
            analysed.add(w, jieba);
            let parts = analysed.parts(w).to_vec();
            for p in relaxed_parts(w, &parts) {
                analysed.add(p, jieba);
            }
        }
        analysed.words = words;
        analysed
    }

    fn add(&mut self, word: &str, jieba: &mut TextAnalyzer) {
        if !self.parts.iter().any(|(w, _)| w == word) {
            self.parts.push((word.to_string(), jieba_words(jieba, word)));
        }
    }

    /// The jieba words of a word or of a longest part (empty for anything else).
    pub fn parts(&self, word: &str) -> &[String] {
        self.parts.iter().find(|(w, _)| w == word).map(|(_, p)| p.as_slice()).unwrap_or(&[])
    }

    /// A word's parts that a relaxed search tries on their own (see [`relaxed_parts`]).
    fn relaxed_parts(&self, word: &str) -> Vec<&String> {
        relaxed_parts(word, self.parts(word))
    }

    /// Whether there is more than one way to try the words with OR: several words, or a word
    /// with parts of its own.
    pub fn can_relax(&self) -> bool {
        self.words.len() > 1 || self.words.iter().any(|w| !self.relaxed_parts(w).is_empty())
    }

    /// What the highlighter marks, word by word: each word with the parts the search looks for
    /// (`relaxed_parts`), which are marked only in a hit that does not have the word whole
    /// (`SearchIndex::hit`). Shorter jieba words are never searched on their own (`锂电池xyz`
    /// marked 电池 and 锂电 in firms found by 锂电池).
    pub fn highlight_words(&self) -> Vec<(String, Vec<String>)> {
        let parts = |w: &String| self.relaxed_parts(w).into_iter().cloned().collect();
        self.words.iter().map(|w| (w.clone(), parts(w))).collect()
    }
}

/// Where one word (or jieba word) matches as a whole, each place weighted: its bigrams as a
/// phrase in a name, product or place, a code or a tag, a jieba word of the description.
fn whole(f: &Fields, word: &str, words: &Words) -> Box<dyn Query> {
    let mut core: Vec<(f32, Box<dyn Query>)> = Vec::new();
    if let Some(q) = phrase(f.names_bigram, word) {
        core.push((4.0, q));
    }
    if let Some(q) = phrase(f.products_bigram, word) {
        core.push((1.5, q));
    }
    if let Some(q) = phrase(f.places_bigram, word) {
        core.push((1.0, q));
    }
    // Every clause costs a term lookup per segment, matching or not: codes are ASCII, and a
    // part's own jieba words are already among the word's. Tags stay for parts too: `常州上市公司`
    // is 常州 + 上市公司, and the second part is a tag, not a phrase anywhere.
    if word.is_ascii() {
        core.push((4.0, term_query(Term::from_field_text(f.codes, word))));
        core.push((4.0, term_query(Term::from_field_text(f.code_exact, word))));
    }
    core.push((2.0, term_query(Term::from_field_text(f.tag, word))));
    let parts = words.parts(word);
    if parts.len() == 1 && parts[0].chars().count() == 1 {
        // One character: bigrams cannot find it inside a longer run, jieba words can.
        core.push((1.0, term_query(Term::from_field_text(f.names_jieba, &parts[0]))));
        core.push((0.3, term_query(Term::from_field_text(f.text_jieba, &parts[0]))));
    }
    // The description is found by its jieba words (SPEC §5): a word, or each part of a word
    // that splits, matches where it is a jieba word of the description. Not a phrase:
    // descriptions are not indexed as bigrams.
    if word.chars().count() >= 2 {
        core.push((0.3, term_query(Term::from_field_text(f.description_jieba, word))));
    }
    Box::new(AnyOf::new(core))
}

/// Where a word of the query matches: as a whole (see `whole`), or — for a word jieba splits,
/// `常州电池` — where every one of its longest jieba words matches as a whole somewhere. Single
/// jieba words alone would let `材料` match every `…材料` firm for `正极材料`. A firm matched by
/// the parts only is scored by them and by their jieba words in names and text; a firm that has
/// the whole word is scored by it alone, and its parts are never looked up (`WholeOrParts`).
fn word_query(f: &Fields, word: &str, words: &Words) -> Box<dyn Query> {
    let matched_whole = whole(f, word, words);
    let longest = longest(words.parts(word));
    if longest.len() == 1 && longest[0] == word || longest.is_empty() {
        // One jieba word: as a jieba word of a name or a product it would repeat the phrase
        // there, and in the description it is a clause of its own already.
        return matched_whole;
    }
    // The parts' longest jieba words score: a document indexed with `正极材料` also has `正极`
    // and `材料` (search mode), so the shorter ones would only add terms to look up.
    let mut scoring: Vec<(f32, Box<dyn Query>)> = Vec::new();
    for p in &longest {
        scoring.push((0.5, term_query(Term::from_field_text(f.names_jieba, p))));
        scoring.push((0.3, term_query(Term::from_field_text(f.text_jieba, p))));
    }
    let scoring: Box<dyn Query> = Box::new(AnyOf::new(scoring));
    if longest.len() < 2 {
        // One shorter jieba word (`电池厂` → 电池): it scores, it does not match alone.
        return Box::new(BooleanQuery::new(vec![(Occur::Must, matched_whole), (Occur::Should, scoring)]));
    }
    let parts = longest.iter().map(|p| whole(f, p, words)).collect();
    Box::new(WholeOrParts::new(matched_whole, parts, 0.8, scoring))
}

/// A filter: required, and adding nothing to the score. Scored as a term, a link or tag filter
/// added more to a firm with fewer link or tag values (BM25's length norm), so filtering could
/// reorder the words' ranking (found in review).
fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
}

/// The filters of a request, each a `Must` clause.
pub fn filters(f: &Fields, req: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(r) = req.region {
        // Codes inside a region share its leading digits: 32xxxx for 江苏, 3204xx for 常州.
        let code = r.as_u32() as u64;
        let (low, high) = match r.level() {
            Level::Province => (code, code + 9_999),
            Level::City => (code, code + 99),
            Level::County => (code, code),
        };
        let range = RangeQuery::new(
            Bound::Included(Term::from_field_u64(f.region_code, low)),
            Bound::Included(Term::from_field_u64(f.region_code, high)),
        );
        must.push(filter(Box::new(range)));
    }
    for t in &req.tags {
        must.push(filter(term_query(Term::from_field_text(f.tag, t))));
    }
    if let Some(c) = &req.chain {
        must.push(filter(term_query(Term::from_field_text(f.chain, c))));
    }
    if let Some(l) = &req.link {
        must.push(filter(term_query(Term::from_field_text(f.link, &l.to_string()))));
    }
    if req.capital_min.is_some() || req.capital_max.is_some() {
        let bound = |v: Option<f64>| match v {
            Some(v) => Bound::Included(Term::from_field_f64(f.capital, v)),
            None => Bound::Unbounded,
        };
        must.push(filter(Box::new(RangeQuery::new(bound(req.capital_min), bound(req.capital_max)))));
    }
    if let Some(listed) = req.listed {
        must.push(filter(term_query(Term::from_field_u64(f.listed, listed as u64))));
    }
    must
}

/// The whole query: words (all, or any when `relaxed`), the exact-name bonus, and the filters.
pub fn build(f: &Fields, req: &SearchRequest, analysed: &Words, relaxed: bool) -> Box<dyn Query> {
    let mut clauses = filters(f, req);
    let words = &analysed.words;
    if words.is_empty() {
        if clauses.is_empty() {
            return Box::new(AllQuery);
        }
        clauses.push((Occur::Must, Box::new(AllQuery)));
        return Box::new(BooleanQuery::new(clauses));
    }
    let exact = (20.0, term_query(Term::from_field_text(f.name_exact, &analysed.exact)));
    if relaxed {
        let any = alternatives(f, analysed).into_iter().map(|(c, q)| (1.0, c, q)).collect();
        clauses.push((Occur::Must, Box::new(AnyOf::covering(any))));
    } else {
        // Every word, beside the filters.
        clauses.extend(words.iter().map(|w| (Occur::Must, word_query(f, w, analysed))));
    }
    clauses.push((Occur::Should, Box::new(AnyOf::new(vec![exact]))));
    Box::new(BooleanQuery::new(clauses))
}

/// What a relaxed query accepts any one of: each word, and each part of a word that a relaxed
/// search tries (`relaxed_parts`) — `常州电池` where no 常州 firm makes 电池 is answered as
/// `常州 电池` would be. Each with its share of its word (the word 1, each of `n` parts
/// `1/(n+1)`; see `AnyOf::covering`); a word given twice counts once.
pub fn alternatives(f: &Fields, analysed: &Words) -> Vec<(Cover, Box<dyn Query>)> {
    let mut any: Vec<(Cover, Box<dyn Query>)> = Vec::new();
    let mut seen: Vec<&String> = Vec::new();
    for w in &analysed.words {
        if seen.contains(&w) {
            continue;
        }
        let group = seen.len();
        seen.push(w);
        any.push((Cover { group, share: 1.0 }, word_query(f, w, analysed)));
        // All the parts together cover less than the word: a firm with the word outranks one
        // with its pieces here too.
        let parts = analysed.relaxed_parts(w);
        let share = 1.0 / (parts.len() + 1) as f32;
        for p in parts {
            any.push((Cover { group, share }, whole(f, p, analysed)));
        }
    }
    any
}

/// The matches of `query` that also match `alternative`, scored by `query` alone.
pub fn within(alternative: Box<dyn Query>, query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![filter(alternative), (Occur::Must, query)]))
}

#[cfg(test)]
mod tests {
    use super::covering_bigrams;

    fn cover(word: &str) -> Vec<(usize, &'static str)> {
        covering_bigrams(word).into_iter().map(|(at, g)| (at, &*g.leak())).collect()
    }

    #[test]
    fn what_a_paste_carries_unseen_does_not_change_the_words() {
        for q in
            ["宁德\u{200B}", "\u{FEFF}宁德", "宁\u{00AD}德", "宁德\u{0000}", "宁德\u{200D}", "宁德\u{FE0F}"]
        {
            assert_eq!(super::query_words(q), vec!["宁德"], "{q:?}");
        }
        assert_eq!(super::query_words("宁德😀电池"), vec!["宁德", "电池"]);
        assert_eq!(super::query_words("300750\n002594\tbyd\r\n"), vec!["300750", "002594", "byd"]);
        assert_eq!(super::query_words("寧德 ＣＡＴＬ"), vec!["宁德", "catl"]);
        assert!(super::query_words("\u{200B} \u{0007}").is_empty());
    }

    #[test]
    fn punctuation_parts_words_except_inside_codes() {
        let words = |q: &str| super::query_words(q);
        assert_eq!(words("宁德时代，茅台"), ["宁德时代", "茅台"]);
        assert_eq!(words("锂电池、江苏"), ["锂电池", "江苏"]);
        assert_eq!(words("宁德-时代"), ["宁德", "时代"]);
        assert_eq!(words("宁德（时代）"), ["宁德", "时代"]);
        assert_eq!(words("“电池”。"), ["电池"]);
        assert_eq!(words("\"电池\" 证券*"), ["电池", "证券"]);
        assert_eq!(words("300750.SZ R&D 2% PVC-U"), ["300750.sz", "r&d", "2", "pvc-u"]);
        assert_eq!(words("300750,002594；1,4-丁二醇"), ["300750", "002594", "1", "4", "丁二醇"]);
        assert_eq!(
            words("纽威（苏州）\u{E000}字"),
            ["纽威", "苏州", "\u{E000}字"],
            "a private-use 生僻字 stays"
        );
        assert_eq!(
            super::query_text("纽威（苏州） 公司"),
            "纽威(苏州) 公司",
            "the exact name keeps its brackets"
        );
        assert_eq!(words("ai+制造 C++"), ["ai", "制造", "c"]);
        assert!(words("，。、-").is_empty());
    }

    #[test]
    fn a_phrase_keeps_only_the_bigrams_that_cover_every_character() {
        assert_eq!(cover("正极材料"), vec![(0, "正极"), (2, "材料")]);
        assert_eq!(cover("锂电池"), vec![(0, "锂电"), (1, "电池")]);
        assert_eq!(cover("宁德时代新"), vec![(0, "宁德"), (2, "时代"), (3, "代新")]);
        assert_eq!(cover("储能"), vec![(0, "储能")]);
        // Runs keep their distance: the phrase is as far apart as the text's tokens are.
        assert_eq!(cover("a股-正极材料"), vec![(0, "a股"), (3, "正极"), (5, "材料")]);
        assert!(cover("--").is_empty());
    }
}
