//! The help overlay: opened by asking for help, closed by "close" (or another screen), and
//! what it lists are sentences the wall understands (the grammar's own examples).

use crate::common;

use axum::http::StatusCode;
use common::app::{call, get, get_as, post, service, OFFICE};
use serde_json::{json, Value};

async fn command(svc: &scpm::service::Service, text: &str) -> Value {
    let (status, body) = call(svc, post("/api/commands", Some(OFFICE), &json!({"text": text}).to_string())).await;
    assert_eq!(status, StatusCode::OK, "{text}: {body}");
    body
}

async fn help_open(svc: &scpm::service::Service) -> bool {
    call(svc, get_as("/api/display", OFFICE)).await.1["help"] == true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_opens_closes_and_lists_what_the_wall_understands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    command(&svc, "강남구 사건 사고 보여줘").await;
    assert_eq!(command(&svc, "도움말").await["understood"], true);
    assert!(help_open(&svc).await);
    assert_eq!(command(&svc, "닫아").await["understood"], true);
    assert!(!help_open(&svc).await, "close closes the help");
    let nothing = command(&svc, "닫아").await;
    assert_eq!(nothing["understood"], false, "nothing left to close: {nothing}");
    assert!(nothing["reason"].as_str().unwrap_or_default().contains("nothing is open"), "{nothing}");
    command(&svc, "what can I say").await;
    assert!(help_open(&svc).await);
    command(&svc, "show traffic in Mapo").await;
    assert!(!help_open(&svc).await, "another screen closes the help");

    // Every sentence the help offers, in both languages and on every page, is understood.
    for lang in ["ko", "en"] {
        for page in ["overview", "realtime", "opinion", "administration", "pledges"] {
            let (status, help) = call(&svc, get(&format!("/api/help?page={page}&lang={lang}"))).await;
            assert_eq!(status, StatusCode::OK, "{help}");
            let here = help["here"].as_array().cloned().unwrap_or_default();
            let anywhere = help["anywhere"].as_array().cloned().unwrap_or_default();
            assert!(here.len() >= 4 && anywhere.len() >= 4, "{page}/{lang}: {help}");
            assert!(help["gestures"].as_array().is_some_and(|g| g.len() >= 10), "{help}");
            for sentence in here.iter().chain(&anywhere).filter_map(Value::as_str) {
                let answer = svc.state.office.commands().answer(
                    svc.state.office.index(),
                    sentence,
                    Some(lang),
                    &mut Default::default(),
                );
                assert!(
                    answer.intent.is_some(),
                    "{page}/{lang}: the help offers “{sentence}”, not understood: {answer:?}"
                );
            }
        }
    }
    let (status, refused) = call(&svc, get("/api/help?page=../etc&lang=ko")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_screen_and_split_change_the_layout_and_say_so_when_there_is_nothing_to_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let layout = |svc: &scpm::service::Service| {
        let svc = svc.state.clone();
        async move { svc.office.display().expect("display").layout }
    };
    assert_eq!(layout(&svc).await, "split", "the map beside the page's data");
    let already = command(&svc, "split screen").await;
    assert_eq!(already["understood"], false, "{already}");
    assert!(already["reason"].as_str().unwrap_or_default().contains("side by side"), "{already}");
    assert_eq!(command(&svc, "full screen").await["understood"], true);
    assert_eq!(layout(&svc).await, "full_screen");
    assert_eq!(command(&svc, "닫아").await["understood"], true, "close ends the full screen");
    assert_eq!(layout(&svc).await, "split");
    command(&svc, "전체 화면").await;
    assert_eq!(command(&svc, "화면 나눠 줘").await["understood"], true);
    assert_eq!(layout(&svc).await, "split");
    svc.stop().await;
}
