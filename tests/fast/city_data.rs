//! The prepared city data has what the product promises: 25 districts on real boundaries,
//! hundreds of neighbourhoods, the officials directory and the 62 indicators.

use crate::common;

use scpm::city::Rank;

#[test]
fn districts_have_real_boundaries_and_contain_their_centroids() {
    let city = common::city();
    assert_eq!(city.districts.len(), 25);
    let codes: Vec<&str> = city.districts.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes.first(), Some(&"11110"));
    assert_eq!(codes.last(), Some(&"11740"));
    for d in &city.districts {
        assert!(d.boundary.point_count() >= 20, "{} has a real polygon", d.name_ko);
        let b = d.boundary.bbox().expect("bbox");
        // Inside Seoul's bounding box.
        assert!(b[0] > 126.7 && b[2] < 127.3 && b[1] > 37.4 && b[3] < 37.75, "{} {:?}", d.name_ko, b);
    }
    // Real geography: City Hall is in Jung-gu, COEX in Gangnam-gu, Gangnam station on the
    // Gangnam/Seocho border (Gangnam-daero), so not used.
    assert_eq!(city.district_at([126.9779, 37.5663]).map(|d| d.code.as_str()), Some("11140"));
    assert_eq!(city.district_at([127.0590, 37.5118]).map(|d| d.code.as_str()), Some("11680"));
    assert!(city.district_at([129.07, 35.18]).is_none(), "Busan is not in Seoul");
}

#[test]
fn neighbourhoods_belong_to_districts() {
    let city = common::city();
    assert!(city.neighbourhoods.len() >= 400, "{}", city.neighbourhoods.len());
    for d in &city.districts {
        let n = city.neighbourhoods.iter().filter(|n| n.district == d.code).count();
        assert!(n >= 3, "{} has {n} legal-dong neighbourhoods (Gangbuk-gu has 4)", d.name_ko);
    }
    let inside = city
        .neighbourhoods
        .iter()
        .filter(|n| city.district_at(n.centroid).is_some_and(|d| d.code == n.district))
        .count();
    assert!(inside * 10 >= city.neighbourhoods.len() * 9, "most centroids lie in their own district: {inside}");
}

#[test]
fn officials_directory_covers_offices_and_districts() {
    let city = common::city();
    let heads = city.officials.iter().filter(|o| o.rank == Rank::OfficeHead).count();
    let mayors = city.officials.iter().filter(|o| o.rank == Rank::DistrictMayor).count();
    assert!(heads >= 40, "{heads} office heads");
    assert_eq!(mayors, 25);
    assert!(city.official("mayor").is_some());
    for id in [
        "transportation",
        "climate_environment",
        "safety",
        "fire_disaster",
        "welfare",
        "economic_policy",
        "housing",
        "urban_planning",
        "culture",
        "women_family",
        "citizen_health",
        "finance",
        "digital_policy",
        "waterworks",
        "spokesperson",
    ] {
        let o = city.official(id).unwrap_or_else(|| panic!("official {id} missing"));
        assert!(!o.title_ko.is_empty() && !o.title_en.is_empty() && !o.department_en.is_empty());
    }
}

#[test]
fn indicators_catalogue_and_series() {
    let city = common::city();
    assert_eq!(city.indicators.len(), 62);
    assert_eq!(city.visions.len(), 5);
    let women = city.indicator("womens_employment_rate").expect("women's employment rate");
    let series = women.series(Some("11680"), (2016, 1), (2026, 10));
    assert_eq!(series.len(), 130);
    assert!(series.iter().all(|p| (0.0..=100.0).contains(&p.value)));
    assert!(city.indicators.iter().any(|i| i.per_age) && city.indicators.iter().any(|i| i.per_gender));
}

#[test]
fn facilities_are_placed_inside_their_district() {
    let city = common::city();
    let cctv = city.facilities.iter().filter(|f| f.kind == scpm::city::FacilityKind::Cctv).count();
    assert!((1100..=1300).contains(&cctv), "{cctv} cameras");
    let hospitals: Vec<_> = city.facilities.iter().filter(|f| f.emergency_beds.is_some()).collect();
    assert!(hospitals.len() >= 25);
    for f in &city.facilities {
        let d = city.district(&f.district).expect("district");
        if f.kind != scpm::city::FacilityKind::Cctv {
            assert!(d.boundary.contains(f.position), "{} lies in {}", f.id, d.name_ko);
        }
    }
}
