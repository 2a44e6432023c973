//! The data behind the wall's screens: real-time urban status, citizen opinion, administration
//! (indicators and pledges). Each endpoint serves the office and the public; what is restricted
//! (live CCTV, personal data) is removed here, on the server, for a request without the office
//! token — the public page never receives it.

use super::api::with_store;
use super::{ApiError, AppState};
use crate::city::geo::{distance_m, LonLat};
use crate::city::indicators::{months_back, Month};
use crate::city::{FacilityKind, PledgeStatus};
use crate::sources::record::Complaint;
use crate::sources::Record;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
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
    match (state.config.office.district(), wanted) {
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
pub async fn realtime(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ScreenParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
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
    let mut readings: BTreeMap<&str, BTreeMap<String, Value>> = BTreeMap::new();
    for (kind, records) in per_kind {
        // Newest first: keep the first reading seen per district.
        for record in records {
            let code = record.district().to_string();
            if let std::collections::btree_map::Entry::Vacant(slot) = readings.entry(kind).or_default().entry(code) {
                let value = match &record {
                    Record::Air(a) => {
                        json!({"pm10": a.pm10, "pm25": a.pm25, "grade": a.index_grade, "o3": a.o3, "no2": a.no2})
                    }
                    Record::Traffic(t) => json!({"speed_kmh": t.speed_kmh, "road": t.road}),
                    Record::Weather(w) => serde_json::to_value(w).unwrap_or(Value::Null),
                    Record::Water(w) => {
                        json!({"turbidity_ntu": w.turbidity_ntu, "chlorine_mg_l": w.chlorine_mg_l, "ph": w.ph, "ok": w.within_limits()})
                    }
                    _ => Value::Null,
                };
                slot.insert(value);
            }
        }
    }
    let reading = |kind: &str, code: &str| readings.get(kind).and_then(|m| m.get(code)).cloned();
    let districts: Vec<Value> = state
        .city
        .districts
        .iter()
        .filter(|x| d.is_none_or(|d| d == x.code))
        .map(|x| {
            json!({"code": x.code, "name_ko": x.name_ko, "name_en": x.name_en,
                   "air": reading("air", &x.code), "traffic": reading("traffic", &x.code),
                   "weather": reading("weather", &x.code), "water": reading("water", &x.code)})
        })
        .collect();
    let focus = incidents.iter().find_map(|r| match r {
        Record::Incident(i) => Some(i),
        _ => None,
    });
    let focus_at = focus.map(|i| i.position).or_else(|| d.and_then(|c| state.city.district(c)).map(|x| x.centroid));
    let hospitals: Vec<Value> = focus_at
        .map(|at| nearest(&state, FacilityKind::Hospital, at, NEAREST))
        .unwrap_or_default()
        .into_iter()
        .map(|(m, f)| {
            json!({"id": f.id, "name_ko": f.name_ko, "name_en": f.name_en, "distance_m": m.round(),
                              "emergency_beds": f.emergency_beds, "position": f.position, "simulated": f.simulated})
        })
        .collect();
    let cctv = match who {
        Viewer::Public => json!({"restricted": true, "reason": "live CCTV is shown in the office only"}),
        Viewer::Office => json!({"restricted": false, "cameras": focus_at
            .map(|at| nearest(&state, FacilityKind::Cctv, at, NEAREST))
            .unwrap_or_default()
            .into_iter()
            .map(|(m, f)| json!({"id": f.id, "name_ko": f.name_ko, "name_en": f.name_en, "distance_m": m.round(),
                                  "position": f.position, "stream": format!("/api/cctv/{}/stream", f.id),
                                  "frame": format!("/api/cctv/{}/frame", f.id),
                                  "simulated": true}))
            .collect::<Vec<_>>()}),
    };
    let incidents: Vec<Value> = incidents
        .iter()
        .filter_map(|r| match r {
            Record::Incident(i) => {
                let mut v = serde_json::to_value(i).ok()?;
                v["status"] = json!(incident_status(i));
                v["dispatch_min"] = json!(i.dispatched_at.map(|t| (t - i.received_at).num_seconds() as f64 / 60.0));
                v["arrival_min"] = json!(i.arrived_at.map(|t| (t - i.received_at).num_seconds() as f64 / 60.0));
                Some(v)
            }
            _ => None,
        })
        .collect();
    Ok(Json(json!({
        "generated_at": Utc::now(), "district": district, "districts": districts,
        "incidents": incidents, "focus": focus.map(|i| &i.id), "hospitals": hospitals, "cctv": cctv,
    })))
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
pub fn complaint_for(c: &Complaint, who: Viewer) -> Value {
    let mask = |s: &str| if who == Viewer::Public { mask_numbers(s) } else { s.to_string() };
    json!({"id": c.id, "form": c.form, "category": c.category, "district": c.district,
           "text_ko": mask(&c.text_ko), "text_en": mask(&c.text_en), "status": c.status,
           "received_at": c.received_at, "updated_at": c.updated_at})
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
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
pub async fn opinion(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<OpinionParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
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
    let pair = |(k, [c, s]): &(String, [u64; 2])| json!({"key": k, "complaints": c, "suggestions": s});
    let series: Vec<Value> = (0..buckets)
        .map(|b| {
            let [c, s] = counts.by_bucket.iter().find(|(n, _)| *n == b as i64).map_or([0, 0], |(_, c)| *c);
            json!({"at": window.from + Duration::seconds(step * b as i64), "complaints": c, "suggestions": s})
        })
        .collect();
    let latest: Vec<Value> = latest
        .iter()
        .filter_map(|r| match r {
            Record::Complaint(c) => Some(complaint_for(c, who)),
            _ => None,
        })
        .collect();
    Ok(Json(json!({
        "generated_at": now, "district": district,
        "from": window.from, "to": window.to, "period": window.period,
        "bucket": if step == 3600 { "hour" } else { "day" },
        "totals": {"complaints": counts.totals[0], "suggestions": counts.totals[1]},
        "by_category": counts.by_category.iter().map(pair).collect::<Vec<_>>(),
        "by_district": counts.by_district.iter().map(pair).collect::<Vec<_>>(),
        "series": series,
        "trends": counts.trends.iter().map(|(ko, en, n)| json!({"topic_ko": ko, "topic_en": en, "mentions": n})).collect::<Vec<_>>(),
        "latest": latest,
    })))
}

/// The last complete month: the newest month an indicator has a value for.
pub fn reporting_month(now: DateTime<Utc>) -> Month {
    months_back((now.year(), now.month()), 1)
}

/// `/api/indicators`: the catalogue by vision.
pub async fn indicators(State(state): State<AppState>) -> Json<Value> {
    let c = &state.city;
    Json(json!({
        "visions": c.visions.iter().map(|v| json!({
            "id": v.id, "name_ko": v.name_ko, "name_en": v.name_en,
            "indicators": c.indicators.iter().filter(|i| i.vision == v.id).map(|i| json!({
                "id": i.id, "name_ko": i.name_ko, "name_en": i.name_en, "unit": i.unit,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
}

const SERIES_MONTHS: u32 = 36;

/// `/api/indicators/{id}`: the indicator's series (city and district), this month against the
/// same month last year, every district's value (the choropleth), and the breakdowns by age
/// group and gender where the indicator has them.
pub async fn indicator(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<ScreenParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
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
    let groups = |shares: &[(String, f64)]| -> Vec<Value> {
        let groups = ind.breakdown(d, now, shares);
        groups.iter().zip(shares).map(|((g, v), (_, w))| json!({"group": g, "value": v, "share": w})).collect()
    };
    Ok(Json(json!({
        "indicator": ind, "district": d, "month": format!("{:04}-{:02}", now.0, now.1), "simulated": true,
        "latest": latest, "last_year": last_year,
        "change_pct": if last_year != 0.0 { ((latest - last_year) / last_year.abs() * 1000.0).round() / 10.0 } else { 0.0 },
        "series": ind.series(None, from, now),
        "district_series": d.map(|d| ind.series(Some(d), from, now)),
        "by_district": if ind.per_district {
            state.city.districts.iter().map(|x| json!({"code": x.code, "value": ind.value(Some(&x.code), now)})).collect()
        } else { Vec::new() },
        "by_age": if ind.per_age { groups(&state.city.population.age) } else { Vec::new() },
        "by_gender": if ind.per_gender { groups(&state.city.population.gender) } else { Vec::new() },
    })))
}

/// `/api/pledges`: every pledge with its progress, and a summary per vision.
pub async fn pledges(State(state): State<AppState>) -> Json<Value> {
    let c = &state.city;
    let count = |s: PledgeStatus, of: &[&crate::city::Pledge]| of.iter().filter(|p| p.status == s).count();
    let summary = |of: &[&crate::city::Pledge]| {
        let avg =
            if of.is_empty() { 0.0 } else { of.iter().map(|p| f64::from(p.progress)).sum::<f64>() / of.len() as f64 };
        json!({"total": of.len(), "done": count(PledgeStatus::Done, of), "on_track": count(PledgeStatus::OnTrack, of),
               "delayed": count(PledgeStatus::Delayed, of), "not_started": count(PledgeStatus::NotStarted, of),
               "average_progress": (avg * 10.0).round() / 10.0})
    };
    let all: Vec<_> = c.pledges.iter().collect();
    Json(json!({
        "summary": summary(&all),
        "visions": c.visions.iter().map(|v| {
            let of: Vec<_> = c.pledges.iter().filter(|p| p.vision == v.id).collect();
            json!({"id": v.id, "name_ko": v.name_ko, "name_en": v.name_en, "summary": summary(&of)})
        }).collect::<Vec<_>>(),
        "pledges": c.pledges.iter().map(|p| {
            let department = c.official(&p.department).map(|o| json!({"ko": o.department_ko, "en": o.department_en}));
            json!({"pledge": p, "department": department})
        }).collect::<Vec<_>>(),
    }))
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
