//! The city itself: districts and neighbourhoods on real boundaries, the officials directory, the
//! catalogue of administration indicators and the public facilities (CCTV, hospitals, stations).
//!
//! Hand-maintained data lives in `data/*.toml`; boundaries and facilities are produced by
//! [`prepare`] into `data/generated/`. [`City::load`] checks the whole set for consistency, so
//! that every later stage can trust it (an official's department exists, every district has a
//! boundary, …).

pub mod geo;
pub mod indicators;
pub mod pledges;
pub mod prepare;

use geo::{LonLat, MultiPolygon};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use indicators::{Indicator, Vision};
pub use pledges::{Pledge, PledgeStatus};

#[derive(Debug, thiserror::Error)]
pub enum CityError {
    #[error("cannot read {path}: {source}; {fix}")]
    Read { path: PathBuf, source: std::io::Error, fix: &'static str },
    #[error("{path} is malformed: {message}")]
    Malformed { path: PathBuf, message: String },
    #[error("city data is inconsistent: {0}")]
    Inconsistent(String),
    #[error("data preparation failed: {0}")]
    Prepare(String),
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct District {
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    pub aliases_ko: Vec<String>,
    pub aliases_en: Vec<String>,
    #[serde(default)]
    /// Longitude, latitude (WGS 84).
    #[schema(value_type = Vec<f64>)]
    pub centroid: LonLat,
    #[serde(default)]
    pub boundary: MultiPolygon,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Neighbourhood {
    /// The 8-digit legal-dong code; its first five digits are the district's.
    pub code: String,
    pub district: String,
    pub name_ko: String,
    /// In Latin letters (Revised Romanization, `text::roman`), made when the city is loaded.
    #[serde(default)]
    pub name_en: String,
    /// Longitude, latitude (WGS 84).
    #[schema(value_type = Vec<f64>)]
    pub centroid: LonLat,
    pub boundary: MultiPolygon,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    Mayor,
    DeputyMayor,
    OfficeHead,
    DistrictMayor,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Official {
    pub id: String,
    pub rank: Rank,
    pub title_ko: String,
    pub title_en: String,
    pub department_ko: String,
    pub department_en: String,
    #[serde(default)]
    pub aliases_ko: Vec<String>,
    #[serde(default)]
    pub aliases_en: Vec<String>,
    /// District code for district mayors; empty otherwise.
    #[serde(default)]
    pub district: String,
    /// What the official is responsible for, in everyday words ("공원", "green spaces"): a
    /// request for "whoever handles parks" finds them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handles_ko: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handles_en: Vec<String>,
    /// The wall's topics this official answers for: the wall's panel of officials shows them
    /// beside that topic (to point at and say "call this one").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
}

impl Official {
    /// The official as actions and calls name them.
    pub fn reference(&self) -> crate::action::OfficialRef {
        crate::action::OfficialRef {
            id: self.id.clone(),
            title_ko: self.title_ko.clone(),
            title_en: self.title_en.clone(),
            department_en: self.department_en.clone(),
        }
    }

    /// The identity a call is addressed to (the officials' page signs in as this).
    pub fn call_id(&self) -> String {
        format!("official:{}", self.id)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    Cctv,
    Hospital,
    FireStation,
    PoliceStation,
}

impl FacilityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FacilityKind::Cctv => "cctv",
            FacilityKind::Hospital => "hospital",
            FacilityKind::FireStation => "fire_station",
            FacilityKind::PoliceStation => "police_station",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Facility {
    pub id: String,
    pub kind: FacilityKind,
    pub name_ko: String,
    pub name_en: String,
    pub district: String,
    /// Longitude, latitude (WGS 84).
    #[schema(value_type = Vec<f64>)]
    pub position: LonLat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_beds: Option<u32>,
    /// True where the position and name were generated, not taken from a city register.
    pub simulated: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Boundaries {
    pub source: prepare::SourceInfo,
    pub districts: Vec<BoundaryRow>,
    pub neighbourhoods: Vec<Neighbourhood>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BoundaryRow {
    pub code: String,
    pub name_ko: String,
    /// Longitude, latitude (WGS 84).
    #[schema(value_type = Vec<f64>)]
    pub centroid: LonLat,
    pub boundary: MultiPolygon,
}

#[derive(Debug, Clone)]
pub struct City {
    pub districts: Vec<District>,
    pub neighbourhoods: Vec<Neighbourhood>,
    pub officials: Vec<Official>,
    pub visions: Vec<Vision>,
    pub indicators: Vec<Indicator>,
    pub facilities: Vec<Facility>,
    pub pledges: Vec<Pledge>,
    /// The population's shares by age group and by gender (`data/population.toml`), which the
    /// indicators' breakdowns are weighted by.
    pub population: Population,
    /// sha256 over every input file: the index is rebuilt when the city data changes.
    pub fingerprint: String,
}

/// `data/population.toml`: each table's shares, in the order of `AGE_GROUPS` and `GENDERS`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Population {
    pub age: Vec<(String, f64)>,
    pub gender: Vec<(String, f64)>,
}

#[derive(Deserialize)]
struct PopulationFile {
    age: std::collections::BTreeMap<String, f64>,
    gender: std::collections::BTreeMap<String, f64>,
}

/// A table of shares in `order`, each group present and the whole adding up to 1.
fn shares_in(
    path: &Path,
    name: &str,
    table: &std::collections::BTreeMap<String, f64>,
    order: &[&str],
) -> Result<Vec<(String, f64)>, CityError> {
    let malformed = |message: String| CityError::Malformed { path: path.to_path_buf(), message };
    let shares: Vec<(String, f64)> = order
        .iter()
        .map(|g| table.get(*g).map(|w| (g.to_string(), *w)).ok_or_else(|| malformed(format!("[{name}] has no `{g}`"))))
        .collect::<Result<_, _>>()?;
    if let Some(extra) = table.keys().find(|k| !order.contains(&k.as_str())) {
        return Err(malformed(format!("[{name}] has `{extra}`, which is none of {}", order.join(", "))));
    }
    let total: f64 = shares.iter().map(|(_, w)| w).sum();
    if (total - 1.0).abs() > 0.005 || shares.iter().any(|(_, w)| !(0.0..=1.0).contains(w)) {
        return Err(malformed(format!("[{name}] shares add up to {total:.3}, not 1")));
    }
    Ok(shares)
}

#[derive(Deserialize)]
struct DistrictsFile {
    district: Vec<District>,
}
#[derive(Deserialize)]
struct OfficialsFile {
    official: Vec<Official>,
}
#[derive(Deserialize)]
struct PledgesFile {
    pledge: Vec<Pledge>,
}
#[derive(Deserialize)]
struct IndicatorsFile {
    vision: Vec<Vision>,
    indicator: Vec<Indicator>,
}

pub const EXPECTED_DISTRICTS: usize = 25;
pub const EXPECTED_INDICATORS: usize = 62;

/// What to do when a city file cannot be read: the generated ones are made by `scpm data
/// prepare`; the hand-kept ones are part of scpm and are found where it is.
fn fix_for(path: &Path) -> &'static str {
    if path.components().any(|c| c.as_os_str() == "generated") {
        "run `scpm data prepare` to produce the generated city data"
    } else {
        "it is part of scpm: set `paths.data_dir` in scpm.toml to the folder that has it (the repository's data/, \
         or /usr/share/scpm/data when installed; a relative path is relative to the config file), or set SCPM_SHARE \
         to the folder that holds data/, grammars/ and gestures/"
    }
}

fn read(path: &Path, hasher: &mut Sha256) -> Result<String, CityError> {
    let text = std::fs::read_to_string(path).map_err(|source| CityError::Read {
        path: path.to_path_buf(),
        source,
        fix: fix_for(path),
    })?;
    hasher.update(text.as_bytes());
    Ok(text)
}

fn toml_file<T: serde::de::DeserializeOwned>(path: &Path, hasher: &mut Sha256) -> Result<T, CityError> {
    toml::from_str(&read(path, hasher)?)
        .map_err(|e| CityError::Malformed { path: path.to_path_buf(), message: e.to_string() })
}

fn json_file<T: serde::de::DeserializeOwned>(path: &Path, hasher: &mut Sha256) -> Result<T, CityError> {
    serde_json::from_str(&read(path, hasher)?).map_err(|e| CityError::Malformed {
        path: path.to_path_buf(),
        message: format!("{e}; run `scpm data prepare` to regenerate it"),
    })
}

impl City {
    /// Loads and checks the city from `data_dir` (hand-kept TOML plus `generated/`).
    pub fn load(data_dir: &Path) -> Result<City, CityError> {
        let mut hasher = Sha256::new();
        let mut districts = toml_file::<DistrictsFile>(&data_dir.join("districts.toml"), &mut hasher)?.district;
        let officials = toml_file::<OfficialsFile>(&data_dir.join("officials.toml"), &mut hasher)?.official;
        let IndicatorsFile { vision: visions, indicator: indicators } =
            toml_file(&data_dir.join("indicators.toml"), &mut hasher)?;
        let pledges = toml_file::<PledgesFile>(&data_dir.join("pledges.toml"), &mut hasher)?.pledge;
        let population_path = data_dir.join("population.toml");
        let PopulationFile { age, gender } = toml_file(&population_path, &mut hasher)?;
        let population = Population {
            age: shares_in(&population_path, "age", &age, indicators::AGE_GROUPS)?,
            gender: shares_in(&population_path, "gender", &gender, indicators::GENDERS)?,
        };
        let mut boundaries: Boundaries = json_file(&data_dir.join(prepare::BOUNDARIES_FILE), &mut hasher)?;
        let mut facilities: Vec<Facility> = json_file(&data_dir.join(prepare::FACILITIES_FILE), &mut hasher)?;
        // English names carry no Hangul: neighbourhoods and the places in facilities' names
        // are romanised ("역삼동 CCTV 1" → "Yeoksam-dong CCTV 1").
        for n in &mut boundaries.neighbourhoods {
            if n.name_en.is_empty() {
                n.name_en = crate::text::roman::place(&n.name_ko);
            }
        }
        for f in &mut facilities {
            if f.name_en.chars().any(crate::text::is_hangul) {
                f.name_en = crate::text::roman::place(&f.name_en);
            }
        }

        for d in &mut districts {
            let row = boundaries.districts.iter().find(|b| b.code == d.code).ok_or_else(|| {
                CityError::Inconsistent(format!(
                    "district {} ({}) has no boundary; run `scpm data prepare`",
                    d.code, d.name_ko
                ))
            })?;
            d.centroid = row.centroid;
            d.boundary = row.boundary.clone();
        }
        let city = City {
            districts,
            neighbourhoods: boundaries.neighbourhoods,
            officials,
            visions,
            indicators,
            facilities,
            pledges,
            population,
            fingerprint: format!("{:x}", hasher.finalize()),
        };
        city.check()?;
        Ok(city)
    }

    fn check(&self) -> Result<(), CityError> {
        let bad = |m: String| Err(CityError::Inconsistent(m));
        if self.districts.len() != EXPECTED_DISTRICTS {
            return bad(format!("{} districts, expected {EXPECTED_DISTRICTS}", self.districts.len()));
        }
        if self.indicators.len() != EXPECTED_INDICATORS {
            return bad(format!("{} indicators, expected {EXPECTED_INDICATORS}", self.indicators.len()));
        }
        unique("district code", self.districts.iter().map(|d| d.code.as_str()))?;
        unique("official id", self.officials.iter().map(|o| o.id.as_str()))?;
        unique("indicator id", self.indicators.iter().map(|i| i.id.as_str()))?;
        unique("neighbourhood code", self.neighbourhoods.iter().map(|n| n.code.as_str()))?;
        for n in &self.neighbourhoods {
            if self.district(&n.district).is_none() {
                return bad(format!("neighbourhood {} names unknown district {}", n.code, n.district));
            }
        }
        for o in &self.officials {
            if o.rank == Rank::DistrictMayor && self.district(&o.district).is_none() {
                return bad(format!("official {} names unknown district `{}`", o.id, o.district));
            }
            if let Some(t) = o.topics.iter().find(|t| !crate::action::TOPICS.contains(&t.as_str())) {
                return bad(format!(
                    "official {} names unknown topic `{t}`; topics: {}",
                    o.id,
                    crate::action::TOPICS.join(", ")
                ));
            }
        }
        for i in &self.indicators {
            if !self.officials.iter().any(|o| o.id == i.department) {
                return bad(format!("indicator {} names unknown department `{}`", i.id, i.department));
            }
            if !self.visions.iter().any(|v| v.id == i.vision) {
                return bad(format!("indicator {} names unknown vision `{}`", i.id, i.vision));
            }
        }
        unique("pledge id", self.pledges.iter().map(|p| p.id.as_str()))?;
        for p in &self.pledges {
            if let Some(problem) = p.problem() {
                return bad(format!("pledge {}: {problem}", p.id));
            }
            if !self.visions.iter().any(|v| v.id == p.vision) {
                return bad(format!("pledge {} names unknown vision `{}`", p.id, p.vision));
            }
            if self.official(&p.department).is_none() {
                return bad(format!("pledge {} names unknown department `{}`", p.id, p.department));
            }
            if !p.indicator.is_empty() && self.indicator(&p.indicator).is_none() {
                return bad(format!("pledge {} names unknown indicator `{}`", p.id, p.indicator));
            }
        }
        Ok(())
    }

    pub fn district(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }

    pub fn official(&self, id: &str) -> Option<&Official> {
        self.officials.iter().find(|o| o.id == id)
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The district whose boundary contains the point, if any.
    pub fn district_at(&self, p: LonLat) -> Option<&District> {
        self.districts.iter().find(|d| d.boundary.contains(p))
    }
}

fn unique<'a>(what: &str, items: impl Iterator<Item = &'a str>) -> Result<(), CityError> {
    let mut seen = HashSet::new();
    for item in items {
        if !seen.insert(item) {
            return Err(CityError::Inconsistent(format!("{what} `{item}` appears twice")));
        }
    }
    Ok(())
}
