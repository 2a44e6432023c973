//! Polls a JSON API in the Seoul Open API envelope:
//! `{"<Service>": {"list_total_count": n, "RESULT": {"CODE": "INFO-000", "MESSAGE": …}, "row": [...]}}`
//! (errors come as a bare `{"RESULT": {...}}`). Each row becomes a record; a failed poll is
//! reported on /healthz and retried with backoff, and the service keeps running.

use super::record::AirReading;
use super::{send, BoxFuture, Connector, Health, Record, Sink, SourceError};
use crate::config::HttpPollConfig;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;

/// Services whose rows we know how to turn into records.
pub const SUPPORTED_SERVICES: &[&str] = &["RealtimeCityAir"];

pub struct HttpPollConnector {
    cfg: HttpPollConfig,
    /// Korean district name → code, for stations named after their district.
    districts: HashMap<String, String>,
    client: reqwest::Client,
}

impl HttpPollConnector {
    pub fn new(cfg: HttpPollConfig, districts: HashMap<String, String>) -> Result<Self, SourceError> {
        if !SUPPORTED_SERVICES.contains(&cfg.service.as_str()) {
            return Err(SourceError::Failed {
                source_name: cfg.name.clone(),
                message: format!(
                    "service `{}` is not supported; supported: {}",
                    cfg.service,
                    SUPPORTED_SERVICES.join(", ")
                ),
            });
        }
        let client = client_for(&cfg)?;
        Ok(HttpPollConnector { cfg, districts, client })
    }
}

/// An error with the errors that caused it ("error sending request: … invalid peer certificate:
/// UnknownIssuer"): the top one alone does not say what to fix.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let next = c.to_string();
        if !text.contains(&next) {
            text = format!("{text}: {next}");
        }
        cause = c.source();
    }
    text
}

/// The feed's HTTP client: TLS (rustls) with the system's certificate authorities, and the
/// feed's own `ca_file` when it has one.
fn client_for(cfg: &HttpPollConfig) -> Result<reqwest::Client, SourceError> {
    let failed = |message: String| SourceError::Failed { source_name: cfg.name.clone(), message };
    let mut builder = reqwest::Client::builder();
    if let Some(file) = cfg.ca_file.as_ref().filter(|f| !f.as_os_str().is_empty()) {
        let pem = std::fs::read(file).map_err(|e| failed(format!("cannot read ca_file {}: {e}", file.display())))?;
        let authorities = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| failed(format!("ca_file {} is not PEM certificates: {e}", file.display())))?;
        if authorities.is_empty() {
            return Err(failed(format!("ca_file {} holds no certificate", file.display())));
        }
        for authority in authorities {
            builder = builder.add_root_certificate(authority);
        }
    }
    builder.build().map_err(|e| failed(format!("cannot set up HTTPS: {e}")))
}

/// Reads an envelope into rows, or says what is wrong with it.
pub fn parse_envelope(service: &str, body: &str) -> Result<Vec<serde_json::Value>, String> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| {
        let start: String = body.chars().take(60).collect();
        format!("response is not JSON ({e}); it starts with {start:?}")
    })?;
    let result_of = |v: &serde_json::Value| {
        v.get("RESULT").map(|r| {
            (
                r.get("CODE").and_then(|c| c.as_str()).unwrap_or("").to_string(),
                r.get("MESSAGE").and_then(|c| c.as_str()).unwrap_or("").to_string(),
            )
        })
    };
    let Some(inner) = value.get(service) else {
        return match result_of(&value) {
            Some((code, _)) if code == "INFO-200" => Ok(Vec::new()),
            Some((code, message)) => Err(format!("the API answered {code}: {message}")),
            None => Err(format!("no `{service}` object in the response; is the URL's service name right?")),
        };
    };
    if let Some((code, message)) = result_of(inner) {
        if code == "INFO-200" {
            return Ok(Vec::new());
        }
        if code != "INFO-000" {
            return Err(format!("the API answered {code}: {message}"));
        }
    }
    match inner.get("row") {
        Some(serde_json::Value::Array(rows)) => Ok(rows.clone()),
        None => Ok(Vec::new()),
        Some(_) => Err("`row` is not a list".into()),
    }
}

/// Turns a RealtimeCityAir row into a record, resolving the district from the station name.
pub fn air_row(row: serde_json::Value, districts: &HashMap<String, String>) -> Result<Record, String> {
    let mut reading: AirReading =
        serde_json::from_value(row).map_err(|e| format!("row does not fit RealtimeCityAir: {e}"))?;
    reading.district = districts.get(reading.station.trim()).cloned().unwrap_or_default();
    if super::record::parse_msrdt(&reading.measured_at).is_none() {
        return Err(format!("MSRDT `{}` is not YYYYMMDDHHMM", reading.measured_at));
    }
    let record = Record::Air(reading);
    record.validate()?;
    Ok(record)
}

impl HttpPollConnector {
    async fn poll_once(&self, client: &reqwest::Client) -> Result<Vec<Record>, String> {
        let response = client
            .get(&self.cfg.url)
            .timeout(Duration::from_secs(self.cfg.timeout_s.max(1)))
            .send()
            .await
            .map_err(|e| format!("cannot reach {}: {}", self.cfg.url, with_causes(&e)))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| format!("reading the response failed: {e}"))?;
        if !status.is_success() {
            return Err(format!("HTTP {status} from {}", self.cfg.url));
        }
        let rows = parse_envelope(&self.cfg.service, &body)?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            out.push(air_row(row, &self.districts).map_err(|e| format!("row {i}: {e}"))?);
        }
        Ok(out)
    }
}

impl Connector for HttpPollConnector {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn run(self: Box<Self>, sink: Sink, health: Health, mut shutdown: watch::Receiver<bool>) -> BoxFuture {
        Box::pin(async move {
            let name = self.cfg.name.clone();
            health.state(&name, "running");
            let interval = Duration::from_secs(self.cfg.interval_s.max(1));
            let mut backoff = Duration::from_secs(1);
            loop {
                let wait = match self.poll_once(&self.client).await {
                    Ok(records) => {
                        let n = records.len() as u64;
                        for record in records {
                            send(&sink, &name, record).await?;
                        }
                        health.ok(&name, n);
                        backoff = Duration::from_secs(1);
                        interval
                    }
                    Err(message) => {
                        health.error(&name, message);
                        let wait = backoff.min(interval);
                        backoff = (backoff * 2).min(interval);
                        wait
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => {}
                }
                if *shutdown.borrow() {
                    break;
                }
            }
            health.state(&name, "stopped");
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_good_empty_and_bad() {
        let ok = r#"{"RealtimeCityAir":{"list_total_count":1,"RESULT":{"CODE":"INFO-000","MESSAGE":"정상 처리되었습니다"},"row":[{"MSRDT":"202611291300"}]}}"#;
        assert_eq!(parse_envelope("RealtimeCityAir", ok).map(|r| r.len()), Ok(1));
        let none = r#"{"RESULT":{"CODE":"INFO-200","MESSAGE":"해당하는 데이터가 없습니다."}}"#;
        assert_eq!(parse_envelope("RealtimeCityAir", none).map(|r| r.len()), Ok(0));
        let key = r#"{"RESULT":{"CODE":"INFO-100","MESSAGE":"인증키가 유효하지 않습니다."}}"#;
        assert!(parse_envelope("RealtimeCityAir", key).unwrap_err().contains("INFO-100"));
        assert!(parse_envelope("RealtimeCityAir", "<html>").unwrap_err().contains("not JSON"));
        assert!(parse_envelope("RealtimeCityAir", r#"{"Other":{}}"#).unwrap_err().contains("service name"));
    }
}
