//! The data behind the wall's screens: real-time urban status, citizen opinion, administration
//! (indicators and pledges). Each endpoint serves the office and the public; what is restricted
//! (live CCTV, personal data) is removed here, on the server, for a request without the office
//! token — the public page never receives it.

use super::answers::{
    Catalogue, ComplaintView, DepartmentName, DistrictValue, GroupValue, IndicatorFigures, IndicatorName, Opinion,
    OpinionCount, OpinionStep, OpinionTotals, PledgeSummary, PledgeView, Pledges, TrendCount, VisionIndicators,
    VisionPledges,
};
use super::api::with_store;
use super::{ApiError, AppState};
use crate::city::indicators::{months_back, Month};
use crate::city::PledgeStatus;
use crate::sources::record::Complaint;
use crate::sources::Record;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Deserialize;

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
    scoped_district(state, p.district)
}

/// The district asked for, checked: a known code, and within the office's scope (which wins
/// when none is asked).
pub(super) fn scoped_district(state: &AppState, wanted: Option<String>) -> Result<Option<String>, ApiError> {
    let wanted = wanted.filter(|d| !d.is_empty());
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
        super::answers::ScreenRefusals))]
pub async fn opinion(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<OpinionParams>, QueryRejection>,
) -> Result<Json<Opinion>, ApiError> {
    let who = viewer(&state, &headers)?;
    let Query(p) = params.map_err(|e| {
        ApiError::BadRequest(format!("{}; the parameters are district, period, from and to", e.body_text()))
    })?;
    let district = scoped_district(&state, p.district)?;
    let now = Utc::now();
    let max_days = if who == Viewer::Public { super::window::PUBLIC_DAYS } else { super::window::OFFICE_DAYS };
    let window = super::window::window(p.period.as_deref(), p.from.as_deref(), p.to.as_deref(), now, max_days)?;
    let (step, buckets) = window.buckets();
    // Whole seconds, the end rounded up: what came in this second is in a window that ends now.
    let to = window.end_second();
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
