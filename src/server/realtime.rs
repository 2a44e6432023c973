//! `/api/realtime`: the real-time urban status — live, over a window (`period` or `from`/`to`:
//! the incidents received in it, the readings at its end), or replayed at a past time (`at`:
//! each incident in the status it had then, the readings of then; `server::replay`).

use super::answers::{
    AirNow, Camera, CctvNear, DistrictNow, HospitalNear, IncidentNow, Realtime, TrafficNow, WaterNow,
};
use super::api::with_store;
use super::screens::{scoped_district, viewer, Viewer};
use super::window::Window;
use super::{ApiError, AppState};
use crate::city::geo::{distance_m, LonLat};
use crate::city::FacilityKind;
use crate::sources::record::WeatherReading;
use crate::sources::Record;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RealtimeParams {
    /// A district code (the office's scope wins).
    #[serde(default)]
    district: Option<String>,
    /// A window: today, yesterday, this_week, last_week, … (as `/api/opinion`).
    #[serde(default)]
    period: Option<String>,
    /// A window's start (RFC 3339), with `to`.
    #[serde(default)]
    from: Option<String>,
    /// A window's end (RFC 3339), with `from`.
    #[serde(default)]
    to: Option<String>,
    /// Replay: the city as it was at this time (RFC 3339), within `history.keep_days`.
    #[serde(default)]
    at: Option<String>,
    /// What to bring forward: an incident's id (the cameras and hospitals near it) or a
    /// camera's id (it first, and what is near it). Else the newest incident.
    #[serde(default)]
    focus: Option<String>,
}

/// What time the screen shows.
#[derive(Clone)]
enum When {
    Live,
    Window(Window),
    At(DateTime<Utc>),
}

impl When {
    /// From the query: `at`, or a window, or live; never two of them.
    pub fn of(
        period: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        at: Option<&str>,
        now: DateTime<Utc>,
        keep_days: u32,
        who: Viewer,
    ) -> Result<When, ApiError> {
        let max_days = if who == Viewer::Public { super::window::PUBLIC_DAYS } else { super::window::OFFICE_DAYS };
        match (at, period.is_some() || from.is_some() || to.is_some()) {
            (Some(_), true) => Err(ApiError::BadRequest("give `at` (replay) or a window, not both".into())),
            (Some(at), false) => Ok(When::At(super::replay::replay_time(at, now, keep_days, who)?)),
            (None, true) => Ok(When::Window(super::window::window(period, from, to, now, max_days)?)),
            (None, false) => Ok(When::Live),
        }
    }
}

const NEAREST: usize = 4;

fn nearest(state: &AppState, kind: FacilityKind, at: LonLat, n: usize) -> Vec<(f64, &crate::city::Facility)> {
    let mut all: Vec<_> =
        state.city.facilities.iter().filter(|f| f.kind == kind).map(|f| (distance_m(at, f.position), f)).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    all.truncate(n);
    all
}

fn incident_status(i: &crate::sources::record::Incident) -> &'static str {
    match (i.dispatched_at, i.arrived_at, i.closed_at) {
        (_, _, Some(_)) => "closed",
        (_, Some(_), None) => "arrived",
        (Some(_), None, None) => "dispatched",
        _ => "received",
    }
}

/// `/api/realtime`: incidents with their times, the CCTV and hospitals nearest the newest one,
/// and per-district air, traffic, weather and water — live, over a window, or replayed.
#[utoipa::path(get, path = "/api/realtime", tag = "screens", params(RealtimeParams), security((), ("office" = [])),
    responses((status = 200, description = "Real-time urban status (no CCTV for the public, none in a replay); the window or replayed time is echoed", body = Realtime),
        super::answers::ScreenRefusals))]
pub async fn realtime(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<RealtimeParams>, QueryRejection>,
) -> Result<Json<Realtime>, ApiError> {
    let who = viewer(&state, &headers)?;
    let Query(p) = params.map_err(|e| {
        ApiError::BadRequest(format!("{}; the parameters are district, period, from, to and at", e.body_text()))
    })?;
    let district = scoped_district(&state, p.district)?;
    let now = Utc::now();
    let keep_days = state.config.load().history.keep_days;
    let when = When::of(p.period.as_deref(), p.from.as_deref(), p.to.as_deref(), p.at.as_deref(), now, keep_days, who)?;
    if let (When::At(at), Viewer::Public) = (&when, who) {
        if let Some(cached) = state.replays.realtime.get(&district, *at) {
            return Ok(Json(cached));
        }
    }
    let focus = p.focus.filter(|f| !f.is_empty() && f.len() <= 100);
    let answer = realtime_at(&state, who, district, &when, focus, now).await?;
    if let (When::At(at), Viewer::Public) = (&when, who) {
        state.replays.realtime.put(&answer.district, *at, &answer);
    }
    Ok(Json(answer))
}

async fn realtime_at(
    state: &AppState,
    who: Viewer,
    district: Option<String>,
    when: &When,
    focus: Option<String>,
    now: DateTime<Utc>,
) -> Result<Realtime, ApiError> {
    let d = district.as_deref();
    let scope = district.clone();
    let asked = when.clone();
    let (incidents, per_kind, history_from) = with_store(state, move |store| {
        let d = scope.as_deref();
        // The readings: the newest at the time shown (a window's end, a replayed time) or now.
        let readings = |kind: &str| match &asked {
            When::Live => store.latest(kind, d, 50),
            When::Window(w) => store.as_of(kind, d, w.end_second() - 1, 50),
            When::At(at) => store.as_of(kind, d, at.timestamp(), 50),
        };
        let per_kind =
            ["air", "traffic", "weather", "water"].map(readings).into_iter().collect::<Result<Vec<_>, _>>()?;
        // The incidents: the newest, those received in the window, or each as it was then.
        let incidents = match &asked {
            When::Live => store.latest("incident", d, 20)?,
            When::Window(w) => store.latest_between("incident", d, w.from.timestamp(), w.end_second(), 20)?,
            When::At(at) => store.as_of("incident", d, at.timestamp(), 20)?,
        };
        Ok((incidents, per_kind, store.history_start()?))
    })
    .await?;
    let mut readings = Readings::default();
    for records in per_kind {
        // Newest first: keep the first reading seen per district.
        for record in records {
            readings.keep(record);
        }
    }
    let districts: Vec<DistrictNow> = state
        .city
        .districts
        .iter()
        .filter(|x| d.is_none_or(|d| d == x.code))
        .map(|x| DistrictNow {
            code: x.code.clone(),
            name_ko: x.name_ko.clone(),
            name_en: x.name_en.clone(),
            air: readings.air.get(&x.code).cloned(),
            traffic: readings.traffic.get(&x.code).cloned(),
            weather: readings.weather.get(&x.code).cloned(),
            water: readings.water.get(&x.code).cloned(),
        })
        .collect();
    // The incident asked for, else the newest; or a camera asked for.
    let asked = focus.as_deref();
    let camera = asked.and_then(|id| state.city.facilities.iter().find(|f| f.kind == FacilityKind::Cctv && f.id == id));
    let incident = |wanted: Option<&str>| {
        incidents.iter().find_map(|r| match r {
            Record::Incident(i) if wanted.is_none_or(|w| w == i.id) => Some(i),
            _ => None,
        })
    };
    let focus = incident(asked).or_else(|| incident(None));
    let focus_at = camera
        .map(|c| c.position)
        .or(focus.map(|i| i.position))
        .or_else(|| d.and_then(|c| state.city.district(c)).map(|x| x.centroid));
    let hospitals: Vec<HospitalNear> = focus_at
        .map(|at| nearest(state, FacilityKind::Hospital, at, NEAREST))
        .unwrap_or_default()
        .into_iter()
        .map(|(m, f)| HospitalNear {
            id: f.id.clone(),
            name_ko: f.name_ko.clone(),
            name_en: f.name_en.clone(),
            distance_m: m.round(),
            emergency_beds: f.emergency_beds,
            position: f.position,
            simulated: f.simulated,
        })
        .collect();
    let cctv = match (who, when) {
        (Viewer::Public, _) => {
            CctvNear { restricted: true, reason: Some("live CCTV is shown in the office only".into()), cameras: None }
        }
        // Cameras are live only: a replay has no recording to show, and says so.
        (Viewer::Office, When::At(_)) => CctvNear {
            restricted: true,
            reason: Some("CCTV is live only: there is no recording of a past time".into()),
            cameras: None,
        },
        (Viewer::Office, _) => CctvNear {
            restricted: false,
            reason: None,
            cameras: Some(
                focus_at
                    .map(|at| nearest(state, FacilityKind::Cctv, at, NEAREST))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(m, f)| Camera {
                        id: f.id.clone(),
                        name_ko: f.name_ko.clone(),
                        name_en: f.name_en.clone(),
                        distance_m: m.round(),
                        position: f.position,
                        stream: format!("/api/cctv/{}/stream", f.id),
                        frame: format!("/api/cctv/{}/frame", f.id),
                        simulated: true,
                    })
                    .collect(),
            ),
        },
    };
    let minutes = |from: DateTime<Utc>, to: Option<DateTime<Utc>>| to.map(|t| (t - from).num_seconds() as f64 / 60.0);
    let focus = focus.map(|i| i.id.clone());
    let incidents: Vec<IncidentNow> = incidents
        .into_iter()
        .filter_map(|r| match r {
            Record::Incident(i) => Some(IncidentNow {
                status: incident_status(&i).into(),
                dispatch_min: minutes(i.received_at, i.dispatched_at),
                arrival_min: minutes(i.received_at, i.arrived_at),
                incident: i,
            }),
            _ => None,
        })
        .collect();
    let (period, from, to, at) = match when {
        When::Live => ("live".to_string(), None, None, None),
        When::Window(w) => (w.period.clone(), Some(w.from), Some(w.to), None),
        When::At(at) => ("replay".to_string(), None, None, Some(*at)),
    };
    Ok(Realtime {
        generated_at: now,
        district,
        period,
        from,
        to,
        at,
        history_from: history_from.and_then(|s| DateTime::from_timestamp(s, 0)),
        districts,
        incidents,
        focus,
        hospitals,
        cctv,
    })
}

/// The newest reading of each kind per district, as the real-time screen shows it.
#[derive(Default)]
struct Readings {
    air: BTreeMap<String, AirNow>,
    traffic: BTreeMap<String, TrafficNow>,
    weather: BTreeMap<String, WeatherReading>,
    water: BTreeMap<String, WaterNow>,
}

impl Readings {
    /// Keeps `record` unless its district has a reading of its kind already (records come newest
    /// first).
    fn keep(&mut self, record: Record) {
        let code = record.district().to_string();
        match record {
            Record::Air(a) => {
                self.air.entry(code).or_insert(AirNow {
                    pm10: a.pm10,
                    pm25: a.pm25,
                    grade: a.index_grade,
                    o3: a.o3,
                    no2: a.no2,
                });
            }
            Record::Traffic(t) => {
                self.traffic.entry(code).or_insert(TrafficNow { speed_kmh: t.speed_kmh, road: t.road });
            }
            Record::Weather(w) => {
                self.weather.entry(code).or_insert(w);
            }
            Record::Water(w) => {
                let ok = w.within_limits();
                self.water.entry(code).or_insert(WaterNow {
                    turbidity_ntu: w.turbidity_ntu,
                    chlorine_mg_l: w.chlorine_mg_l,
                    ph: w.ph,
                    ok,
                });
            }
            _ => {}
        }
    }
}
