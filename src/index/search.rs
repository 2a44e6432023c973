//! Queries: full-text search with filters, and entity resolution ("강남" → district 11680).
//!
//! Ranking puts an exact name first (the compact form of the query equals a compact name), then
//! near-exact names (one edit), then analysed name matches (Korean bigrams, fuzzy Latin words),
//! then titles and bodies. Scores are BM25 with those boosts, so they compare within one query.

use super::documents::ENTITY_KINDS;
use super::schema::terms;
use super::{CityIndex, IndexError};
use crate::text::{compact, without_particle};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub text: String,
    /// Only these kinds; empty means every kind.
    pub kinds: Vec<String>,
    pub district: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Hit {
    pub id: String,
    pub kind: String,
    pub key: String,
    pub title: String,
    pub district: Option<String>,
    pub time: Option<i64>,
    pub score: f32,
    /// The query's compact form equals one of this document's names.
    pub exact: bool,
    pub snippet: String,
    pub data: serde_json::Value,
}

/// The best entity for a phrase, with a confidence in [0, 1].
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Resolved {
    pub hit: Hit,
    pub confidence: f32,
}

const MAX_QUERY_CHARS: usize = 500;
const MAX_LIMIT: usize = 1000;

fn boosted(q: Box<dyn Query>, boost: f32) -> (Occur, Box<dyn Query>) {
    (Occur::Should, Box::new(BoostQuery::new(q, boost)))
}

impl CityIndex {
    /// The text part of a query. `names` adds the clauses that rank entity names (exact,
    /// particle-stripped, fuzzy); a search over records alone does without them.
    fn text_query(&self, text: &str, names: bool) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let key = compact(text);
        if key.is_empty() {
            return None;
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !names {
            let mut seen = std::collections::HashSet::new();
            for t in terms(text).into_iter().filter(|t| seen.insert(t.clone())) {
                for (field, boost) in [(f.title, 2.0), (f.body, 1.0)] {
                    let term = Term::from_field_text(field, &t);
                    should.push(boosted(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)), boost));
                }
            }
            return Some(Box::new(BooleanQuery::new(should)));
        }
        let exact_term = Term::from_field_text(f.exact, &key);
        should.push(boosted(Box::new(TermQuery::new(exact_term.clone(), IndexRecordOption::Basic)), 40.0));
        for stem in without_particle(&key) {
            let term = Term::from_field_text(f.exact, &stem);
            should.push(boosted(Box::new(TermQuery::new(term, IndexRecordOption::Basic)), 30.0));
        }
        if key.chars().count() >= 6 {
            should.push(boosted(Box::new(FuzzyTermQuery::new(exact_term, 1, true)), 12.0));
        }
        let mut seen = std::collections::HashSet::new();
        for t in terms(text).into_iter().filter(|t| seen.insert(t.clone())) {
            for (field, boost) in [(f.names, 4.0), (f.title, 2.0), (f.body, 1.0)] {
                let term = Term::from_field_text(field, &t);
                should.push(boosted(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)), boost));
            }
            let latin = t.chars().all(|c| c.is_ascii_alphanumeric());
            if latin && t.len() >= 5 {
                let term = Term::from_field_text(f.names, &t);
                should.push(boosted(Box::new(FuzzyTermQuery::new(term, 1, true)), 1.5));
            }
        }
        Some(Box::new(BooleanQuery::new(should)))
    }

    fn filters(&self, req: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !req.kinds.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = req
                .kinds
                .iter()
                .map(|k| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(Term::from_field_text(f.kind, k), IndexRecordOption::Basic)),
                    )
                })
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(d) = &req.district {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_text(f.district, d), IndexRecordOption::Basic)),
            ));
        }
        must
    }

    /// Full-text search; an empty text lists the newest documents matching the filters.
    pub fn search(&self, req: &SearchRequest) -> Result<Vec<Hit>, IndexError> {
        if req.text.chars().count() > MAX_QUERY_CHARS {
            return Err(IndexError::Query(format!("query is longer than {MAX_QUERY_CHARS} characters")));
        }
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let searcher = self.reader.searcher();
        let filters = self.filters(req);
        let key = compact(&req.text);
        let err = |e: tantivy::TantivyError| IndexError::Query(e.to_string());
        // Trends carry names (their topics); complaints and incidents only titles and bodies.
        let names =
            req.kinds.is_empty() || req.kinds.iter().any(|k| ENTITY_KINDS.contains(&k.as_str()) || k == "trend");
        let addresses: Vec<(f32, DocAddress)> = match self.text_query(&req.text, names) {
            Some(text) => {
                let mut clauses = filters;
                clauses.push((Occur::Must, text));
                searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit)).map_err(err)?
            }
            None => {
                let query: Box<dyn Query> =
                    if filters.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(filters)) };
                let newest = TopDocs::with_limit(limit).order_by_fast_field::<i64>("time", Order::Desc);
                searcher.search(&query, &newest).map_err(err)?.into_iter().map(|(_, a)| (0.0, a)).collect()
            }
        };
        let exact_docs: HashSet<DocAddress> = if key.is_empty() {
            HashSet::new()
        } else {
            let q = TermQuery::new(Term::from_field_text(self.fields.exact, &key), IndexRecordOption::Basic);
            searcher.search(&q, &DocSetCollector).map_err(err)?
        };
        addresses
            .into_iter()
            .map(|(score, addr)| self.hit(&searcher, score, addr, exact_docs.contains(&addr)))
            .collect()
    }

    fn hit(&self, searcher: &Searcher, score: f32, addr: DocAddress, exact: bool) -> Result<Hit, IndexError> {
        let f = self.fields;
        let doc: TantivyDocument = searcher.doc(addr).map_err(|e| IndexError::Query(e.to_string()))?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let id = text(f.id);
        let kind = text(f.kind);
        let district = text(f.district);
        let time = doc.get_first(f.time).and_then(|v| v.as_i64()).filter(|t| *t != 0);
        let data: serde_json::Value = serde_json::from_str(&text(f.data)).unwrap_or_default();
        let body = text(f.body);
        Ok(Hit {
            key: id.split_once(':').map(|(_, k)| k.to_string()).unwrap_or_default(),
            id,
            kind,
            title: text(f.title),
            district: (!district.is_empty()).then_some(district),
            time,
            score,
            exact,
            snippet: body.chars().take(200).collect(),
            data,
        })
    }

    /// The document `kind:key`, if the index has it.
    pub fn get(&self, kind: &str, key: &str) -> Result<Option<Hit>, IndexError> {
        let searcher = self.reader.searcher();
        let term = Term::from_field_text(self.fields.id, &format!("{kind}:{key}"));
        let found = searcher
            .search(&TermQuery::new(term, IndexRecordOption::Basic), &TopDocs::with_limit(1))
            .map_err(|e| IndexError::Query(e.to_string()))?;
        found.into_iter().next().map(|(score, addr)| self.hit(&searcher, score, addr, true)).transpose()
    }

    /// The best entity of the given kinds for a phrase ("강남", "transport director"), if any.
    pub fn resolve(&self, text: &str, kinds: &[&str]) -> Result<Option<Resolved>, IndexError> {
        if compact(text).is_empty() {
            return Ok(None);
        }
        let req = SearchRequest {
            text: text.to_string(),
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
            district: None,
            limit: 2,
        };
        let mut hits = self.search(&req)?.into_iter();
        let Some(best) = hits.next() else { return Ok(None) };
        let runner_up = hits.next().map_or(0.0, |h| h.score);
        // Exact names are certain; otherwise confidence grows with the margin over the runner-up.
        let confidence = if best.exact {
            1.0
        } else {
            ((best.score - runner_up) / best.score.max(1e-6)).clamp(0.0, 0.9) * 0.5 + 0.4
        };
        Ok(Some(Resolved { hit: best, confidence }))
    }
}

pub(super) fn count_by_kind(index: &CityIndex) -> Result<Vec<(String, u64)>, IndexError> {
    let searcher = index.reader.searcher();
    let mut counts: HashMap<String, u64> = HashMap::new();
    let kinds = super::documents::ENTITY_KINDS.iter().chain(super::documents::RECORD_KINDS).copied();
    for kind in kinds {
        let q = TermQuery::new(Term::from_field_text(index.fields.kind, kind), IndexRecordOption::Basic);
        let n = searcher.search(&q, &Count).map_err(|e| IndexError::Query(e.to_string()))?;
        if n > 0 {
            counts.insert(kind.to_string(), n as u64);
        }
    }
    let mut out: Vec<_> = counts.into_iter().collect();
    out.sort();
    Ok(out)
}
