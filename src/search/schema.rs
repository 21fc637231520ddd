//! The index schema and how an enterprise becomes a document.
//!
//! Text is folded (see `fold`) before indexing; the original text is kept in stored fields for
//! display and highlighting. Names are indexed twice: bigrams (any 2+ character part matches) and
//! jieba words (ranking, multi-word queries).

use super::fold::fold;
use crate::model::{Enterprise, LinkRef, regions};
use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// Versioned: an index made with another bigram layout or folding has another schema, so it is
/// rebuilt (v4: radicals and compatibility ideographs fold to their ideographs).
pub const BIGRAM: &str = "zh_bigram_v4";
pub const JIEBA: &str = "zh_jieba";
pub const SIMPLE: &str = "default";

/// Handles to every field.
#[derive(Clone)]
pub struct Fields {
    pub id: Field,
    pub name_exact: Field,
    pub names_bigram: Field,
    pub names_jieba: Field,
    pub products_bigram: Field,
    /// Jieba words of the products and the description (scoring, one-character words).
    pub text_jieba: Field,
    /// Jieba words of the description alone: where a word is found in it (a clause of its own,
    /// so a product word does not walk every product mention twice).
    pub description_jieba: Field,
    pub places_bigram: Field,
    pub codes: Field,
    /// Whole stock and credit codes, lower case (`300750.sz`).
    pub code_exact: Field,
    pub tag: Field,
    pub region_code: Field,
    /// The region's dense ordinal (`RegionTable::ordinal`), for facet counting in a small array.
    pub region_ord: Field,
    pub link: Field,
    pub chain: Field,
    pub capital: Field,
    pub listed: Field,
    /// Stored only: the display record as JSON.
    pub display: Field,
}

fn text(tokenizer: &str, positions: bool) -> TextOptions {
    let option =
        if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
    TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(option))
}

pub fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        name_exact: b.add_text_field("name_exact", STRING),
        names_bigram: b.add_text_field("names_bigram", text(BIGRAM, true)),
        names_jieba: b.add_text_field("names_jieba", text(JIEBA, false)),
        products_bigram: b.add_text_field("products_bigram", text(BIGRAM, true)),
        text_jieba: b.add_text_field("text_jieba", text(JIEBA, false)),
        description_jieba: b.add_text_field("description_jieba", text(JIEBA, false)),
        places_bigram: b.add_text_field("places_bigram", text(BIGRAM, true)),
        codes: b.add_text_field("codes", text(SIMPLE, false)),
        code_exact: b.add_text_field("code_exact", STRING),
        tag: b.add_text_field("tag", STRING | FAST),
        region_code: b.add_u64_field("region_code", INDEXED | FAST),
        region_ord: b.add_u64_field("region_ord", FAST),
        link: b.add_text_field("link", STRING | FAST),
        chain: b.add_text_field("chain", STRING),
        capital: b.add_f64_field("capital", INDEXED | FAST),
        listed: b.add_u64_field("listed", INDEXED | FAST),
        display: b.add_text_field("display", STORED),
    };
    (b.build(), fields)
}

/// What a hit shows, stored with the document so a search needs no store read.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Display {
    pub id: String,
    pub name: String,
    pub region: String,
    pub tags: Vec<String>,
    pub registered_capital: Option<f64>,
    pub aliases: Vec<String>,
    pub products: Vec<String>,
    pub description: Option<String>,
    pub stock_code: Option<String>,
}

/// The document for one enterprise; `links` are its memberships with their ancestor links.
pub fn document(f: &Fields, e: &Enterprise, links: &[LinkRef]) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, e.id.to_string());
    doc.add_text(f.name_exact, fold(&e.name));
    for name in std::iter::once(&e.name).chain(&e.aliases) {
        let folded = fold(name);
        doc.add_text(f.names_bigram, &folded);
        doc.add_text(f.names_jieba, &folded);
    }
    for p in &e.products {
        let folded = fold(&p.name);
        doc.add_text(f.products_bigram, &folded);
        doc.add_text(f.text_jieba, &folded);
    }
    if let Some(d) = &e.description {
        let folded = fold(d);
        doc.add_text(f.text_jieba, &folded);
        doc.add_text(f.description_jieba, &folded);
    }
    let table = regions();
    let mut codes = vec![Some(e.region.province()), e.region.city(), Some(e.region)];
    codes.dedup();
    for code in codes.into_iter().flatten() {
        if let Some(r) = table.get(code) {
            doc.add_text(f.places_bigram, fold(&r.name));
        }
    }
    if let Some(address) = &e.address {
        doc.add_text(f.places_bigram, fold(address));
    }
    if let Some(s) = &e.stock_code {
        doc.add_text(f.codes, s);
        doc.add_text(f.code_exact, s.to_ascii_lowercase());
    }
    if let Some(c) = &e.credit_code {
        doc.add_text(f.codes, c.as_str());
        doc.add_text(f.code_exact, c.as_str().to_ascii_lowercase());
    }
    for t in &e.tags {
        doc.add_text(f.tag, t);
    }
    doc.add_u64(f.region_code, e.region.as_u32() as u64);
    if let Some(ord) = table.ordinal(e.region) {
        doc.add_u64(f.region_ord, ord as u64);
    }
    let mut chains: Vec<&str> = Vec::new();
    for l in links {
        doc.add_text(f.link, l.to_string());
        if !chains.contains(&l.chain.as_str()) {
            chains.push(&l.chain);
            doc.add_text(f.chain, &l.chain);
        }
    }
    if let Some(c) = e.capital_cny() {
        doc.add_f64(f.capital, c);
    }
    doc.add_u64(f.listed, e.is_listed() as u64);
    let display = Display {
        id: e.id.to_string(),
        name: e.name.clone(),
        region: e.region.to_string(),
        tags: e.tags.clone(),
        registered_capital: e.registered_capital,
        aliases: e.aliases.clone(),
        products: e.products.iter().map(|p| p.name.clone()).collect(),
        description: e.description.clone(),
        stock_code: e.stock_code.clone(),
    };
    doc.add_text(f.display, serde_json::to_string(&display).unwrap_or_default());
    doc
}
