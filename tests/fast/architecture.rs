//! The module graph is a clean layering (ARCHITECTURE.md, "Layers"): a module of the library
//! imports only from layers below its own, never from its own layer or above, and nothing in the
//! library imports the binary's `cli`. Read from the sources, so a new import that runs upward
//! fails here with the file and the line.

use std::path::Path;

/// Lowest first. The table ARCHITECTURE.md states.
const LAYERS: &[&[&str]] = &[
    &["text", "action", "wheels", "metrics", "audio", "install", "readiness"],
    &["models"],
    &["config", "city", "display"],
    &["sources"],
    &["store"],
    &["index", "grammar"],
    &["ingest", "intent", "lead"],
    &["resolve"],
    &["commands", "call"],
    &["voice", "gesture"],
    &["office"],
    &["server"],
    &["service"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate modules a line of code names (`crate::x`), comments left out.
fn imports(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or_default();
    code.match_indices("crate::")
        .map(|(at, m)| code[at + m.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        .filter(|m: &String| !m.is_empty())
        .collect()
}

#[test]
fn imports_run_only_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative.components().next().and_then(|c| c.as_os_str().to_str()).unwrap_or_default();
        let module = top.trim_end_matches(".rs");
        if matches!(module, "main" | "lib" | "cli") {
            continue;
        }
        seen.insert(module.to_string());
        let Some(own) = layer(module) else {
            wrong.push(format!("src/{module}: not in the layer table (tests/fast/architecture.rs, ARCHITECTURE.md)"));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("source");
        for (n, line) in text.lines().enumerate() {
            for used in imports(line) {
                if used == module {
                    continue;
                }
                if used == "cli" || layer(&used).is_none_or(|l| l >= own) {
                    wrong.push(format!(
                        "{}:{}: `{module}` imports `{used}` ({})",
                        relative.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layering:\n{}", wrong.join("\n"));
    let listed: usize = LAYERS.iter().map(|l| l.len()).sum();
    assert_eq!(seen.len(), listed, "every module in the table exists: {seen:?}");
}
