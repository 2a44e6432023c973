//! The index schema and the `city` analyzer (Korean bigrams + Latin words, see [`crate::text`]).

use crate::text::pieces;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, TextAnalyzer, Token, TokenStream, Tokenizer};

/// Bump when the schema, the analyzer or what a document contains changes: an index of
/// another version is rebuilt from the city data and the store.
pub const SCHEMA_VERSION: u32 = 2;
pub const ANALYZER: &str = "city";

#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// "kind:key", unique per document ("district:11680", "complaint:sim-…").
    pub id: Field,
    pub kind: Field,
    pub district: Field,
    /// Unix seconds; 0 for entities that have no time.
    pub time: Field,
    pub category: Field,
    /// Compact forms of every name ("gangnamgu"), for exact and near-exact name matches.
    pub exact: Field,
    /// Every name and alias, analysed.
    pub names: Field,
    pub title: Field,
    pub body: Field,
    /// A JSON object with what a caller needs to act on the hit, stored only.
    pub data: Field,
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let opts = TextOptions::default().set_indexing_options(indexing);
        if stored {
            opts.set_stored()
        } else {
            opts
        }
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED | FAST),
        district: b.add_text_field("district", STRING | STORED | FAST),
        time: b.add_i64_field("time", INDEXED | STORED | FAST),
        category: b.add_text_field("category", STRING | STORED),
        exact: b.add_text_field("exact", STRING),
        names: b.add_text_field("names", analysed(false)),
        title: b.add_text_field("title", analysed(true)),
        body: b.add_text_field("body", analysed(true)),
        data: b.add_text_field("data", STORED),
    };
    (b.build(), fields)
}

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CityTokenizer).filter(LowerCaser).filter(AsciiFoldingFilter).build()
}

/// Adapts [`crate::text::pieces`] to tantivy.
#[derive(Clone, Default)]
pub struct CityTokenizer;

pub struct PieceStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for CityTokenizer {
    type TokenStream<'a> = PieceStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> PieceStream {
        let tokens = pieces(text)
            .into_iter()
            .enumerate()
            .map(|(position, p)| Token {
                offset_from: p.from,
                offset_to: p.to,
                position,
                text: p.text,
                position_length: 1,
            })
            .collect();
        PieceStream { tokens, next: 0 }
    }
}

impl TokenStream for PieceStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// The analysed terms of `text`, as the index sees them.
pub fn terms(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn analyzer_lowercases_and_folds() {
        assert_eq!(super::terms("Gangnam-Gu Café 강남구"), ["gangnam", "gu", "cafe", "강남", "남구"]);
        assert!(super::terms("").is_empty());
    }
}
