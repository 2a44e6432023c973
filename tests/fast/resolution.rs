//! Entity resolution over a real index: every district by every name people use, every
//! indicator and official by its names, typos, and the particles of spoken Korean.

use crate::common;

use scpm::index::CityIndex;

fn top(index: &CityIndex, text: &str, kinds: &[&str]) -> (String, String) {
    let r = index.resolve(text, kinds).expect("search").unwrap_or_else(|| panic!("nothing for {text:?}"));
    (r.hit.kind, r.hit.key)
}

fn with_index(f: impl FnOnce(&scpm::city::City, &CityIndex)) {
    let city = common::city();
    let dir = tempfile::tempdir().expect("tempdir");
    let (_store, index, _writer) = common::index_in(dir.path(), &city);
    f(&city, &index);
}

#[test]
fn every_district_resolves_from_korean_english_and_short_names() {
    with_index(|city, index| {
        for d in &city.districts {
            let mut names = vec![d.name_ko.clone(), d.name_en.clone(), d.name_en.to_lowercase()];
            names.extend(d.aliases_ko.iter().take(1).cloned());
            names.extend(d.aliases_en.iter().take(1).cloned());
            for name in names {
                let all = index.resolve(&name, &[]).expect("search");
                let got = index.resolve(&name, &scpm::index::documents::ENTITY_KINDS).expect("search");
                let hit = got.map(|r| (r.hit.kind, r.hit.key));
                assert_eq!(hit, Some(("district".to_string(), d.code.clone())), "{name:?} (any kind: {all:?})");
            }
        }
    });
}

#[test]
fn named_queries_from_the_issue() {
    with_index(|_, index| {
        let all = scpm::index::documents::ENTITY_KINDS;
        assert_eq!(top(index, "강남구", all), ("district".into(), "11680".into()));
        assert_eq!(top(index, "Gangnam", all), ("district".into(), "11680".into()));
        assert_eq!(top(index, "gangnam", all), ("district".into(), "11680".into()));
        assert_eq!(top(index, "Gangnam-gu", all), ("district".into(), "11680".into()));
        assert_eq!(top(index, "여성 고용률", all), ("indicator".into(), "womens_employment_rate".into()));
        assert_eq!(top(index, "교통", all), ("official".into(), "transportation".into()));
        assert_eq!(top(index, "transport director", all), ("official".into(), "transportation".into()));
    });
}

#[test]
fn typos_and_particles_still_resolve() {
    with_index(|_, index| {
        let districts = &["district"];
        assert_eq!(top(index, "Gannam", districts).1, "11680");
        assert_eq!(top(index, "Gangnamm-gu", districts).1, "11680");
        assert_eq!(top(index, "Mappo", districts).1, "11440");
        assert_eq!(top(index, "마포구는", &[]).1, "11440");
        assert_eq!(top(index, "강남구에서", &[]).1, "11680");
        let r = index.resolve("womens employmnt rate", &["indicator"]).expect("search").expect("a hit");
        assert_eq!(r.hit.key, "womens_employment_rate");
    });
}

#[test]
fn every_indicator_and_official_resolves_by_its_own_names() {
    with_index(|city, index| {
        for i in &city.indicators {
            for name in [&i.name_ko, &i.name_en] {
                assert_eq!(top(index, name, &["indicator"]).1, i.id, "{name:?}");
            }
        }
        for o in &city.officials {
            for name in [&o.title_ko, &o.title_en] {
                let r = index.resolve(name, &["official"]).expect("search").expect("hit");
                assert_eq!(r.hit.key, o.id, "{name:?}");
                assert!(r.hit.exact && r.confidence == 1.0);
            }
        }
    });
}

#[test]
fn nonsense_is_not_resolved_with_confidence() {
    with_index(|_, index| {
        for text in ["", "   ", "!!!"] {
            assert!(index.resolve(text, &[]).expect("search").is_none(), "{text:?}");
        }
        if let Some(r) = index.resolve("qwzxv plorkt", &["district", "official", "indicator"]).expect("search") {
            assert!(!r.hit.exact && r.confidence < 0.9, "{r:?}");
        }
    });
}
