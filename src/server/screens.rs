//! The data behind the wall's screens: real-time urban status, citizen opinion, administration
//! (indicators and pledges). Each endpoint serves the office and the public; what is restricted
//! (live CCTV, personal data) is removed here, on the server, for a request without the office
//! token — the public page never receives it.

use super::answers::{
    AirNow, Camera, Catalogue, CctvNear, ComplaintView, DepartmentName, DistrictNow, DistrictValue, GroupValue,
    HospitalNear, IncidentNow, IndicatorFigures, IndicatorName, Opinion, OpinionCount, OpinionStep, OpinionTotals,
    PledgeSummary, PledgeView, Pledges, Realtime, TrafficNow, TrendCount, VisionIndicators, VisionPledges, WaterNow,
};
use super::api::with_store;
use super::{ApiError, AppState};
use crate::city::geo::{distance_m, LonLat};
use crate::city::indicators::{months_back, Month};
use crate::city::{FacilityKind, PledgeStatus};
use crate::sources::record::Complaint;
use crate::sources::record::WeatherReading;
use crate::sources::Record;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Who is asking: the office (valid token) or the public (no token). A wrong token is refused
/// rather than served as public, so a misconfigured wall shows an error, not a reduced screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Office,
    Public,
}

pub(super) fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Viewer, ApiError> {
    if headers.get("authorization").is_none() {
        return Ok(Viewer::Public);
    }
    super::office::require_office(state, headers)?;
    // The office's own wall, locked, gets nothing; in public mode, what the public gets.
    let display = state.office.display()?;
    if display.locked {
        return Err(super::lock::locked());
    }
    Ok(if display.public_mode { Viewer::Public } else { Viewer::Office })
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScreenParams {
    #[serde(default)]
    district: Option<String>,
}

/// The district a screen is about: the office's scope wins; an unknown code is an error.
fn district_param(
    state: &AppState,
    params: Result<Query<ScreenParams>, QueryRejection>,
) -> Result<Option<String>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::BadRequest(format!("{}; the parameter is district", e.body_text())))?;
    let wanted = p.district.filter(|d| !d.is_empty());
    if let Some(code) = &wanted {
        if state.city.district(code).is_none() {
            return Err(ApiError::BadRequest(format!("`{code}` is not a district code (5 digits, e.g. 11680)")));
        }
    }
    match (state.config.load().office.district(), wanted) {
        (Some(scope), Some(code)) if scope != code => {
            Err(ApiError::Forbidden(format!("this office sees district {scope} only")))
        }
        (Some(scope), _) => Ok(Some(scope.to_string())),
        (None, wanted) => Ok(wanted),
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
/// and per-district air, traffic, weather and water.
#[utoipa::path(get, path = "/api/realtime", tag = "screens", params(ScreenParams), security((), ("office" = [])),
    responses((status = 200, description = "Real-time urban status (no CCTV for the public)", body = Realtime),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 423, description = "The office wall is locked: nothing until the PIN is typed on it", body = super::answers::ErrorBody),
        (status = 429, description = "Too many requests from this address; `Retry-After` says when", body = super::answers::ErrorBody)))]
pub async fn realtime(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ScreenParams>, QueryRejection>,
) -> Result<Json<Realtime>, ApiError> {
    let who = viewer(&state, &headers)?;
    let district = district_param(&state, params)?;
    let d = district.as_deref();
    let scope = district.clone();
    let (incidents, per_kind) = with_store(&state, move |store| {
        let mut per_kind = Vec::new();
        for kind in ["air", "traffic", "weather", "water"] {
            per_kind.push((kind, store.latest(kind, scope.as_deref(), 50)?));
        }
        Ok((store.latest("incident", scope.as_deref(), 20)?, per_kind))
    })
    .await?;
    let mut now = Readings::default();
    for (_, records) in per_kind {
        // Newest first: keep the first reading seen per district.
        for record in records {
            now.keep(record);
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
            air: now.air.get(&x.code).cloned(),
            traffic: now.traffic.get(&x.code).cloned(),
            weather: now.weather.get(&x.code).cloned(),
            water: now.water.get(&x.code).cloned(),
        })
        .collect();
    let focus = incidents.iter().find_map(|r| match r {
        Record::Incident(i) => Some(i),
        _ => None,
    });
    let focus_at = focus.map(|i| i.position).or_else(|| d.and_then(|c| state.city.district(c)).map(|x| x.centroid));
    let hospitals: Vec<HospitalNear> = focus_at
        .map(|at| nearest(&state, FacilityKind::Hospital, at, NEAREST))
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
    let cctv = match who {
        Viewer::Public => {
            CctvNear { restricted: true, reason: Some("live CCTV is shown in the office only".into()), cameras: None }
        }
        Viewer::Office => CctvNear {
            restricted: false,
            reason: None,
            cameras: Some(
                focus_at
                    .map(|at| nearest(&state, FacilityKind::Cctv, at, NEAREST))
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
    Ok(Json(Realtime { generated_at: Utc::now(), district, districts, incidents, focus, hospitals, cctv }))
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

/// Digits that look like a phone number or resident number, masked for the public: citizens
/// sometimes write their number into the text itself.
pub fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit() || **c == '-').count();
        let digits = chars[i..i + run].iter().filter(|c| c.is_ascii_digit()).count();
        if digits >= 7 {
            out.extend(chars[i..i + run].iter().map(|c| if c.is_ascii_digit() { '*' } else { *c }));
            i += run;
        } else if run > 0 {
            out.extend(&chars[i..i + run]);
            i += run;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A complaint as a viewer may see it: never the citizen; for the public, numbers masked too.
pub fn complaint_for(c: &Complaint, who: Viewer) -> ComplaintView {
    let mask = |s: &str| if who == Viewer::Public { mask_numbers(s) } else { s.to_string() };
    ComplaintView {
        id: c.id.clone(),
        form: c.form,
        category: c.category.clone(),
        district: c.district.clone(),
        text_ko: mask(&c.text_ko),
        text_en: mask(&c.text_en),
        status: c.status,
        received_at: c.received_at,
        updated_at: c.updated_at,
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OpinionParams {
    #[serde(default)]
    district: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// `/api/opinion?district=&period=|from=&to=`: complaints and suggestions of a window (the last
/// 24 hours unless asked, see `window`) by category, by district and by hour or day, the
/// trending topics, and the newest ones (without personal data). The window is echoed.
#[utoipa::path(get, path = "/api/opinion", tag = "screens", params(OpinionParams), security((), ("office" = [])),
    responses((status = 200, description = "Citizens' opinion in a window (echoed); no personal data", body = Opinion),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 423, description = "The office wall is locked: nothing until the PIN is typed on it", body = super::answers::ErrorBody),
        (status = 429, description = "Too many requests from this address; `Retry-After` says when", body = super::answers::ErrorBody)))]
pub async fn opinion(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<OpinionParams>, QueryRejection>,
) -> Result<Json<Opinion>, ApiError> {
    let who = viewer(&state, &headers)?;
    let Query(p) = params.map_err(|e| {
        ApiError::BadRequest(format!("{}; the parameters are district, period, from and to", e.body_text()))
    })?;
    let district = district_param(&state, Ok(Query(ScreenParams { district: p.district })))?;
    let now = Utc::now();
    let max_days = if who == Viewer::Public { super::window::PUBLIC_DAYS } else { super::window::OFFICE_DAYS };
    let window = super::window::window(p.period.as_deref(), p.from.as_deref(), p.to.as_deref(), now, max_days)?;
    let (step, buckets) = window.buckets();
    // Whole seconds, the end rounded up: what came in this second is in a window that ends now.
    let to = window.to.timestamp() + i64::from(window.to.timestamp_subsec_nanos() > 0);
    let from = window.from.timestamp();
    let scope = district.clone();
    let (counts, latest) = with_store(&state, move |store| {
        let counts = store.opinion_counts(scope.as_deref(), from, to, step, 8)?;
        Ok((counts, store.latest_between("complaint", scope.as_deref(), from, to, 12)?))
    })
    .await?;
    let pair = |(k, [c, s]): &(String, [u64; 2])| OpinionCount { key: k.clone(), complaints: *c, suggestions: *s };
    let series: Vec<OpinionStep> = (0..buckets)
        .map(|b| {
            let [c, s] = counts.by_bucket.iter().find(|(n, _)| *n == b as i64).map_or([0, 0], |(_, c)| *c);
            OpinionStep { at: window.from + Duration::seconds(step * b as i64), complaints: c, suggestions: s }
        })
        .collect();
    let latest: Vec<ComplaintView> = latest
        .iter()
        .filter_map(|r| match r {
            Record::Complaint(c) => Some(complaint_for(c, who)),
            _ => None,
        })
        .collect();
    Ok(Json(Opinion {
        generated_at: now,
        district,
        from: window.from,
        to: window.to,
        period: window.period.clone(),
        bucket: if step == 3600 { "hour" } else { "day" }.into(),
        totals: OpinionTotals { complaints: counts.totals[0], suggestions: counts.totals[1] },
        by_category: counts.by_category.iter().map(pair).collect(),
        by_district: counts.by_district.iter().map(pair).collect(),
        series,
        trends: counts
            .trends
            .iter()
            .map(|(ko, en, n)| TrendCount { topic_ko: ko.clone(), topic_en: en.clone(), mentions: *n })
            .collect(),
        latest,
    }))
}

/// The last complete month: the newest month an indicator has a value for.
pub fn reporting_month(now: DateTime<Utc>) -> Month {
    months_back((now.year(), now.month()), 1)
}

/// `/api/indicators`: the catalogue by vision.
#[utoipa::path(get, path = "/api/indicators", tag = "screens",
    responses((status = 200, description = "The policy indicators by vision", body = Catalogue)))]
pub async fn indicators(State(state): State<AppState>) -> Json<Catalogue> {
    let c = &state.city;
    let names = |vision: &str| {
        c.indicators
            .iter()
            .filter(|i| i.vision == vision)
            .map(|i| IndicatorName {
                id: i.id.clone(),
                name_ko: i.name_ko.clone(),
                name_en: i.name_en.clone(),
                unit: i.unit.clone(),
            })
            .collect()
    };
    Json(Catalogue {
        visions: c
            .visions
            .iter()
            .map(|v| VisionIndicators {
                id: v.id.clone(),
                name_ko: v.name_ko.clone(),
                name_en: v.name_en.clone(),
                indicators: names(&v.id),
            })
            .collect(),
    })
}

const SERIES_MONTHS: u32 = 36;

/// `/api/indicators/{id}`: the indicator's series (city and district), this month against the
/// same month last year, every district's value (the choropleth), and the breakdowns by age
/// group and gender where the indicator has them.
#[utoipa::path(get, path = "/api/indicators/{id}", tag = "screens",
    params(("id" = String, Path, description = "An indicator id from `/api/indicators`"), ScreenParams),
    responses((status = 200, description = "The indicator's figures", body = IndicatorFigures),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 404, description = "No such thing", body = super::answers::ErrorBody),
        (status = 429, description = "Too many requests from this address; `Retry-After` says when", body = super::answers::ErrorBody)))]
pub async fn indicator(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<ScreenParams>, QueryRejection>,
) -> Result<Json<IndicatorFigures>, ApiError> {
    let district = district_param(&state, params)?;
    let Some(ind) = state.city.indicator(&id) else {
        return Err(ApiError::NotFound(format!("no indicator `{id}`; GET /api/indicators lists them")));
    };
    let d = district.as_deref().filter(|_| ind.per_district);
    let now = reporting_month(Utc::now());
    let from = months_back(now, SERIES_MONTHS - 1);
    let latest = ind.value(d, now);
    let last_year = ind.value(d, months_back(now, 12));
    // Weighted by the population's shares, so that they agree with the whole.
    let groups = |shares: &[(String, f64)]| -> Vec<GroupValue> {
        let groups = ind.breakdown(d, now, shares);
        groups
            .into_iter()
            .zip(shares)
            .map(|((group, value), (_, share))| GroupValue { group, value, share: *share })
            .collect()
    };
    Ok(Json(IndicatorFigures {
        indicator: ind.clone(),
        district: d.map(str::to_string),
        month: format!("{:04}-{:02}", now.0, now.1),
        simulated: true,
        latest,
        last_year,
        change_pct: if last_year != 0.0 {
            ((latest - last_year) / last_year.abs() * 1000.0).round() / 10.0
        } else {
            0.0
        },
        series: ind.series(None, from, now),
        district_series: d.map(|d| ind.series(Some(d), from, now)),
        by_district: if ind.per_district {
            state
                .city
                .districts
                .iter()
                .map(|x| DistrictValue { code: x.code.clone(), value: ind.value(Some(&x.code), now) })
                .collect()
        } else {
            Vec::new()
        },
        by_age: if ind.per_age { groups(&state.city.population.age) } else { Vec::new() },
        by_gender: if ind.per_gender { groups(&state.city.population.gender) } else { Vec::new() },
    }))
}

/// `/api/pledges`: every pledge with its progress, and a summary per vision.
#[utoipa::path(get, path = "/api/pledges", tag = "screens",
    responses((status = 200, description = "The mayor's pledges and their progress", body = Pledges)))]
pub async fn pledges(State(state): State<AppState>) -> Json<Pledges> {
    let c = &state.city;
    let count = |s: PledgeStatus, of: &[&crate::city::Pledge]| of.iter().filter(|p| p.status == s).count();
    let summary = |of: &[&crate::city::Pledge]| {
        let avg =
            if of.is_empty() { 0.0 } else { of.iter().map(|p| f64::from(p.progress)).sum::<f64>() / of.len() as f64 };
        PledgeSummary {
            total: of.len(),
            done: count(PledgeStatus::Done, of),
            on_track: count(PledgeStatus::OnTrack, of),
            delayed: count(PledgeStatus::Delayed, of),
            not_started: count(PledgeStatus::NotStarted, of),
            average_progress: (avg * 10.0).round() / 10.0,
        }
    };
    let all: Vec<_> = c.pledges.iter().collect();
    Json(Pledges {
        summary: summary(&all),
        visions: c
            .visions
            .iter()
            .map(|v| {
                let of: Vec<_> = c.pledges.iter().filter(|p| p.vision == v.id).collect();
                VisionPledges {
                    id: v.id.clone(),
                    name_ko: v.name_ko.clone(),
                    name_en: v.name_en.clone(),
                    summary: summary(&of),
                }
            })
            .collect(),
        pledges: c
            .pledges
            .iter()
            .map(|p| PledgeView {
                pledge: p.clone(),
                department: c
                    .official(&p.department)
                    .map(|o| DepartmentName { ko: o.department_ko.clone(), en: o.department_en.clone() }),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_identify_people_are_masked() {
        assert_eq!(mask_numbers("연락처 010-1234-5678 입니다"), "연락처 ***-****-**** 입니다");
        assert_eq!(mask_numbers("call 01012345678"), "call ***********");
        assert_eq!(mask_numbers("3번 출구 2024년"), "3번 출구 2024년");
    }
}
