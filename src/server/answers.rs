//! The JSON shapes of the HTTP API's answers, as types. Handlers build these and nothing else,
//! and `/api/openapi.json` is generated from them (`openapi`), so the description cannot drift
//! from what is sent. The domain types inside them (records, indicators, the display state)
//! carry their own schemas.

use crate::action::OfficialRef;
use crate::city::geo::MultiPolygon;
use crate::city::indicators::{Indicator, Point};
use crate::city::Pledge;
use crate::commands::Answer;
use crate::display::CallView;
use crate::index::{Hit, Resolved};
use crate::sources::record::{Form, Incident, Status, WeatherReading};
use crate::sources::{Record, SourceHealth};
use crate::store::{AuditRow, CallLogRow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Every failure: a code and a message that names the problem and the fix.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// e.g. `bad_request`, `forbidden`, `not_found`, `too_many_requests`, `locked`.
    pub error: String,
    pub message: String,
}

/// How a request with a JSON body and a token is refused (`POST /api/commands`,
/// `POST /api/complaints`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only described: the handlers answer `ApiError`, in this shape.
pub enum BodyRefusals {
    /// The request is not valid; the message names the field and the fix.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No token.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// A wrong token, or intake turned off.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// The body is larger than 64 KiB.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// The body is not JSON.
    #[response(status = 415)]
    NotJson(ErrorBody),
    /// Not available now (ingest stopping, the store failing); retry.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// The refusals of a screen's data (`/api/realtime`, `/api/opinion`, `/api/state`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only described: the handlers answer `ApiError`, in this shape.
pub enum ScreenRefusals {
    /// The request is not valid; the message names the parameter and the fix.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Not this caller's to see (a wrong token, another district).
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// The office wall is locked: nothing until the PIN is typed on it.
    #[response(status = 423)]
    Locked(ErrorBody),
    /// Too many requests from this address; `Retry-After` says when.
    #[response(status = 429)]
    TooMany(ErrorBody),
}

/// `GET /healthz`: the process answers, with what it knows without asking the store.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
    pub office: String,
    /// `city` or `district:<code>`.
    pub scope: String,
    pub store: StoreHealth,
    /// Whether this process runs any of the city's sources.
    pub leader: bool,
    pub index: IndexHealth,
    pub sources: BTreeMap<String, SourceHealth>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoreHealth {
    pub rev: i64,
    /// `sqlite` or `postgresql`.
    pub database: String,
    /// `ready` or `failed`, as the ingest loop last met the store.
    pub state: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndexHealth {
    pub docs: u64,
    pub rev: u64,
}

/// `GET /api/search`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchAnswer {
    pub query: String,
    pub count: usize,
    pub hits: Vec<Hit>,
}

/// `GET /api/resolve`: the best entity, or null.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResolveAnswer {
    pub query: String,
    pub resolved: Option<Resolved>,
}

/// `GET /api/state`: the city at a glance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CityState {
    pub office: String,
    pub scope: String,
    pub generated_at: DateTime<Utc>,
    pub districts: Vec<DistrictState>,
    pub incidents: Latest,
    pub complaints: Latest,
    /// The newest trend records.
    pub trends: Vec<Record>,
    /// The replayed time (`at=`), or None for live.
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DistrictState {
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    /// Longitude, latitude.
    #[schema(value_type = Vec<f64>)]
    pub centroid: [f64; 2],
    pub air: Option<AirState>,
    pub traffic_kmh: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AirState {
    pub pm10: Option<f64>,
    pub pm25: Option<f64>,
    pub grade: String,
    pub measured_at: String,
}

/// Records of a kind: how many in the 24 hours before (now, or the replayed time), and the newest (without personal data).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Latest {
    pub last_24h: u64,
    pub latest: Vec<Record>,
}

/// `POST /api/complaints`: on disk before this is sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintStored {
    pub id: String,
    /// The store's revision of the record (null: the store had this very version already).
    pub rev: Option<u64>,
    pub stored: bool,
}

/// `POST /api/commands`: the answer of the command pipeline, and what it did to the wall.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommandAnswer {
    #[serde(flatten)]
    pub answer: Answer,
    pub display_version: u64,
    pub audit_id: i64,
}

/// `GET /api/audit`: the newest rows first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Audit {
    pub rows: Vec<AuditRow>,
}

/// `POST /api/unlock`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unlocked {
    pub unlocked: bool,
    pub display_version: u64,
    pub audit_id: i64,
}

/// `GET /api/calls`: the call in progress and the log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Calls {
    pub active: Option<CallView>,
    pub log: Vec<CallLogRow>,
}

/// `GET /api/officials`: each official with the link to their page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Officials {
    pub officials: Vec<OfficialLink>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficialLink {
    pub official: OfficialRef,
    /// The wall's topics the official answers for (the wall's panel of officials).
    pub topics: Vec<String>,
    /// The district a district mayor heads.
    pub district: Option<String>,
    /// `/official/{id}?token=…`: what the office sends the official.
    pub link: String,
}

/// `GET /api/geo`: the boundaries the map draws.
#[derive(Debug, Serialize, ToSchema)]
pub struct Geo {
    pub districts: Vec<DistrictShape>,
    pub neighbourhoods: Vec<NeighbourhoodShape>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictShape {
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    #[schema(value_type = Vec<f64>)]
    pub centroid: [f64; 2],
    pub boundary: MultiPolygon,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeighbourhoodShape {
    pub code: String,
    pub district: String,
    pub name_ko: String,
    /// In Latin letters (Revised Romanization).
    pub name_en: String,
    #[schema(value_type = Vec<f64>)]
    pub centroid: [f64; 2],
    pub boundary: MultiPolygon,
}

/// `GET /api/realtime`: incidents with their times, what is near the newest one, and each
/// district's air, traffic, weather and water.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Realtime {
    pub generated_at: DateTime<Utc>,
    pub district: Option<String>,
    /// What time this shows: "live", a window's period (as `/api/opinion`: "today",
    /// "last_week", …, "custom"), or "replay".
    pub period: String,
    /// The window's start and end (a window only): its incidents were received in it, and the
    /// readings are the newest at its end.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// The replayed time (a replay only): each incident in the status it had then.
    pub at: Option<DateTime<Utc>>,
    /// How far back replay can go: the oldest record version the store keeps.
    pub history_from: Option<DateTime<Utc>>,
    pub districts: Vec<DistrictNow>,
    pub incidents: Vec<IncidentNow>,
    /// The incident the hospitals and cameras are near (the newest).
    pub focus: Option<String>,
    pub hospitals: Vec<HospitalNear>,
    pub cctv: CctvNear,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DistrictNow {
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    pub air: Option<AirNow>,
    pub traffic: Option<TrafficNow>,
    pub weather: Option<WeatherReading>,
    pub water: Option<WaterNow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AirNow {
    pub pm10: Option<f64>,
    pub pm25: Option<f64>,
    pub grade: String,
    pub o3: Option<f64>,
    pub no2: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrafficNow {
    pub speed_kmh: f64,
    pub road: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaterNow {
    pub turbidity_ntu: f64,
    pub chlorine_mg_l: f64,
    pub ph: f64,
    /// Within the drinking-water limits.
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncidentNow {
    #[serde(flatten)]
    pub incident: Incident,
    /// `received`, `dispatched`, `arrived` or `closed`.
    pub status: String,
    /// Minutes from the call to the dispatch.
    pub dispatch_min: Option<f64>,
    /// Minutes from the call to the arrival on the scene.
    pub arrival_min: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HospitalNear {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub distance_m: f64,
    pub emergency_beds: Option<u32>,
    #[schema(value_type = Vec<f64>)]
    pub position: [f64; 2],
    pub simulated: bool,
}

/// The cameras near the focus: for the office only; the public gets the reason.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CctvNear {
    pub restricted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cameras: Option<Vec<Camera>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Camera {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub distance_m: f64,
    #[schema(value_type = Vec<f64>)]
    pub position: [f64; 2],
    /// `/api/cctv/{id}/stream`: MJPEG.
    pub stream: String,
    /// `/api/cctv/{id}/frame`: one JPEG.
    pub frame: String,
    pub simulated: bool,
}

/// `GET /api/opinion`: complaints and suggestions of a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct Opinion {
    pub generated_at: DateTime<Utc>,
    pub district: Option<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The period asked for, or `custom` for `from`/`to`.
    pub period: String,
    /// `hour` or `day`: the step of `series`.
    pub bucket: String,
    pub totals: OpinionTotals,
    pub by_category: Vec<OpinionCount>,
    pub by_district: Vec<OpinionCount>,
    pub series: Vec<OpinionStep>,
    pub trends: Vec<TrendCount>,
    pub latest: Vec<ComplaintView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionTotals {
    pub complaints: u64,
    pub suggestions: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionCount {
    pub key: String,
    pub complaints: u64,
    pub suggestions: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionStep {
    pub at: DateTime<Utc>,
    pub complaints: u64,
    pub suggestions: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrendCount {
    pub topic_ko: String,
    pub topic_en: String,
    pub mentions: u64,
}

/// A complaint as a viewer may see it: never the citizen; for the public, numbers masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: String,
    pub form: Form,
    pub category: String,
    pub district: String,
    pub text_ko: String,
    pub text_en: String,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/indicators`: the catalogue by vision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Catalogue {
    pub visions: Vec<VisionIndicators>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisionIndicators {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub indicators: Vec<IndicatorName>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorName {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub unit: String,
}

/// `GET /api/indicators/{id}`: one indicator's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorFigures {
    pub indicator: Indicator,
    /// The district of the figures (null: the city).
    pub district: Option<String>,
    /// `YYYY-MM`: the last complete month.
    pub month: String,
    pub simulated: bool,
    pub latest: f64,
    pub last_year: f64,
    pub change_pct: f64,
    pub series: Vec<Point>,
    pub district_series: Option<Vec<Point>>,
    pub by_district: Vec<DistrictValue>,
    pub by_age: Vec<GroupValue>,
    pub by_gender: Vec<GroupValue>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictValue {
    pub code: String,
    pub value: f64,
}

/// A group's value and its share of the population (the shares weight the whole).
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupValue {
    pub group: String,
    pub value: f64,
    pub share: f64,
}

/// `GET /api/pledges`: every pledge with its progress, and a summary per vision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pledges {
    pub summary: PledgeSummary,
    pub visions: Vec<VisionPledges>,
    pub pledges: Vec<PledgeView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PledgeSummary {
    pub total: usize,
    pub done: usize,
    pub on_track: usize,
    pub delayed: usize,
    pub not_started: usize,
    /// Percent, one decimal.
    pub average_progress: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisionPledges {
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    pub summary: PledgeSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PledgeView {
    pub pledge: Pledge,
    /// The owning department's name.
    pub department: Option<DepartmentName>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentName {
    pub ko: String,
    pub en: String,
}
