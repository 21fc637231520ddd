//! The bigram tokenizer: every two consecutive characters of a text, at consecutive positions.
//!
//! Names are indexed this way as well as with jieba, so any part of two or more characters of a
//! name is found by a phrase of the query's bigrams (`德时` in 宁德时代…, which jieba misses).
//! Blanks and punctuation break the run; a lone character between breaks becomes one token so
//! `A股` style mixes are not lost.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

#[derive(Clone, Default)]
pub struct BigramTokenizer;

pub struct BigramStream {
    tokens: Vec<Token>,
    index: usize,
}

fn is_break(c: char) -> bool {
    c.is_whitespace()
        || (c.is_ascii_punctuation() && c != '.')
        || matches!(c, '，' | '。' | '、' | '；' | '：' | '（' | '）' | '“' | '”' | '《' | '》' | '·')
}

/// The bigrams of `text` as strings, in order.
#[cfg(test)]
pub fn bigrams(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|(_, t)| t).collect()
}

/// The tokens of `text` with their positions (phrase queries are built from these).
pub fn tokens(text: &str) -> Vec<(usize, String)> {
    let mut stream = BigramTokenizer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push((stream.token().position, stream.token().text.clone()));
    }
    out
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = BigramStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramStream {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut tokens = Vec::new();
        // Each value starts two positions in: tantivy puts a value's tokens one position after
        // the previous value's end plus a gap of one, so with this the values of a field are as
        // far apart as runs (a sparse phrase must not join 动力电池 and 储能系统 into 电池储能).
        let mut position = 2;
        let mut i = 0;
        while i < chars.len() {
            if is_break(chars[i].1) {
                i += 1;
                continue;
            }
            // A run of non-break characters.
            let start = i;
            while i < chars.len() && !is_break(chars[i].1) {
                i += 1;
            }
            let run = &chars[start..i];
            let end_of = |k: usize| if k < chars.len() { chars[k].0 } else { text.len() };
            if run.len() == 1 {
                tokens.push(Token {
                    offset_from: run[0].0,
                    offset_to: end_of(start + 1),
                    position,
                    text: run[0].1.to_string(),
                    position_length: 1,
                });
                position += 1;
            }
            for k in 0..run.len().saturating_sub(1) {
                tokens.push(Token {
                    offset_from: run[k].0,
                    offset_to: end_of(start + k + 2),
                    position,
                    text: format!("{}{}", run[k].1, run[k + 1].1),
                    position_length: 1,
                });
                position += 1;
            }
            // Runs do not join: leave a gap of two positions, so that no phrase spans a break,
            // not even one that skips every second bigram (`query::covering_bigrams`): `正极`
            // at p and `材料` at p + 2 must not match `正极 材料`.
            position += 2;
        }
        BigramStream { tokens, index: usize::MAX }
    }
}

impl TokenStream for BigramStream {
    fn advance(&mut self) -> bool {
        self.index = self.index.wrapping_add(1);
        self.index < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index]
    }
}

#[cfg(test)]
mod tests {
    use super::bigrams;

    #[test]
    fn bigrams_cover_every_pair_and_stop_at_breaks() {
        assert_eq!(bigrams("宁德时代"), vec!["宁德", "德时", "时代"]);
        assert_eq!(bigrams("电池 材料"), vec!["电池", "材料"]);
        assert_eq!(bigrams("a股"), vec!["a股"]);
        assert_eq!(bigrams("x"), vec!["x"]);
        assert!(bigrams("  ").is_empty());
    }

    #[test]
    fn runs_are_two_positions_apart() {
        let at: Vec<usize> = super::tokens("正极 材料").iter().map(|(p, _)| *p).collect();
        assert_eq!(at, vec![2, 5]);
    }
}
