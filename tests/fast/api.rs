//! The HTTP API through `app()` with no socket: rights, garbage input, and the intake path from
//! POST to durable store to search.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::app::{call, get, post, service, OFFICE};
use serde_json::Value;
use tower::ServiceExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_health() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let (status, body) = call(&svc, get("/api/search?q=%EA%B0%95%EB%82%A8%EA%B5%AC")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["hits"][0]["kind"], "district");
    assert_eq!(body["hits"][0]["key"], "11680");
    let (status, body) = call(&svc, get("/api/search?q=Mapo&kind=district")).await;
    assert_eq!((status, body["hits"][0]["key"].as_str()), (StatusCode::OK, Some("11440")));
    let (status, body) = call(&svc, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["index"]["docs"].as_u64().unwrap_or(0) > 1500, "{body}");
    let (status, body) = call(&svc, get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_str().unwrap_or_default().contains("scpm_searches_total 2"), "{body}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_gets_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let cases = [
        (get("/api/search?limit=many"), StatusCode::BAD_REQUEST, "limit"),
        (get("/api/search?q=x&district=gangnam"), StatusCode::BAD_REQUEST, "district"),
        (get(&format!("/api/search?q={}", "가".repeat(600))), StatusCode::BAD_REQUEST, "longer"),
        (get("/api/resolve?q=x&kind=spaceship"), StatusCode::BAD_REQUEST, "entity kind"),
        (get("/api/nothing"), StatusCode::NOT_FOUND, "README"),
        (post("/api/complaints", None, "{}"), StatusCode::UNAUTHORIZED, "Bearer"),
        (post("/api/complaints", Some("nope"), "{}"), StatusCode::FORBIDDEN, "token"),
        (post("/api/complaints", Some(common::INTAKE_TOKEN), "{not json"), StatusCode::BAD_REQUEST, "README"),
        (
            post(
                "/api/complaints",
                Some(common::INTAKE_TOKEN),
                r#"{"form":"complaint","category":"noise","district":"99999","text_ko":"x"}"#,
            ),
            StatusCode::BAD_REQUEST,
            "district",
        ),
        (
            post(
                "/api/complaints",
                Some(common::INTAKE_TOKEN),
                r#"{"form":"complaint","category":"noise","district":"11680"}"#,
            ),
            StatusCode::BAD_REQUEST,
            "text",
        ),
        (
            post(
                "/api/complaints",
                Some(common::INTAKE_TOKEN),
                r#"{"form":"rant","category":"noise","district":"11680","text_ko":"x"}"#,
            ),
            StatusCode::BAD_REQUEST,
            "form",
        ),
        (
            post(
                "/api/complaints",
                Some(common::INTAKE_TOKEN),
                &format!(
                    r#"{{"form":"complaint","category":"n","district":"11680","text_ko":"{}"}}"#,
                    "가".repeat(40_000)
                ),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
    ];
    for (req, expected, word) in cases {
        let uri = req.uri().to_string();
        let (status, body) = call(&svc, req).await;
        assert_eq!(status, expected, "{uri}: {body}");
        if !word.is_empty() {
            assert!(body["message"].as_str().unwrap_or_default().contains(word), "{uri}: {body}");
        }
    }
    // And the service still answers.
    assert_eq!(call(&svc, get("/healthz")).await.0, StatusCode::OK);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_complaint_is_stored_then_searchable_and_redacted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let body = r#"{"form":"complaint","category":"noise","district":"11440","text_ko":"망원동 공사장 굴착기 소음, 010-9876-5432로 연락 주세요","text_en":"excavator noise in Mangwon",
                   "citizen":{"name":"홍길동","phone":"010-1234-5678"}}"#;
    let (status, created) = call(&svc, post("/api/complaints", Some(common::INTAKE_TOKEN), body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    // Durable before acknowledged: a fresh connection to the store sees it now.
    let store = scpm::store::Store::open(&dir.path().join("store.sqlite")).expect("store");
    assert!(store.get("complaint", &id).expect("read").is_some());
    let mut found = None;
    for _ in 0..100 {
        let (_, body) = call(&svc, get("/api/search?q=%EA%B5%B4%EC%B0%A9%EA%B8%B0&kind=complaint")).await;
        if body["hits"][0]["key"] == id.as_str() {
            found = Some(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let found = found.expect("the complaint becomes searchable");
    assert!(!found.to_string().contains("홍길동"), "search never carries personal data");
    // The number the citizen wrote into the text is masked for the public, shown to the office.
    assert!(!found.to_string().contains("9876"), "the public snippet is masked: {found}");
    assert!(found["hits"][0]["snippet"].as_str().unwrap_or_default().contains("***-****-****"), "{found}");
    let office = common::app::get_as("/api/search?q=%EA%B5%B4%EC%B0%A9%EA%B8%B0&kind=complaint", OFFICE);
    let (_, office) = call(&svc, office).await;
    assert!(office.to_string().contains("010-9876-5432"), "the office reads the text as written: {office}");
    let (_, state) = call(&svc, get("/api/state")).await;
    assert!(state.to_string().contains(&id));
    assert!(!state.to_string().contains("010-1234-5678"), "state is redacted");
    assert!(!state.to_string().contains("9876"), "state's complaint text is masked for the public");
    let (_, state) = call(&svc, common::app::get_as("/api/state", OFFICE)).await;
    assert!(state.to_string().contains("010-9876-5432"), "the office's state is not masked");
    assert!(!state.to_string().contains("010-1234-5678"), "nor does it carry the citizen");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_office_sees_its_own_records_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "11680").await;
    for district in ["11680", "11440"] {
        let body = format!(
            r#"{{"form":"suggestion","category":"parks","district":"{district}","text_ko":"공원 벤치를 늘려 주세요"}}"#
        );
        assert_eq!(call(&svc, post("/api/complaints", Some(common::INTAKE_TOKEN), &body)).await.0, StatusCode::CREATED);
    }
    let mut districts = Vec::new();
    for _ in 0..100 {
        let (_, body) = call(&svc, get("/api/search?q=%EB%B2%A4%EC%B9%98&kind=suggestion")).await;
        districts =
            body["hits"].as_array().cloned().unwrap_or_default().iter().map(|h| h["district"].clone()).collect();
        if !districts.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(districts, [Value::from("11680")]);
    let (_, state) = call(&svc, get("/api/state")).await;
    assert_eq!(state["districts"].as_array().map(|d| d.len()), Some(1));
    // Entities stay city-wide: the district office can still name Mapo.
    let (_, body) = call(&svc, get("/api/search?q=Mapo&kind=district")).await;
    assert_eq!(body["hits"][0]["key"], "11440");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_commands_change_the_display_and_are_audited_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let (status, body) =
        call(&svc, post("/api/commands", Some(OFFICE), r#"{"text":"강남구 미세먼지 보여줘","channel":"voice"}"#)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["understood"], true);
    assert_eq!(body["actions"][0]["type"], "show");
    assert_eq!(body["actions"][0]["topic"], "air_quality");
    assert_eq!(body["actions"][0]["district"], "11680");
    let audit_id = body["audit_id"].as_i64().expect("audit id");
    let (_, display) = call(&svc, common::app::get_as("/api/display", OFFICE)).await;
    assert_eq!(
        (display["topic"].as_str(), display["district"].as_str()),
        (Some("air_quality"), Some("11680")),
        "{display}"
    );
    assert_eq!(display["version"], body["display_version"]);
    // Follow-up through the same office context.
    let (_, body) = call(&svc, post("/api/commands", Some(OFFICE), r#"{"text":"마포구는?"}"#)).await;
    assert_eq!(body["actions"][0]["district"], "11440", "{body}");
    // Not understood is answered and audited too.
    let (status, body) =
        call(&svc, post("/api/commands", Some(OFFICE), r#"{"text":"tell me a joke","lang":"en"}"#)).await;
    assert_eq!((status, body["understood"].as_bool()), (StatusCode::OK, Some(false)));
    // The audit row was durable before the answer: a fresh connection reads it.
    let store = scpm::store::Store::open(&dir.path().join("store.sqlite")).expect("store");
    let rows = store.audit_tail(10).expect("audit");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].input, "강남구 미세먼지 보여줘");
    assert_eq!((rows[2].channel.as_str(), rows[2].intent.as_str()), ("voice", "show_topic"));
    assert!(rows[0].outcome.starts_with("not understood"), "{:?}", rows[0]);
    assert!(audit_id > 0);
    let (status, body) = call(
        &svc,
        Request::get("/api/audit")
            .header("authorization", format!("Bearer {OFFICE}"))
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!((status, body["rows"].as_array().map(|r| r.len())), (StatusCode::OK, Some(3)));
    svc.stop().await;
}

/// "Thanks, bye" closes a call that is on the wall; with none, it is talk (a goodbye to a
/// visitor), answered as not a command. The server tells the commands whether a call is up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goodbye_hangs_up_only_while_a_call_is_on_the_wall() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let say =
        |text: &str| post("/api/commands", Some(OFFICE), &serde_json::json!({"text": text, "lang": "en"}).to_string());
    let (_, body) = call(&svc, say("thanks, bye")).await;
    assert_eq!(body["understood"], false, "{body}");
    assert!(body["reason"].as_str().unwrap_or_default().contains("no call is in progress"), "{body}");
    let (_, body) = call(&svc, say("call the mayor of Gangnam")).await;
    assert_eq!(body["actions"][0]["type"], "call", "{body}");
    let (_, display) = call(&svc, common::app::get_as("/api/display", OFFICE)).await;
    assert!(!display["call"].is_null(), "the call is on the wall: {display}");
    let (_, body) = call(&svc, say("thanks, bye")).await;
    assert_eq!(
        (body["understood"].as_bool(), body["actions"][0]["type"].as_str()),
        (Some(true), Some("hang_up")),
        "{body}"
    );
    let (_, display) = call(&svc, common::app::get_as("/api/display", OFFICE)).await;
    assert!(display["call"].is_null(), "the call is gone: {display}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_office_commands_and_garbage_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let long = format!(r#"{{"text":"{}"}}"#, "가".repeat(600));
    let cases = [
        (post("/api/commands", None, r#"{"text":"취소"}"#), StatusCode::UNAUTHORIZED),
        (post("/api/commands", Some("guess"), r#"{"text":"취소"}"#), StatusCode::FORBIDDEN),
        (post("/api/commands", Some(common::INTAKE_TOKEN), r#"{"text":"취소"}"#), StatusCode::FORBIDDEN),
        (post("/api/commands", Some(OFFICE), "garbage"), StatusCode::BAD_REQUEST),
        (post("/api/commands", Some(OFFICE), r#"{"txt":"typo"}"#), StatusCode::BAD_REQUEST),
        (post("/api/commands", Some(OFFICE), r#"{"text":"x","lang":"fr"}"#), StatusCode::BAD_REQUEST),
        (post("/api/commands", Some(OFFICE), r#"{"text":"x","channel":"telepathy"}"#), StatusCode::BAD_REQUEST),
        (post("/api/commands", Some(OFFICE), &long), StatusCode::BAD_REQUEST),
        (get("/api/audit"), StatusCode::UNAUTHORIZED),
    ];
    for (req, expected) in cases {
        let uri = req.uri().to_string();
        let (status, body) = call(&svc, req).await;
        assert_eq!(status, expected, "{uri}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    let store = scpm::store::Store::open(&dir.path().join("store.sqlite")).expect("store");
    assert!(store.audit_tail(10).expect("audit").is_empty(), "refused requests run no command");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_map_data_and_the_office_only_complaint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    for uri in ["/", "/public"] {
        let (status, body) = call(&svc, get(uri)).await;
        assert_eq!(status, StatusCode::OK);
        let html = body.as_str().unwrap_or_default();
        assert!(
            html.contains("/static/wall.js") && !html.contains("http://") && !html.contains("https://"),
            "no external resources: {uri}"
        );
    }
    let (status, body) = call(&svc, get("/static/wall.js")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_str().unwrap_or_default().contains("/ws/display"));
    let (_, geo) = call(&svc, get("/api/geo")).await;
    assert_eq!(geo["districts"].as_array().map(|d| d.len()), Some(25));
    assert!(geo["districts"][0]["boundary"][0][0].as_array().is_some_and(|ring| ring.len() > 10), "real polygons");
    assert!(geo["neighbourhoods"].as_array().is_some_and(|n| n.len() >= 400));

    let body = r#"{"form":"complaint","category":"noise","district":"11680","text_ko":"소음","citizen":{"name":"홍길동","phone":"010-1111-2222"}}"#;
    let (_, created) = call(&svc, post("/api/complaints", Some(common::INTAKE_TOKEN), body)).await;
    let id = created["id"].as_str().expect("id").to_string();
    let (status, body) = call(&svc, get(&format!("/api/complaints/{id}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the public never reads personal data: {body}");
    assert!(!body.to_string().contains("홍길동"));
    let with = |uri: &str, token: &str| {
        Request::get(uri).header("authorization", format!("Bearer {token}")).body(Body::empty()).expect("req")
    };
    let (status, _) = call(&svc, with(&format!("/api/complaints/{id}"), common::INTAKE_TOKEN)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the intake token does not read complaints");
    let (status, body) = call(&svc, with(&format!("/api/complaints/{id}"), OFFICE)).await;
    assert_eq!((status, body["citizen"]["name"].as_str()), (StatusCode::OK, Some("홍길동")));
    let (status, _) = call(&svc, with("/api/complaints/nope", OFFICE)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_is_rate_limited_and_the_office_is_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let mut limited = 0;
    for _ in 0..100 {
        let (status, body) = call(&svc, get("/api/search?q=Mapo&kind=district")).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
            assert!(body["message"].as_str().unwrap_or_default().contains("slow down"), "{body}");
        }
    }
    assert!(limited >= 20, "a burst of 100 public requests is cut after ~60: {limited} refused");
    // A token the service did not give out is the public's: guessing is limited too, and the
    // refusal says when to come back.
    let dir = tempfile::tempdir().expect("tempdir");
    let svc2 = service(dir.path(), "city").await;
    let (mut guesses_refused, mut retry_after) = (0, None);
    for (i, _) in (0..150).enumerate() {
        let req = if i % 2 == 0 {
            Request::post("/api/commands")
                .header("authorization", format!("Bearer wrong-{i}"))
                .header("content-type", "application/json")
                .body(Body::from(r#"{"text":"교통 보여줘"}"#))
        } else {
            Request::get(format!("/api/search?q=Mapo&kind=district&token=junk{i}")).body(Body::empty())
        };
        let resp = scpm::server::app(svc2.state.clone()).oneshot(req.expect("req")).await.expect("response");
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            guesses_refused += 1;
            retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(String::from);
        } else {
            assert!(matches!(resp.status(), StatusCode::FORBIDDEN | StatusCode::OK), "{}", resp.status());
        }
    }
    assert!(guesses_refused >= 50, "150 requests with made-up tokens: {guesses_refused} refused");
    assert_eq!(retry_after.as_deref(), Some("1"));
    svc2.stop().await;
    for _ in 0..100 {
        let req = Request::get("/api/display")
            .header("authorization", format!("Bearer {OFFICE}"))
            .body(Body::empty())
            .expect("req");
        assert_eq!(call(&svc, req).await.0, StatusCode::OK, "the office is never limited");
    }
    svc.stop().await;
}

/// Behind the reverse proxy, every request comes from the proxy's address: the clients it
/// names in `X-Forwarded-For` get a bucket each — and only when the proxy is a trusted one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_behind_a_trusted_proxy_are_limited_each_and_forged_headers_are_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = scpm::config::Config::default();
    config.paths.data_dir = common::data_dir();
    config.paths.index_dir = dir.path().join("index");
    config.paths.store = dir.path().join("store.sqlite");
    config.simulator.enabled = false;
    config.server.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    let svc = scpm::service::Service::start(config).await.expect("service");
    let from = |peer: &str, forwarded: &str| {
        let mut req = Request::get("/api/search?q=Mapo&kind=district").body(Body::empty()).expect("req");
        let peer: std::net::SocketAddr = format!("{peer}:40000").parse().expect("addr");
        req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        if !forwarded.is_empty() {
            req.headers_mut().insert("x-forwarded-for", forwarded.parse().expect("header"));
        }
        req
    };
    let limited = |statuses: Vec<StatusCode>| statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    // 100 requests through the proxy from five clients: 20 each, within every client's burst.
    let mut statuses = Vec::new();
    for i in 0..100 {
        statuses.push(call(&svc, from("127.0.0.1", &format!("203.0.113.{}", i % 5))).await.0);
    }
    assert_eq!(limited(statuses), 0, "five clients behind the proxy are five buckets");
    // One client through the proxy bursting 100: cut after its 60.
    let mut statuses = Vec::new();
    for _ in 0..100 {
        statuses.push(call(&svc, from("127.0.0.1", "198.51.100.1")).await.0);
    }
    assert!(limited(statuses) >= 30, "one client behind the proxy is limited");
    // An address that is not the proxy cannot name other clients to dodge the limit.
    let mut statuses = Vec::new();
    for i in 0..100 {
        statuses.push(call(&svc, from("192.0.2.50", &format!("203.0.113.{i}"))).await.0);
    }
    assert!(limited(statuses) >= 30, "a forged X-Forwarded-For is ignored");
    svc.stop().await;
}

/// What the public may ask is bounded: known kinds only (each once), a query of a phrase, not a
/// page; the refusal names the problem and the fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_queries_are_bounded_and_refusals_say_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let made_up: Vec<String> = (0..50).map(|i| format!("kind{i}")).collect();
    let (status, body) = call(&svc, get(&format!("/api/search?q=Mapo&kind={}", made_up.join(",")))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("kind0") && m.contains("district")), "{body}");
    let (status, body) = call(&svc, get("/api/search?q=Mapo&kind=district,district,complaint")).await;
    assert_eq!(status, StatusCode::OK, "known kinds, repeated, are fine: {body}");
    let long = "가".repeat(201);
    for path in ["/api/search", "/api/resolve"] {
        let (status, body) = call(&svc, get(&format!("{path}?q={long}"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("at most 200")), "{body}");
    }
    let (status, body) = call(&svc, get("/api/resolve?q=Mapo&kind=trend")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "records are not resolved as entities: {body}");
    svc.stop().await;
}

/// Every answer says not to sniff, not to send a referrer and not to be framed; an answer to a
/// request with a token is not cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_carry_guard_headers_and_office_answers_are_not_cached() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    for (req, private) in [(get("/public"), false), (common::app::get_as("/api/display", OFFICE), true)] {
        let resp = scpm::server::app(svc.state.clone()).oneshot(req).await.expect("response");
        let h = resp.headers();
        assert_eq!(h.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
        assert_eq!(h.get("referrer-policy").and_then(|v| v.to_str().ok()), Some("no-referrer"));
        assert!(h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("frame-ancestors 'none'")));
        assert_eq!(h.get("cache-control").and_then(|v| v.to_str().ok()) == Some("no-store"), private);
    }
    // The pages load nothing from elsewhere.
    let page = scpm::server::app(svc.state.clone()).oneshot(get("/")).await.expect("response");
    let policy = page.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(policy.contains("script-src 'self'") && policy.contains("default-src 'self'"), "{policy}");
    // A page of another site cannot open the wall's socket, even with the token.
    let socket = |origin: &str| {
        Request::get(format!("/ws/display?token={OFFICE}"))
            .header("host", "127.0.0.1:8080")
            .header("origin", origin)
            .body(Body::empty())
            .expect("request")
    };
    let (status, body) = call(&svc, socket("http://evil.example")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("Origin"), "{body}");
    let (status, _) = call(&svc, socket("http://127.0.0.1:8080")).await;
    assert_ne!(status, StatusCode::FORBIDDEN, "the wall's own page is let through to the upgrade");
    svc.stop().await;
}

/// The server's own accept loop: a client that does not finish its request headers in time is
/// disconnected (slow headers do not hold connections open), while a whole request is answered
/// on the same server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = scpm::server::app(svc.state.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(scpm::server::serve(listener, app, std::time::Duration::from_millis(500), async {
        let _ = stopped.await;
    }));

    let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("half the headers");
    let mut whole = tokio::net::TcpStream::connect(addr).await.expect("connect");
    whole.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.expect("a request");
    let mut answer = String::new();
    whole.read_to_string(&mut answer).await.expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let mut rest = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the slow client is disconnected, not left waiting");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"), "no answer to half a request");
    let _ = stop.send(());
    tokio::time::timeout(std::time::Duration::from_secs(15), server).await.expect("shuts down").expect("serve");
}

/// Every refusal is in the one JSON shape, the framework's own included, and a body that is not
/// JSON is refused as such (415).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let plain = Request::post("/api/commands")
        .header("authorization", format!("Bearer {OFFICE}"))
        .header("content-type", "text/plain")
        .body(Body::from("show traffic"))
        .expect("request");
    let refusals = [
        (get("/static/%FF"), None),
        (common::app::get_as("/api/cctv/x/frame?token=a&token=b", OFFICE), None),
        (get(&format!("/ws/display?token={OFFICE}")), None),
        (Request::delete("/api/search").body(Body::empty()).expect("request"), Some(StatusCode::METHOD_NOT_ALLOWED)),
        (plain, Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)),
    ];
    for (req, want) in refusals {
        let uri = req.uri().to_string();
        let (status, content_type, bytes) = common::app::call_raw(&svc, req).await;
        assert!(status.is_client_error(), "{uri}: {status}");
        if let Some(want) = want {
            assert_eq!(status, want, "{uri}");
        }
        assert!(content_type.starts_with("application/json"), "{uri}: {content_type}");
        let body: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert!(body["error"].is_string() && !body["message"].as_str().unwrap_or_default().is_empty(), "{uri}: {body}");
    }
    svc.stop().await;
}
