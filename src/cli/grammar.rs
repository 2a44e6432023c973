//! `scpm grammar import-rhino`: a Picovoice Rhino context as grammar files.

use anyhow::{Context, Result};

pub fn import_rhino(file: &std::path::Path, lang: &str, out: &std::path::Path) -> Result<()> {
    if !scpm::grammar::LANGS.contains(&lang) {
        anyhow::bail!("--lang {lang}: use ko or en");
    }
    let yaml = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    // "coffee_maker.yaml" → "Coffee maker": what the context is about, for the recognizer's prompt.
    let stem = file.file_stem().map(|s| s.to_string_lossy().replace(['_', '-'], " ")).unwrap_or_default();
    let title: String = stem.chars().take(1).flat_map(char::to_uppercase).chain(stem.chars().skip(1)).collect();
    let imported = scpm::grammar::rhino::import(&yaml, lang, &title).with_context(|| file.display().to_string())?;
    let dir = out.join(lang);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join("_common.toml"), &imported.common_toml)?;
    std::fs::write(dir.join("commands.toml"), &imported.commands_toml)?;
    // The result must load as a grammar: the same checks as the product's own grammars.
    let grammar = scpm::grammar::Grammar::load(out, lang)?;
    println!(
        "{}: {} intents, {} expressions, {} slots → {} ({} templates)",
        file.display(),
        imported.intents,
        imported.expressions,
        imported.slots,
        dir.display(),
        grammar.template_count()
    );
    Ok(())
}
