//! `scpm search` and `scpm index`: the city index opened for reading or rebuilt, and its figures.

use anyhow::{Context, Result};
use scpm::city::City;
use scpm::config::Config;
use scpm::index::{CityIndex, SearchRequest};
use scpm::store::Store;

pub fn open_index(config: &Config) -> Result<(City, Store, CityIndex, scpm::index::Opened)> {
    let city = City::load(&config.paths.data_dir)?;
    let store = Store::open(&config.paths.store)?;
    let (index, _writer, opened) =
        CityIndex::open(&config.paths.index_dir, &city, &store, config.index.writer_memory_mb)?;
    Ok((city, store, index, opened))
}

/// The index for reading: brought up to date when no server runs, else read as the server
/// committed it.
pub fn reading_index(config: &Config) -> Result<CityIndex> {
    // Another scpm may hold the index: a running server keeps it current; another command may be
    // building it right now (a fresh machine), and then its entities are not committed yet.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    let mut said = false;
    loop {
        match open_index(config) {
            Ok((_, _, index, _)) => return Ok(index),
            Err(e) if matches!(e.downcast_ref(), Some(scpm::index::IndexError::Locked(_))) => {
                let city = City::load(&config.paths.data_dir)?;
                if let Ok(index) = CityIndex::open_reader(&config.paths.index_dir) {
                    if index.committed_city() == city.fingerprint || std::time::Instant::now() > deadline {
                        return Ok(index);
                    }
                }
                if !said {
                    eprintln!("waiting for another scpm to finish building the index …");
                    said = true;
                }
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
            // The directory may be replaced under us while the other process rebuilds it.
            Err(e)
                if matches!(
                    e.downcast_ref(),
                    Some(scpm::index::IndexError::Tantivy { .. } | scpm::index::IndexError::Io { .. })
                ) && std::time::Instant::now() + std::time::Duration::from_secs(290) > deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
            Err(e) => return Err(e),
        }
    }
}

pub fn search(
    config: &Config,
    kind: Option<String>,
    district: Option<String>,
    limit: usize,
    json: bool,
    query: String,
) -> Result<()> {
    let index = reading_index(config)?;
    let kinds = kind.map(|k| k.split(',').map(|s| s.trim().to_string()).collect()).unwrap_or_default();
    let hits = index.search(&SearchRequest { text: query, kinds, district, limit })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&hits)?);
    } else if hits.is_empty() {
        println!("no results");
    } else {
        for h in hits {
            println!("{:>7.2}  {:<14} {:<28} {}", h.score, h.kind, h.key, h.title);
        }
    }
    Ok(())
}

pub fn index_build(config: &Config, fresh: bool) -> Result<()> {
    if fresh && config.paths.index_dir.exists() {
        std::fs::remove_dir_all(&config.paths.index_dir)
            .with_context(|| format!("cannot delete {}", config.paths.index_dir.display()))?;
    }
    let (_, _, index, opened) = open_index(config)?;
    eprintln!("index {:?}: {} documents at store revision {}", opened, index.num_docs(), index.committed_rev());
    Ok(())
}

pub fn index_stats(config: &Config, json: bool) -> Result<()> {
    let index = reading_index(config)?;
    let store = Store::open(&config.paths.store)?;
    let in_index = index.count_by_kind()?;
    let in_store = store.count_by_kind()?;
    if json {
        let to_map = |v: Vec<(String, u64)>| v.into_iter().collect::<std::collections::BTreeMap<_, _>>();
        println!(
            "{}",
            serde_json::json!({
                "index": to_map(in_index), "store": to_map(in_store),
                "index_rev": index.committed_rev(), "store_rev": store.stored_rev()?,
            })
        );
    } else {
        println!("index (rev {}):", index.committed_rev());
        for (k, n) in in_index {
            println!("  {k:<16} {n}");
        }
        println!("store (rev {}):", store.stored_rev()?);
        for (k, n) in in_store {
            println!("  {k:<16} {n}");
        }
    }
    Ok(())
}
