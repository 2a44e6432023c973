//! The wall in a real browser (Debian chromium driven over WebDriver by chromedriver), inside a
//! network namespace that has only loopback: a command moves the page, a click on Mapo on one
//! wall moves a second wall, every screen shows its data (office and public), and the public page
//! cannot read restricted data. Screenshots of each screen go to tests/out/ for people to look at.

use crate::common;

use common::webdriver::{loopback_only, rerun_isolated, Driver};
use serde_json::{json, Value};

const SCREEN: &str =
    "const s = document.getElementById('screen').dataset; return (s.topic || '') + '/' + (s.district || '');";

/// (command, screen "topic/district", a script that is true once the screen shows its data, screenshot)
const OFFICE_SCREENS: &[(&str, &str, &str, &str)] = &[
    ("강남구 사건 사고 보여줘", "incidents/11680",
     "const imgs = [...document.querySelectorAll('#cctv img')]; return imgs.length === 4 && imgs.every((i) => i.naturalWidth === 320) && document.querySelectorAll('#hospitals li').length > 0;",
     "office-realtime-gangnam-cctv.png"),
    ("민원 현황 보여줘", "complaints/",
     "return !!(window.Chart && Chart.getChart('chart-hourly') && Chart.getChart('chart-category')) && document.querySelectorAll('#complaints li').length > 0;",
     "office-opinion.png"),
    ("마포구 고용률 보여줘", "indicators/11440",
     "const c = window.Chart && Chart.getChart('chart-series'); return !!c && c.data.datasets.length === 2 && !!Chart.getChart('chart-age') && document.querySelectorAll('#map .neighbourhood').length > 5;",
     "office-indicator-employment-mapo.png"),
    ("공약 이행 현황 보여줘", "pledges/",
     "return document.querySelectorAll('#pledges li').length >= 25 && !!Chart.getChart('chart-visions');",
     "office-pledges.png"),
    ("처음으로 돌아가자", "overview/",
     // The Korean wall says its units in Korean ("명", "건"), not "persons", "count".
     "return document.querySelectorAll('#headline .figure').length === 5 && document.querySelectorAll('#map .district').length === 25 && !/persons|count|units|places|households|jobs|score/.test(document.getElementById('headline').textContent);",
     "office-overview.png"),
    ("교통실장 연결해", "overview/",
     "const c = document.getElementById('call'); return !c.hidden && c.textContent.includes('교통');",
     "office-call-window.png"),
];

/// (tab, ready, screenshot) on the public page.
const PUBLIC_SCREENS: &[(&str, &str, &str)] = &[
    ("incidents", "return !!document.querySelector('#cctv .restricted') && document.querySelectorAll('#cctv img').length === 0;", "public-realtime.png"),
    ("complaints", "return !!(window.Chart && Chart.getChart('chart-hourly')) && document.querySelectorAll('#complaints li').length > 0;", "public-opinion.png"),
    ("indicators", "return document.querySelectorAll('#visions button').length === 62;", "public-indicators.png"),
    ("pledges", "return document.querySelectorAll('#pledges li').length >= 25;", "public-pledges.png"),
    ("overview", "return document.querySelectorAll('#headline .figure').length === 5;", "public-overview.png"),
];

#[test]
fn the_wall_follows_commands_and_clicks_in_chromium() {
    if !loopback_only() {
        return rerun_isolated(module_path!(), "the_wall_follows_commands_and_clicks_in_chromium");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let server = common::Server::start(dir.path(), "[simulator]\nspeed = 60.0\n");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let d = Driver::start().await;
        let (a, b) = (d.session(&dir.path().join("chrome-a")).await, d.session(&dir.path().join("chrome-b")).await);
        for s in [&a, &b] {
            d.call("POST", &format!("/session/{s}/url"), json!({"url": format!("{}/?token={}", server.base, common::OFFICE_TOKEN)})).await;
            d.wait_for(s, "return document.getElementById('status').textContent", json!("실시간")).await;
        }
        d.wait_for(&a, SCREEN, json!("overview/")).await;

        // A command from the office moves both walls.
        common::office_command(&server.base, "강남구 미세먼지 보여줘").await;
        d.wait_for(&a, SCREEN, json!("air_quality/11680")).await;
        d.wait_for(&b, SCREEN, json!("air_quality/11680")).await;
        let title = d.script(&a, "return document.getElementById('screen').textContent").await;
        assert_eq!(title, json!("대기질 · 강남구"));
        d.screenshot(&a, "office-air-quality-gangnam.png").await;

        // A real click on Mapo, on the city inset of wall A (zoomed into Gangnam), moves wall B.
        let el = d.call("POST", &format!("/session/{a}/element"), json!({"using": "css selector", "value": "#inset path[data-code='11440']"})).await;
        let id = el.as_object().and_then(|o| o.values().next()).and_then(|v| v.as_str()).expect("element id").to_string();
        d.call("POST", &format!("/session/{a}/element/{id}/click"), json!({})).await;
        d.wait_for(&b, SCREEN, json!("air_quality/11440")).await;
        d.screenshot(&b, "office-second-wall-mapo.png").await;

        // Every screen of the office, driven by voice commands, each checked for what it must show.
        for (command, screen, ready, shot) in OFFICE_SCREENS {
            common::office_command(&server.base, command).await;
            d.wait_for(&a, SCREEN, json!(screen)).await;
            d.wait_for(&a, ready, json!(true)).await;
            d.screenshot(&a, shot).await;
        }

        // The public page: the same screens, with the restricted parts removed by the server.
        d.call("POST", &format!("/session/{b}/url"), json!({"url": format!("{}/public", server.base)})).await;
        d.wait_for(&b, "return document.getElementById('mode').textContent", json!("시민 화면")).await;
        for (tab, ready, shot) in PUBLIC_SCREENS {
            let el = d.call("POST", &format!("/session/{b}/element"), json!({"using": "css selector", "value": format!("#tabs button[data-topic='{tab}']")})).await;
            let id = el.as_object().and_then(|o| o.values().next()).and_then(|v| v.as_str()).expect("tab").to_string();
            d.call("POST", &format!("/session/{b}/element/{id}/click"), json!({})).await;
            d.wait_for(&b, ready, json!(true)).await;
            d.screenshot(&b, shot).await;
        }
        // By keyboard alone: Tab reaches the tabs and then the districts of the map; Enter on a
        // district opens it.
        let key = |k: &str| json!({"actions": [{"type": "key", "id": "keyboard", "actions": [{"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}]}]});
        let mut focused = Value::Null;
        for _ in 0..40 {
            d.call("POST", &format!("/session/{b}/actions"), key("\u{E004}")).await;
            focused = d.script(&b, "const e = document.activeElement; return e && e.classList.contains('district') ? e.dataset.code : null;").await;
            if !focused.is_null() {
                break;
            }
        }
        let code = focused.as_str().expect("Tab reaches a district of the map").to_string();
        d.call("POST", &format!("/session/{b}/actions"), key("\u{E007}")).await;
        d.wait_for(&b, "return document.getElementById('screen').dataset.district", json!(code)).await;
        let status = d.script(&b, "const x = new XMLHttpRequest(); x.open('GET', '/api/complaints/any', false); x.send(); return x.status;").await;
        assert_eq!(status, json!(403));
        for s in [&a, &b] {
            d.call("DELETE", &format!("/session/{s}"), Value::Null).await;
        }
    });
}
