//! The tantivy index over the city: entity resolution and full-text search.
//!
//! One index holds both the city's entities (from [`City`]) and the searchable records (from
//! the store). Each commit carries a payload `{rev, city, schema}`: the store revision it has
//! caught up to, the fingerprint of the city data and the schema version. On open, a damaged or
//! out-of-date index is rebuilt, and records changed after `rev` are re-indexed from the store.
//!
//! **Invariant:** the index holds nothing the store and the city data cannot recreate.

pub mod documents;
pub mod schema;
mod search;

use crate::city::City;
use crate::sources::Record;
use crate::store::{Store, StoreError};
use documents::{Doc, ENTITY_KINDS};
use schema::{Fields, ANALYZER, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use search::{Hit, Resolved, SearchRequest};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("index {path}: {source}")]
    Tantivy { path: PathBuf, source: tantivy::TantivyError },
    #[error("index {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("index: {0}")]
    Store(#[from] StoreError),
    #[error("index {0} is being written by another scpm process (a running `scpm serve`?)")]
    Locked(PathBuf),
    #[error("search: {0}")]
    Query(String),
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct Payload {
    rev: u64,
    city: String,
    schema: u32,
}

/// How [`CityIndex::open`] found the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    Existing,
    Created,
    /// It was unreadable or of another schema, and was rebuilt from the store; the reason.
    Rebuilt(String),
}

/// Searching side of the index; cheap to share (`Arc`) between request handlers.
pub struct CityIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    dir: PathBuf,
}

/// Writing side: owned by one thread (the ingest loop, or a CLI command).
pub struct CityIndexWriter {
    writer: IndexWriter<TantivyDocument>,
    fields: Fields,
    payload: Payload,
    dirty: bool,
}

/// An exclusive lock on `<dir>.lock` beside the index, released when dropped.
fn open_lock(dir: &Path) -> std::io::Result<std::fs::File> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.with_extension("lock"))?;
    file.lock()?;
    Ok(file)
}

impl CityIndex {
    fn tantivy_err(&self) -> impl Fn(tantivy::TantivyError) -> IndexError + '_ {
        |source| IndexError::Tantivy { path: self.dir.clone(), source }
    }

    /// Opens the index in `dir`, creating or rebuilding it as needed, and brings it up to date
    /// with `city` and `store`. Returns the index, a writer, and how it was found.
    pub fn open(
        dir: &Path,
        city: &City,
        store: &Store,
        writer_memory_mb: usize,
    ) -> Result<(CityIndex, CityIndexWriter, Opened), IndexError> {
        let io = |source| IndexError::Io { path: dir.to_path_buf(), source };
        // Two processes opening a missing or damaged index at once would both rebuild it, each
        // deleting the other's files: opening is one process at a time, until the writer (and
        // with it tantivy's own lock) is held.
        let opening = open_lock(dir).map_err(io)?;
        let (index, opened) = match try_open(dir) {
            Ok(Some(index)) => (index, Opened::Existing),
            Ok(None) => (create(dir)?, Opened::Created),
            Err(reason) => {
                tracing::warn!(dir = %dir.display(), %reason, "index unusable, rebuilding from the store");
                std::fs::remove_dir_all(dir).map_err(io)?;
                (create(dir)?, Opened::Rebuilt(reason))
            }
        };
        let (_, fields) = schema::build();
        let tantivy_err = |source| IndexError::Tantivy { path: dir.to_path_buf(), source };
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(tantivy_err)?;
        let writer = index.writer_with_num_threads(1, writer_memory_mb.max(15) * 1024 * 1024).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => IndexError::Locked(dir.to_path_buf()),
            other => tantivy_err(other),
        })?;
        drop(opening);
        let payload: Payload = index
            .load_metas()
            .map_err(tantivy_err)?
            .payload
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default();
        let me = CityIndex { index, reader, fields, dir: dir.to_path_buf() };
        let mut w = CityIndexWriter { writer, fields, payload, dirty: false };
        me.refresh_entities(&mut w, city)?;
        me.catch_up(&mut w, store)?;
        Ok((me, w, opened))
    }

    /// Opens an existing index for searching only, while another process (a running `scpm
    /// serve`) holds the writer. Sees what that process has committed.
    pub fn open_reader(dir: &Path) -> Result<CityIndex, IndexError> {
        let index = match try_open(dir) {
            Ok(Some(index)) => index,
            Ok(None) => {
                return Err(IndexError::Query(format!("no index in {}; run `scpm index build`", dir.display())))
            }
            Err(reason) => {
                return Err(IndexError::Query(format!(
                    "index in {} is unusable ({reason}); run `scpm index build`",
                    dir.display()
                )))
            }
        };
        let tantivy_err = |source| IndexError::Tantivy { path: dir.to_path_buf(), source };
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(tantivy_err)?;
        Ok(CityIndex { index, reader, fields: schema::build().1, dir: dir.to_path_buf() })
    }

    /// Re-adds all entity documents when the city data changed since the last commit.
    fn refresh_entities(&self, w: &mut CityIndexWriter, city: &City) -> Result<(), IndexError> {
        if w.payload.city == city.fingerprint {
            return Ok(());
        }
        for kind in ENTITY_KINDS {
            w.writer.delete_term(Term::from_field_text(self.fields.kind, kind));
        }
        for doc in documents::entities(city) {
            w.writer.add_document(doc.to_tantivy(&self.fields)).map_err(self.tantivy_err())?;
        }
        w.payload.city = city.fingerprint.clone();
        w.dirty = true;
        self.commit(w)
    }

    /// Indexes every record the store changed after the index's revision.
    pub fn catch_up(&self, w: &mut CityIndexWriter, store: &Store) -> Result<u64, IndexError> {
        let mut total = 0;
        // A progress bar when there is real work (a rebuild of a large store); hidden otherwise.
        let behind = store.stored_rev()?.saturating_sub(w.payload.rev);
        let bar = if behind > 50_000 {
            indicatif::ProgressBar::new(behind).with_style(
                indicatif::ProgressStyle::with_template(
                    "  indexing     [{bar:40}] {pos}/{len} revisions ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            )
        } else {
            indicatif::ProgressBar::hidden()
        };
        let start = w.payload.rev;
        loop {
            let batch = store.since(w.payload.rev, 20_000)?;
            if batch.is_empty() {
                break;
            }
            total += batch.len() as u64;
            for stored in &batch {
                w.put(stored.rev, &stored.record).map_err(self.tantivy_err())?;
            }
            self.commit(w)?;
            bar.set_position(w.payload.rev - start);
        }
        bar.finish_and_clear();
        if total > 0 {
            tracing::info!(records = total, rev = w.payload.rev, "index caught up with the store");
        }
        Ok(total)
    }

    /// After a commit that failed (a full disk, a folder gone): drops what was pending, back to
    /// the last commit, and indexes again from the store everything after it. An error means
    /// the fault is still there; call again later. Returns how many records were indexed again.
    pub fn recover(&self, w: &mut CityIndexWriter, store: &Store) -> Result<u64, IndexError> {
        w.writer.rollback().map_err(self.tantivy_err())?;
        w.dirty = false;
        w.payload.rev = self.committed_rev();
        self.catch_up(w, store)
    }

    /// Commits pending writes (with the payload) and makes them visible to searches.
    pub fn commit(&self, w: &mut CityIndexWriter) -> Result<(), IndexError> {
        if !w.dirty {
            return Ok(());
        }
        w.payload.schema = SCHEMA_VERSION;
        let payload = serde_json::to_string(&w.payload).unwrap_or_default();
        let mut prepared = w.writer.prepare_commit().map_err(self.tantivy_err())?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(self.tantivy_err())?;
        w.dirty = false;
        self.reader.reload().map_err(self.tantivy_err())
    }

    /// Documents per kind, as the index sees them.
    pub fn count_by_kind(&self) -> Result<Vec<(String, u64)>, IndexError> {
        search::count_by_kind(self)
    }

    fn committed(&self) -> Option<Payload> {
        self.index.load_metas().ok().and_then(|m| m.payload).and_then(|p| serde_json::from_str::<Payload>(&p).ok())
    }

    /// The store revision the committed index reflects.
    pub fn committed_rev(&self) -> u64 {
        self.committed().map_or(0, |p| p.rev)
    }

    /// The fingerprint of the city data whose entities the committed index holds ("" if none).
    pub fn committed_city(&self) -> String {
        self.committed().map(|p| p.city).unwrap_or_default()
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

impl CityIndexWriter {
    /// Adds or replaces a record's document; readings are skipped. `rev` is the store revision.
    pub fn put(&mut self, rev: u64, record: &Record) -> tantivy::Result<()> {
        if let Some(doc) = documents::record(record) {
            self.replace(&doc)?;
        }
        self.payload.rev = self.payload.rev.max(rev);
        self.dirty = true;
        Ok(())
    }

    fn replace(&mut self, doc: &Doc) -> tantivy::Result<()> {
        let f = self.fields;
        // A complaint can turn into a suggestion (or back): delete under both ids.
        for kind in [doc.kind.as_str(), "complaint", "suggestion"] {
            self.writer.delete_term(Term::from_field_text(f.id, &format!("{kind}:{}", doc.key)));
            if doc.kind != "complaint" && doc.kind != "suggestion" {
                break;
            }
        }
        self.writer.add_document(doc.to_tantivy(&f))?;
        Ok(())
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn rev(&self) -> u64 {
        self.payload.rev
    }
}

fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, schema::analyzer());
}

fn create(dir: &Path) -> Result<Index, IndexError> {
    std::fs::create_dir_all(dir).map_err(|source| IndexError::Io { path: dir.to_path_buf(), source })?;
    let (schema, _) = schema::build();
    let index =
        Index::create_in_dir(dir, schema).map_err(|source| IndexError::Tantivy { path: dir.to_path_buf(), source })?;
    register(&index);
    Ok(index)
}

/// Ok(None): no index there yet. Err(reason): something is there but unusable.
fn try_open(dir: &Path) -> Result<Option<Index>, String> {
    if !dir.join("meta.json").exists() {
        let empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(true);
        return if empty { Ok(None) } else { Err("meta.json is missing".into()) };
    }
    let index = Index::open_in_dir(dir).map_err(|e| e.to_string())?;
    let (expected, _) = schema::build();
    if index.schema() != expected {
        return Err("schema differs from this version of scpm".into());
    }
    let metas = index.load_metas().map_err(|e| e.to_string())?;
    let payload: Option<Payload> = metas.payload.as_deref().and_then(|p| serde_json::from_str(p).ok());
    if payload.as_ref().is_some_and(|p| p.schema != SCHEMA_VERSION) {
        return Err("index was built by another schema version".into());
    }
    register(&index);
    // Open every segment once: a missing or truncated file shows up here, not in a search.
    let reader: IndexReader = index.reader().map_err(|e| e.to_string())?;
    let searcher = reader.searcher();
    for segment in searcher.segment_readers() {
        segment.inverted_index(schema::build().1.body).map_err(|e| e.to_string())?;
    }
    Ok(Some(index))
}
