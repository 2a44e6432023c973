//! The wall's modes in chromium: "도움말" opens the help overlay and "닫아" closes it; "전체
//! 화면" puts the map across the wall and "화면 나눠 줘" brings the screen back beside it; "화면
//! 잠가" blanks the wall and it fetches nothing until the PIN is typed on it; "공개 모드" shows
//! the public's screens (no camera is loaded, checked from the page's own network record)
//! until the PIN again; "지난주 민원" shows last week's opinion, and says which window it is.

use crate::common;

use common::webdriver::{loopback_only, rerun_isolated, Driver};
use serde_json::{json, Value};

/// The page's requests to the city's data since `mark` (a `performance.now()` kept in `window`).
fn fetched_since(mark: &str, pattern: &str) -> String {
    format!(
        "return performance.getEntriesByType('resource').filter((e) => e.startTime > window.{mark} && /{pattern}/.test(e.name)).map((e) => e.name);"
    )
}

/// Types `pin` on the wall's PIN form and sends it, as a person at the wall does.
fn type_pin(pin: &str) -> String {
    format!("document.getElementById('pin').value = '{pin}'; document.getElementById('unlock').requestSubmit(); return true;")
}

const CAMERAS: &str = "const imgs = [...document.querySelectorAll('#cctv img')]; return imgs.length === 4 && imgs.every((i) => i.naturalWidth === 320);";

#[test]
fn help_lock_and_public_mode_on_the_office_wall() {
    if !loopback_only() {
        return rerun_isolated(module_path!(), "help_lock_and_public_mode_on_the_office_wall");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let server = common::Server::start(dir.path(), "[office]\nunlock_pin = \"2468\"\n");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let d = Driver::start().await;
        let a = d.session(&dir.path().join("chrome-lock")).await;
        d.call("POST", &format!("/session/{a}/url"), json!({"url": format!("{}/?token={}", server.base, common::OFFICE_TOKEN)})).await;
        d.wait_for(&a, "return document.getElementById('status').textContent", json!("실시간")).await;
        common::office_command(&server.base, "강남구 사건 사고 보여줘").await;
        d.wait_for(&a, CAMERAS, json!(true)).await;

        // The talk button opens the listening overlay (announced to screen readers) with a
        // short rising sound; the sound button turns the sounds off.
        d.click(&a, "#talk").await;
        d.wait_for(&a, "const l = document.getElementById('listening'); return !l.hidden && l.getAttribute('aria-live') === 'polite' && (window.scpmChimes || 0) >= 1;", json!(true)).await;
        d.click(&a, "#sounds").await;
        d.wait_for(&a, "return document.getElementById('sounds').textContent", json!("🔕 소리 꺼짐")).await;

        // Help: what to say here and anywhere, and the gestures, in the wall's language.
        common::office_command(&server.base, "도움말").await;
        let help = "const h = document.getElementById('help'); return !h.hidden && document.querySelectorAll('#help-here li').length >= 4 && document.querySelectorAll('#help-gestures li').length >= 10 && document.getElementById('help-title').textContent;";
        d.wait_for(&a, help, json!("이렇게 말하거나 손짓하세요")).await;
        d.screenshot(&a, "office-help.png").await;
        common::office_command(&server.base, "닫아").await;
        d.wait_for(&a, "return document.getElementById('help').hidden", json!(true)).await;

        // Full screen: the map across the wall; split: the map and the screen side by side.
        common::office_command(&server.base, "전체 화면").await;
        let full = "return document.getElementById('side').offsetWidth === 0 && document.getElementById('map-panel').offsetWidth > window.innerWidth * 0.9;";
        d.wait_for(&a, full, json!(true)).await;
        d.screenshot(&a, "office-full-screen.png").await;
        common::office_command(&server.base, "화면 나눠 줘").await;
        let split = "return document.getElementById('side').offsetWidth > 0 && document.getElementById('map-panel').offsetWidth > 0;";
        d.wait_for(&a, split, json!(true)).await;

        // Locked: the lock covers the wall, the screen's data is gone from the page, and the page
        // asks the server for nothing of the city (past one 5 s refresh).
        common::office_command(&server.base, "화면 잠가").await;
        let blank = "return !document.getElementById('lock').hidden && document.body.classList.contains('locked') && document.getElementById('side').innerHTML === '' && document.getElementById('lock-title').textContent;";
        d.wait_for(&a, blank, json!("화면이 잠겨 있습니다")).await;
        d.script(&a, "window.lockedAt = performance.now(); return true;").await;
        d.screenshot(&a, "office-locked.png").await;
        tokio::time::sleep(std::time::Duration::from_secs(6)).await;
        let fetched = d.script(&a, &fetched_since("lockedAt", r"\/api\/(realtime|opinion|state|search|cctv|audit)")).await;
        assert_eq!(fetched, json!([]), "a locked wall fetches nothing of the city");

        // A wrong PIN is said so; the right one brings the screen back as it was.
        d.script(&a, &type_pin("1111")).await;
        d.wait_for(&a, "return document.getElementById('lock-message').textContent", json!("PIN이 맞지 않습니다")).await;
        d.script(&a, &type_pin("2468")).await;
        d.wait_for(&a, "return document.getElementById('lock').hidden && !document.body.classList.contains('locked')", json!(true)).await;
        d.wait_for(&a, CAMERAS, json!(true)).await;
        d.screenshot(&a, "office-unlocked.png").await;

        // Public mode: the same command shows the public's realtime screen, no camera loaded.
        common::office_command(&server.base, "공개 모드로 전환").await;
        d.wait_for(&a, "return document.getElementById('mode').textContent", json!("공개 모드")).await;
        common::office_command(&server.base, "마포구 사건 사고 보여줘").await;
        let public = "return document.getElementById('screen').dataset.district === '11440' && !!document.querySelector('#cctv .restricted') && document.querySelectorAll('#cctv img').length === 0;";
        d.wait_for(&a, public, json!(true)).await;
        d.script(&a, "window.publicAt = performance.now(); return true;").await;
        tokio::time::sleep(std::time::Duration::from_secs(6)).await;
        d.screenshot(&a, "office-public-mode.png").await;
        let cameras = d.script(&a, &fetched_since("publicAt", r"\/api\/cctv")).await;
        assert_eq!(cameras, json!([]), "no camera frame is loaded in public mode");

        // Leaving public mode is the PIN too.
        d.click(&a, "#leave-public").await;
        d.wait_for(&a, "return !document.getElementById('lock').hidden", json!(true)).await;
        d.script(&a, &type_pin("2468")).await;
        d.wait_for(&a, "return document.body.classList.contains('public-mode') || !document.getElementById('lock').hidden", json!(false)).await;
        d.wait_for(&a, "return document.getElementById('mode').textContent", json!("시장실")).await;

        // "지난주 민원": the opinion screen counts last week's seven days, and says so.
        common::office_command(&server.base, "지난주 민원 보여줘").await;
        let week = "const h = document.getElementById('opinion-window'); const c = window.Chart && Chart.getChart('chart-hourly'); return !!h && h.dataset.period === 'last_week' && !!c && c.data.labels.length === 7 && h.textContent.startsWith('지난주');";
        d.wait_for(&a, week, json!(true)).await;
        d.screenshot(&a, "office-opinion-last-week.png").await;
        d.call("DELETE", &format!("/session/{a}"), Value::Null).await;
    });
}

/// The incidents the real-time screen lists, by id.
const INCIDENTS: &str = "return [...document.querySelectorAll('#incidents li')].map((l) => l.dataset.id).join(',');";

#[test]
fn replay_a_past_hour_and_choose_a_window() {
    if !loopback_only() {
        return rerun_isolated(module_path!(), "replay_a_past_hour_and_choose_a_window");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // Six hours of the city made before it starts: a past to replay.
    let server = common::Server::start(dir.path(), "[simulator]\nbackfill_hours = 6\n");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let d = Driver::start().await;
        let a = d.session(&dir.path().join("chrome-replay")).await;
        d.call("POST", &format!("/session/{a}/url"), json!({"url": format!("{}/?token={}", server.base, common::OFFICE_TOKEN)})).await;
        d.wait_for(&a, "return document.getElementById('status').textContent", json!("실시간")).await;
        common::office_command(&server.base, "사건 사고 보여 줘").await;
        d.wait_for(&a, "return document.querySelectorAll('#incidents li').length > 5", json!(true)).await;
        let live = d.script(&a, INCIDENTS).await;

        // Three hours ago, by the hour, as said: the badge, the time, the slider; the incidents
        // of then, in their status of then; cameras are live only.
        let seoul = chrono::FixedOffset::east_opt(9 * 3600).expect("Seoul");
        let hour = chrono::Timelike::hour(&(chrono::Utc::now() - chrono::Duration::hours(3)).with_timezone(&seoul));
        let said = if hour == 0 { "show me the city at midnight".to_string() } else { format!("show me the city at {hour}:00") };
        let replay = common::office_command(&server.base, &said).await;
        assert_eq!(replay["intent"], "replay", "{replay}");
        d.wait_for(&a, "return !document.getElementById('replay-badge').hidden && document.getElementById('status').textContent", json!("다시 보기")).await;
        let listed = "[...document.querySelectorAll('#incidents li')].map((l) => l.dataset.id).join(',')";
        d.wait_for(&a, &format!("return {listed} !== {live} && {listed} !== ''"), json!(true)).await;
        d.wait_for(&a, "return document.querySelector('#cctv .restricted') !== null", json!(true)).await;
        d.screenshot(&a, "office-replay.png").await;

        // The slider: an hour earlier, as a touch (audited like the words).
        let before = d.script(&a, "return document.body.dataset.replay").await;
        d.script(&a, "const s = document.getElementById('replay-slider'); s.value = String(Number(s.value) - 3600); s.dispatchEvent(new Event('change')); return true;").await;
        d.wait_for(&a, &format!("return document.body.dataset.replay !== {before}"), json!(true)).await;

        // Back to live.
        common::office_command(&server.base, "실시간으로 돌아가").await;
        d.wait_for(&a, "return document.getElementById('replay-badge').hidden && document.getElementById('status').textContent", json!("실시간")).await;

        // The opinion screen's window, chosen by touch: yesterday, and the screen says so.
        common::office_command(&server.base, "민원 보여 줘").await;
        d.wait_for(&a, "return !document.getElementById('period-controls').hidden", json!(true)).await;
        d.script(&a, "const p = document.getElementById('period-picker'); p.value = 'yesterday'; p.dispatchEvent(new Event('change')); return true;").await;
        d.wait_for(&a, "const w = document.getElementById('opinion-window'); return w ? w.dataset.period : ''", json!("yesterday")).await;
        d.screenshot(&a, "office-opinion-period.png").await;
    });
    let audit =
        common::reqwest::get_json_as(&format!("{}/api/audit?limit=50", server.base), Some(common::OFFICE_TOKEN))
            .expect("audit")
            .1;
    let rows: Vec<Value> = audit["rows"].as_array().cloned().unwrap_or_default();
    assert!(rows.iter().any(|r| r["channel"] == "touch" && r["intent"] == "replay"), "the slider is audited: {rows:?}");
    assert!(
        rows.iter().any(|r| r["channel"] == "touch" && r["actions"].as_str().unwrap_or_default().contains("yesterday")),
        "{rows:?}"
    );
}
