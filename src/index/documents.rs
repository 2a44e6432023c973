//! What goes into the index: the city's entities (districts, neighbourhoods, officials,
//! indicators, facilities) and the searchable records (complaints, incidents, trends).
//! Personal data (a complaint's citizen) is never indexed.

use super::schema::Fields;
use crate::city::City;
use crate::sources::Record;
use crate::text::compact;
use serde_json::json;
use tantivy::TantivyDocument;

/// Kinds of entity documents, i.e. everything that comes from the city data, not from sources.
/// Kinds of the city's records (what the sources and the public send in).
pub const RECORD_KINDS: &[&str] = &["complaint", "suggestion", "incident", "trend"];

pub const ENTITY_KINDS: &[&str] =
    &["district", "neighbourhood", "official", "indicator", "cctv", "hospital", "fire_station", "police_station"];

/// A document before it becomes a tantivy document: plain data, easy to test.
#[derive(Debug, Default, Clone)]
pub struct Doc {
    pub kind: String,
    pub key: String,
    pub district: String,
    pub time: i64,
    pub category: String,
    pub names: Vec<String>,
    pub title: String,
    pub body: String,
    pub data: serde_json::Value,
}

impl Doc {
    pub fn id(&self) -> String {
        format!("{}:{}", self.kind, self.key)
    }

    pub fn to_tantivy(&self, f: &Fields) -> TantivyDocument {
        let mut d = TantivyDocument::new();
        d.add_text(f.id, self.id());
        d.add_text(f.kind, &self.kind);
        d.add_text(f.district, &self.district);
        d.add_i64(f.time, self.time);
        d.add_text(f.category, &self.category);
        let mut exact: Vec<String> = self.names.iter().map(|n| compact(n)).filter(|n| !n.is_empty()).collect();
        exact.sort();
        exact.dedup();
        for e in exact {
            d.add_text(f.exact, e);
        }
        for n in &self.names {
            d.add_text(f.names, n);
        }
        d.add_text(f.title, &self.title);
        d.add_text(f.body, &self.body);
        d.add_text(f.data, self.data.to_string());
        d
    }
}

fn names<'a>(items: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    items.into_iter().filter(|s| !s.trim().is_empty()).cloned().collect()
}

/// Every entity of the city as documents.
pub fn entities(city: &City) -> Vec<Doc> {
    let mut out = Vec::new();
    for d in &city.districts {
        out.push(Doc {
            kind: "district".into(),
            key: d.code.clone(),
            district: d.code.clone(),
            names: names([&d.name_ko, &d.name_en].into_iter().chain(&d.aliases_ko).chain(&d.aliases_en)),
            title: format!("{} {}", d.name_ko, d.name_en),
            data: json!({"code": d.code, "name_ko": d.name_ko, "name_en": d.name_en, "centroid": d.centroid}),
            ..Doc::default()
        });
    }
    // "성북" is what people call 성북구; the neighbourhood 성북동 keeps only its full name.
    let district_names: std::collections::HashSet<String> = city
        .districts
        .iter()
        .flat_map(|d| [&d.name_ko, &d.name_en].into_iter().chain(&d.aliases_ko).chain(&d.aliases_en))
        .map(|n| compact(n))
        .collect();
    for n in &city.neighbourhoods {
        let district = city.district(&n.district);
        let mut ns = vec![n.name_ko.clone()];
        let stem =
            n.name_ko.strip_suffix('동').filter(|s| s.chars().count() >= 2 && !district_names.contains(&compact(s)));
        if let Some(stem) = stem {
            ns.push(stem.to_string());
        }
        out.push(Doc {
            kind: "neighbourhood".into(),
            key: n.code.clone(),
            district: n.district.clone(),
            names: ns,
            title: n.name_ko.clone(),
            body: district.map(|d| format!("{} {}", d.name_ko, d.name_en)).unwrap_or_default(),
            data: json!({"code": n.code, "name_ko": n.name_ko, "district": n.district, "centroid": n.centroid}),
            ..Doc::default()
        });
    }
    for o in &city.officials {
        out.push(Doc {
            kind: "official".into(),
            key: o.id.clone(),
            district: o.district.clone(),
            names: names(
                [&o.title_ko, &o.title_en, &o.department_ko, &o.department_en]
                    .into_iter()
                    .chain(&o.aliases_ko)
                    .chain(&o.aliases_en),
            ),
            title: format!("{} {}", o.title_ko, o.title_en),
            body: format!("{} {}", o.department_ko, o.department_en),
            data: json!({
                "id": o.id, "title_ko": o.title_ko, "title_en": o.title_en,
                "department_ko": o.department_ko, "department_en": o.department_en,
                "rank": o.rank, "district": o.district, "call_id": o.call_id(),
            }),
            ..Doc::default()
        });
    }
    for i in &city.indicators {
        out.push(Doc {
            kind: "indicator".into(),
            key: i.id.clone(),
            category: i.vision.clone(),
            names: names([&i.name_ko, &i.name_en].into_iter().chain(&i.synonyms_ko).chain(&i.synonyms_en)),
            title: format!("{} {}", i.name_ko, i.name_en),
            data: json!({
                "id": i.id, "name_ko": i.name_ko, "name_en": i.name_en, "unit": i.unit, "vision": i.vision,
                "department": i.department, "per_district": i.per_district, "per_age": i.per_age, "per_gender": i.per_gender,
            }),
            ..Doc::default()
        });
    }
    for f in &city.facilities {
        out.push(Doc {
            kind: f.kind.as_str().into(),
            key: f.id.clone(),
            district: f.district.clone(),
            names: vec![f.name_ko.clone(), f.name_en.clone()],
            title: format!("{} {}", f.name_ko, f.name_en),
            data: json!({"id": f.id, "position": f.position, "emergency_beds": f.emergency_beds, "simulated": f.simulated}),
            ..Doc::default()
        });
    }
    out
}

/// The document of a searchable record, or None for readings.
pub fn record(record: &Record) -> Option<Doc> {
    let time = record.time().timestamp();
    match record {
        Record::Complaint(c) => Some(Doc {
            kind: match c.form {
                crate::sources::record::Form::Complaint => "complaint",
                crate::sources::record::Form::Suggestion => "suggestion",
            }
            .into(),
            key: c.id.clone(),
            district: c.district.clone(),
            time,
            category: c.category.clone(),
            title: c.category.clone(),
            body: format!("{}\n{}", c.text_ko, c.text_en),
            data: json!({"id": c.id, "status": c.status, "received_at": c.received_at, "updated_at": c.updated_at}),
            ..Doc::default()
        }),
        Record::Incident(i) => Some(Doc {
            kind: "incident".into(),
            key: i.id.clone(),
            district: i.district.clone(),
            time,
            category: i.category.clone(),
            title: format!("{} {}", i.category, i.place),
            body: format!("{}\n{}", i.summary_ko, i.summary_en),
            data: json!({
                "id": i.id, "line": i.line, "position": i.position, "place": i.place, "received_at": i.received_at,
                "dispatched_at": i.dispatched_at, "arrived_at": i.arrived_at, "closed_at": i.closed_at, "unit": i.unit,
            }),
            ..Doc::default()
        }),
        Record::Trend(t) => Some(Doc {
            kind: "trend".into(),
            key: record.key(),
            district: t.district.clone(),
            time,
            names: vec![t.topic_ko.clone(), t.topic_en.clone()],
            title: format!("{} {}", t.topic_ko, t.topic_en),
            data: json!({"mentions": t.mentions, "at": t.at}),
            ..Doc::default()
        }),
        Record::Air(_) | Record::Traffic(_) | Record::Weather(_) | Record::Water(_) => None,
    }
}
