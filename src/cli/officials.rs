//! `scpm officials`: each official's call page link, with its own token.

use anyhow::Result;
use scpm::config::Config;
use std::io::Write as _;

pub fn officials(config: &Config, base_url: Option<String>, json: bool) -> Result<()> {
    let city = scpm::city::City::load(&config.paths.data_dir)?;
    let secret = scpm::service::office_token(config)?;
    let base = base_url.unwrap_or_else(|| format!("http://{}", config.server.listen));
    let mut out = std::io::stdout().lock();
    for official in &city.officials {
        let link = format!(
            "{}/official/{}?token={}",
            base.trim_end_matches('/'),
            official.id,
            scpm::call::official_token(&secret, &official.id)
        );
        let line = if json {
            serde_json::json!({"id": official.id, "title_ko": official.title_ko, "title_en": official.title_en, "link": link})
                .to_string()
        } else {
            format!("{:<24} {:<14} {link}", official.id, official.title_ko)
        };
        // A reader that stops early (`| head`) is not an error.
        if let Err(e) = writeln!(out, "{line}") {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(e.into());
        }
    }
    Ok(())
}
