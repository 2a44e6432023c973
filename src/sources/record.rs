//! The records every source produces: the one vocabulary between connectors, store and index.
//!
//! A record is identified by `(kind, key)`; a source sends a newer version of the same record
//! (an incident that got dispatched, a complaint that got answered) under the same key, and the
//! store keeps the latest. The JSON form (`{"kind": "complaint", …}`) is also the replay format.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::city::geo::LonLat;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Incident(Incident),
    Air(AirReading),
    Traffic(TrafficReading),
    Complaint(Complaint),
    Trend(Trend),
    Weather(WeatherReading),
    Water(WaterReading),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Incident {
    pub id: String,
    /// "119" (fire and rescue) or "112" (police).
    pub line: String,
    pub category: String,
    pub district: String,
    /// Longitude, latitude (WGS 84).
    #[schema(value_type = Vec<f64>)]
    pub position: LonLat,
    /// Neighbourhood or street, for people.
    pub place: String,
    pub summary_ko: String,
    pub summary_en: String,
    pub received_at: DateTime<Utc>,
    #[serde(default)]
    pub dispatched_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub arrived_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// The responding unit (a fire or police station id).
    #[serde(default)]
    pub unit: String,
}

/// One row of the Seoul Open API `RealtimeCityAir` service, field names as the API spells them,
/// plus the district code we resolved from the station name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct AirReading {
    #[serde(rename = "MSRDT")]
    pub measured_at: String,
    #[serde(rename = "MSRRGN_NM")]
    pub region: String,
    #[serde(rename = "MSRSTE_NM")]
    pub station: String,
    #[serde(rename = "PM10", deserialize_with = "lenient_f64", default)]
    pub pm10: Option<f64>,
    #[serde(rename = "PM25", deserialize_with = "lenient_f64", default)]
    pub pm25: Option<f64>,
    #[serde(rename = "O3", deserialize_with = "lenient_f64", default)]
    pub o3: Option<f64>,
    #[serde(rename = "NO2", deserialize_with = "lenient_f64", default)]
    pub no2: Option<f64>,
    #[serde(rename = "CO", deserialize_with = "lenient_f64", default)]
    pub co: Option<f64>,
    #[serde(rename = "SO2", deserialize_with = "lenient_f64", default)]
    pub so2: Option<f64>,
    #[serde(rename = "IDEX_NM", default)]
    pub index_grade: String,
    #[serde(rename = "IDEX_MVL", deserialize_with = "lenient_f64", default)]
    pub index_value: Option<f64>,
    #[serde(rename = "ARPLT_MAIN", default)]
    pub main_pollutant: String,
    #[serde(default)]
    pub district: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TrafficReading {
    pub district: String,
    pub road: String,
    pub speed_kmh: f64,
    pub at: DateTime<Utc>,
}

/// One district's weather observation (an AWS station of the Korea Meteorological Administration
/// in a real deployment).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct WeatherReading {
    pub district: String,
    pub temperature_c: f64,
    pub humidity_pct: f64,
    pub precipitation_mm: f64,
    pub wind_ms: f64,
    pub at: DateTime<Utc>,
}

/// Tap-water quality at one district's monitoring point (Seoul's Arisu network in a real
/// deployment): turbidity, residual chlorine and pH, each with a legal limit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct WaterReading {
    pub district: String,
    pub station: String,
    pub turbidity_ntu: f64,
    pub chlorine_mg_l: f64,
    pub ph: f64,
    pub at: DateTime<Utc>,
}

impl WaterReading {
    /// Within the drinking-water limits (turbidity ≤ 0.5 NTU, chlorine 0.1–4.0 mg/L, pH 5.8–8.5).
    pub fn within_limits(&self) -> bool {
        self.turbidity_ntu <= 0.5 && (0.1..=4.0).contains(&self.chlorine_mg_l) && (5.8..=8.5).contains(&self.ph)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    Complaint,
    Suggestion,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Assigned,
    InProgress,
    Answered,
    Closed,
}

/// Who sent a complaint: personal data, never shown on the public view.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Citizen {
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Complaint {
    pub id: String,
    pub form: Form,
    pub category: String,
    pub district: String,
    #[serde(default)]
    pub text_ko: String,
    #[serde(default)]
    pub text_en: String,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub citizen: Option<Citizen>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Trend {
    pub topic_ko: String,
    pub topic_en: String,
    pub mentions: u32,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub district: String,
}

impl Record {
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Incident(_) => "incident",
            Record::Air(_) => "air",
            Record::Traffic(_) => "traffic",
            Record::Complaint(_) => "complaint",
            Record::Trend(_) => "trend",
            Record::Weather(_) => "weather",
            Record::Water(_) => "water",
        }
    }

    /// Unique within the kind; a newer version of a record reuses its key.
    pub fn key(&self) -> String {
        match self {
            Record::Incident(i) => i.id.clone(),
            Record::Air(a) => format!("{}@{}", a.station, a.measured_at),
            Record::Traffic(t) => format!("{}/{}@{}", t.district, t.road, t.at.timestamp()),
            Record::Complaint(c) => c.id.clone(),
            Record::Trend(t) => format!("{}@{}", t.topic_en, t.at.timestamp()),
            Record::Weather(w) => format!("{}@{}", w.district, w.at.timestamp()),
            Record::Water(w) => format!("{}@{}", w.station, w.at.timestamp()),
        }
    }

    pub fn district(&self) -> &str {
        match self {
            Record::Incident(i) => &i.district,
            Record::Air(a) => &a.district,
            Record::Traffic(t) => &t.district,
            Record::Complaint(c) => &c.district,
            Record::Trend(t) => &t.district,
            Record::Weather(w) => &w.district,
            Record::Water(w) => &w.district,
        }
    }

    /// When the record happened (for incidents and complaints: when it was received).
    pub fn time(&self) -> DateTime<Utc> {
        match self {
            Record::Incident(i) => i.received_at,
            Record::Air(a) => parse_msrdt(&a.measured_at).unwrap_or_default(),
            Record::Traffic(t) => t.at,
            Record::Complaint(c) => c.received_at,
            Record::Trend(t) => t.at,
            Record::Weather(w) => w.at,
            Record::Water(w) => w.at,
        }
    }

    /// Whether a record of this kind changes after it is first sent (an incident is dispatched
    /// and closed, a complaint answered): the store keeps each of its versions for replay.
    /// Readings never change: each is a record of its own time.
    pub fn changes(&self) -> bool {
        matches!(self, Record::Incident(_) | Record::Complaint(_))
    }

    /// When this version of the record became true, by the record's own times: an incident's
    /// latest step (received, dispatched, arrived, closed), a complaint's last update.
    pub fn changed_at(&self) -> DateTime<Utc> {
        match self {
            Record::Incident(i) => {
                [i.dispatched_at, i.arrived_at, i.closed_at].into_iter().flatten().fold(i.received_at, |a, b| a.max(b))
            }
            Record::Complaint(c) => c.updated_at.max(c.received_at),
            other => other.time(),
        }
    }

    /// Whether the record is searchable text (readings are numbers, kept in the store only).
    pub fn is_searchable(&self) -> bool {
        matches!(self, Record::Incident(_) | Record::Complaint(_) | Record::Trend(_))
    }

    /// Refuses records that cannot be stored meaningfully, with the reason.
    pub fn validate(&self) -> Result<(), String> {
        let key = self.key();
        if key.trim().is_empty() || key.len() > 200 {
            return Err("id must be 1 to 200 characters".into());
        }
        let d = self.district();
        if !d.is_empty() && !(d.len() == 5 && d.chars().all(|c| c.is_ascii_digit())) {
            return Err(format!("district `{d}` is not a 5-digit code"));
        }
        if let Record::Complaint(c) = self {
            if c.text_ko.trim().is_empty() && c.text_en.trim().is_empty() {
                return Err("a complaint needs text_ko or text_en".into());
            }
            if c.text_ko.len() + c.text_en.len() > 20_000 {
                return Err("complaint text is longer than 20000 bytes".into());
            }
        }
        Ok(())
    }
}

/// `MSRDT` is local Seoul time (KST, UTC+9) as "YYYYMMDDHHMM".
pub fn parse_msrdt(s: &str) -> Option<DateTime<Utc>> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M").ok()?;
    Some(DateTime::<Utc>::from_naive_utc_and_offset(naive - chrono::Duration::hours(9), Utc))
}

pub fn format_msrdt(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(9)).format("%Y%m%d%H%M").to_string()
}

/// Open APIs send numbers as numbers, as strings, or as "" / "점검중" when a sensor is down.
fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn air_row_reads_open_api_shapes() {
        let row = r#"{"kind":"air","MSRDT":"202611291300","MSRRGN_NM":"동남권","MSRSTE_NM":"강남구",
            "PM10":"41","PM25":18,"O3":0.021,"NO2":"점검중","CO":0.4,"SO2":0.003,
            "IDEX_NM":"보통","IDEX_MVL":62,"ARPLT_MAIN":"PM25"}"#;
        let r: Record = serde_json::from_str(row).expect("parses");
        let Record::Air(a) = &r else { panic!("not air") };
        assert_eq!((a.pm10, a.pm25, a.no2), (Some(41.0), Some(18.0), None));
        assert_eq!(r.time().to_rfc3339(), "2026-11-29T04:00:00+00:00");
        assert_eq!(format_msrdt(r.time()), "202611291300");
    }

    #[test]
    fn validation_names_the_problem() {
        let now = Utc::now();
        let c = Complaint {
            id: "x".into(),
            form: Form::Complaint,
            category: "noise".into(),
            district: "gangnam".into(),
            text_ko: "소음".into(),
            text_en: String::new(),
            status: Status::Received,
            received_at: now,
            updated_at: now,
            citizen: None,
        };
        let err = Record::Complaint(c.clone()).validate().unwrap_err();
        assert!(err.contains("district"), "{err}");
        let empty = Complaint { district: "11680".into(), text_ko: " ".into(), ..c };
        assert!(Record::Complaint(empty).validate().unwrap_err().contains("text"));
    }
}
