//! The command language end to end: every example of both grammars, the issue's sentences,
//! out-of-domain speech, cancel priority, conversational context and call confirmation.

use crate::common;

use proptest::prelude::*;
use scpm::action::Action;
use scpm::commands::{Answer, Commands};
use scpm::index::CityIndex;
use scpm::intent::{Matcher, Outcome};
use scpm::resolve::Context;
use std::sync::OnceLock;

struct World {
    commands: Commands,
    index: CityIndex,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let city = common::city();
        let dir = tempfile::tempdir().expect("tempdir");
        let (_store, index, _writer) = common::index_in(dir.path(), &city);
        let commands = Commands::load(&city, &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("grammars"), true)
            .expect("grammars load");
        World { commands, index, _dir: dir }
    })
}

fn ask(text: &str, lang: Option<&str>, ctx: &mut Context) -> Answer {
    world().commands.answer(&world().index, text, lang, ctx)
}

fn ask1(text: &str) -> Answer {
    ask(text, None, &mut Context::default())
}

#[test]
fn every_example_sentence_parses_to_its_command() {
    for lang in ["ko", "en"] {
        let matcher = world().commands.matcher(lang).expect("matcher");
        let failures = matcher.check_examples();
        assert!(failures.is_empty(), "{lang}: {} failures, first: {:?}", failures.len(), failures.first());
    }
}

#[test]
fn each_language_has_at_least_200_templates_and_no_repeated_sentence() {
    for lang in ["ko", "en"] {
        let g = world().commands.matcher(lang).expect("matcher").grammar();
        assert!(g.template_count() >= 200, "{lang}: {} templates", g.template_count());
        let mut seen = std::collections::HashMap::new();
        for c in &g.commands {
            for t in &c.def.templates {
                if let Some(other) = seen.insert(t.clone(), c.file.clone()) {
                    panic!("{lang}: template `{t}` appears in {other} and {}", c.file);
                }
            }
            for e in &c.def.examples {
                assert!(!e.text.trim().is_empty());
            }
        }
    }
}

#[test]
fn the_issue_sentences() {
    let a = ask1("강남구 미세먼지 보여줘");
    assert!(a.understood, "{a:?}");
    assert!(
        matches!(&a.actions[..], [Action::Show { topic, district: Some(d), .. }] if topic == "air_quality" && d == "11680"),
        "{a:?}"
    );
    let a = ask("get me the director of transportation", Some("en"), &mut Context::default());
    assert!(
        matches!(&a.actions[..], [Action::Call { official, .. }] if official.id == "transportation" && official.department_en.contains("Transportation")),
        "{a:?}"
    );
    let a = ask1("여성 고용률 보여줘");
    assert!(
        matches!(&a.actions[..], [Action::Show { indicator: Some(i), .. }] if i == "womens_employment_rate"),
        "{a:?}"
    );
    let a = ask1("민원 중에 소음 관련 찾아줘");
    assert!(matches!(&a.actions[..], [Action::Search { query, .. }] if query == "소음"), "{a:?}");
    let a = ask("search complaints about noise", Some("en"), &mut Context::default());
    assert!(matches!(&a.actions[..], [Action::Search { query, .. }] if query == "noise"), "{a:?}");
}

#[test]
fn out_of_domain_speech_is_not_understood() {
    for text in [
        "오늘 점심 뭐 먹지",
        "배고파",
        "회의가 몇 시였지",
        "이번 주말에 뭐 할까",
        "커피 한 잔 하실래요",
        "어제 축구 봤어",
        "아 진짜 피곤하다",
        "그 영화 재밌더라",
    ] {
        let a = ask(text, Some("ko"), &mut Context::default());
        assert!(!a.understood && a.actions.is_empty(), "{text:?} → {a:?}");
        assert!(a.reason.is_some());
    }
    for text in [
        "tell me a joke",
        "what's for lunch",
        "I am so tired today",
        "did you watch the game last night",
        "let's grab a coffee",
        "the meeting was moved to three",
        "my cat is sick",
        "sing me a song",
    ] {
        let a = ask(text, Some("en"), &mut Context::default());
        assert!(!a.understood && a.actions.is_empty(), "{text:?} → {a:?}");
    }
}

#[test]
fn not_understood_is_deterministic_and_empty_input_is_handled() {
    for text in ["", "   ", "!!!", "😀😀", "\u{0}"] {
        let a = ask1(text);
        assert!(!a.understood, "{text:?}");
        assert_eq!(a, ask1(text));
    }
}

#[test]
fn cancel_wins_wherever_it_is_said() {
    for text in ["강남구 미세먼지 보여줘 아니 취소", "취소", "교통실장 연결 아 됐어"] {
        let a = ask(text, Some("ko"), &mut Context::default());
        assert_eq!(a.intent.as_deref(), Some("cancel"), "{text:?} → {a:?}");
        assert_eq!(a.actions, [Action::Cancel]);
    }
    let a = ask("show traffic in Mapo never mind", Some("en"), &mut Context::default());
    assert_eq!(a.actions, [Action::Cancel]);
}

#[test]
fn follow_ups_keep_the_topic_and_change_the_place() {
    let mut ctx = Context::default();
    ask("강남구 미세먼지 보여줘", None, &mut ctx);
    let a = ask("마포구는?", None, &mut ctx);
    assert!(
        matches!(&a.actions[..], [Action::Show { topic, district: Some(d), .. }] if topic == "air_quality" && d == "11440"),
        "{a:?}"
    );
    let mut ctx = Context::default();
    ask("show the women's employment rate in Gangnam", Some("en"), &mut ctx);
    let a = ask("and Mapo?", Some("en"), &mut ctx);
    assert!(
        matches!(&a.actions[..], [Action::Show { indicator: Some(i), district: Some(d), .. }] if i == "womens_employment_rate" && d == "11440"),
        "{a:?}"
    );
    let a = ask("마포구는", None, &mut Context::default());
    assert!(!a.understood && a.reason.unwrap_or_default().contains("nothing is on the wall"));
}

#[test]
fn calls_wait_for_confirmation() {
    let mut ctx = Context::default();
    let a = ask("교통실장 연결해", None, &mut ctx);
    assert!(matches!(&a.actions[..], [Action::Call { needs_confirmation: true, .. }]), "{a:?}");
    let a = ask("네", None, &mut ctx);
    assert!(
        matches!(&a.actions[..], [Action::Confirm, Action::Call { needs_confirmation: false, official }] if official.id == "transportation"),
        "{a:?}"
    );
    let mut ctx = Context::default();
    ask("call the mayor of Gangnam", Some("en"), &mut ctx);
    let a = ask("no", Some("en"), &mut ctx);
    assert_eq!(a.actions, [Action::Cancel]);
    assert!(ctx.pending_call.is_none());
    // With nothing waiting for an answer, "no" is talk, not a command.
    let a = ask("no", Some("en"), &mut ctx);
    assert!(!a.understood && a.reason.as_deref().is_some_and(|r| r.contains("nothing is waiting")), "{a:?}");
    assert!(!ask("아니요", Some("ko"), &mut Context::default()).understood);
}

#[test]
fn small_recognition_errors_are_tolerated() {
    for (text, district) in [("show me the air quality in Gannam", "11680"), ("show me air qualty in Mapo", "11440")] {
        let a = ask(text, Some("en"), &mut Context::default());
        assert!(
            matches!(&a.actions[..], [Action::Show { topic, district: Some(d), .. }] if topic == "air_quality" && d == district),
            "{text} → {a:?}"
        );
    }
    let a = ask("강남구 미세 먼지 보여 줘", Some("ko"), &mut Context::default());
    assert!(matches!(&a.actions[..], [Action::Show { topic, .. }] if topic == "air_quality"), "{a:?}");
}

#[test]
fn a_place_and_a_topic_said_without_an_action_are_shown() {
    for (text, want_topic, want_district) in
        [("강남구 교통", "traffic", "11680"), ("종로구 민원", "complaints", "11110")]
    {
        let a = ask(text, Some("ko"), &mut Context::default());
        assert!(
            matches!(&a.actions[..], [Action::Show { topic, district: Some(d), .. }] if topic == want_topic && d == want_district),
            "{text} → {a:?}"
        );
    }
    // A long line with a place and a topic in it and no request is talk.
    let a = ask("어제 강남구 교통 때문에 회의에 한참 늦었잖아", Some("ko"), &mut Context::default());
    assert!(a.actions.is_empty(), "{a:?}");
}

#[test]
fn a_request_in_a_clause_of_its_own_with_a_remark_around_it() {
    for (text, lang, intent) in [
        ("that's enough, hang up", "en", "hang_up"),
        ("Zoom out, I can't see the whole map.", "en", "zoom"),
        ("축소해 줘 전체가 안 보여", "ko", "zoom"),
    ] {
        let a = ask(text, Some(lang), &mut Context::default());
        assert_eq!(a.intent.as_deref(), Some(intent), "{text} → {a:?}");
    }
    // A command inside dictation, or inside what someone else wrote, is not for the wall.
    for (text, lang) in [
        ("Take this down. First, strengthen flood inspections along the streams, then the drains", "en"),
        ("그 사람이 이렇게 말했어요, 지도 축소해 줘", "ko"),
    ] {
        let a = ask(text, Some(lang), &mut Context::default());
        assert!(a.actions.is_empty(), "{text} → {a:?}");
    }
}

#[test]
fn what_was_named_outweighs_a_guess() {
    // An indicator named outright, not a topic guessed from the other words.
    let a = ask("What's Mapo's recycling rate?", Some("en"), &mut Context::default());
    assert!(
        matches!(&a.actions[..], [Action::Show { indicator: Some(i), district: Some(d), .. }] if i == "recycling_rate" && d == "11440"),
        "{a:?}"
    );
    // A district's mayor, said with the district's possessive.
    let a = ask("call Dongdaemun's mayor", Some("en"), &mut Context::default());
    assert_eq!(a.intent.as_deref(), Some("call"), "{a:?}");
    assert!(format!("{:?}", a.actions).contains("mayor_dongdaemun"), "{a:?}");
    // A call asked for after a question about who handles something.
    let a = ask("공원 담당 누구야? 연결해 줘", Some("ko"), &mut Context::default());
    assert!(format!("{:?}", a.actions).contains("parks_leisure"), "{a:?}");
    // A pledge on a subject that is also an indicator's name is the pledges.
    let a = ask("youth housing pledge, how far along", Some("en"), &mut Context::default());
    assert!(matches!(&a.actions[..], [Action::Show { topic, .. }] if topic == "pledges"), "{a:?}");
    // A Korean topic word inside English is English, and heard; English words inside Korean
    // are Korean.
    let a = ask1("Pull up the 교통 numbers");
    assert_eq!(a.lang, "en");
    assert!(matches!(&a.actions[..], [Action::Show { topic, .. }] if topic == "traffic"), "{a:?}");
    assert_eq!(ask1("강서 air quality 좀").lang, "ko");
}

fn matchers() -> [&'static Matcher; 2] {
    [world().commands.matcher("ko").expect("ko"), world().commands.matcher("en").expect("en")]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_unicode_never_panics(text in "\\PC{0,80}") {
        for m in matchers() {
            let first = m.parse(&text);
            prop_assert_eq!(&first, &m.parse(&text));
            if let Outcome::Understood(i) = first {
                prop_assert!(i.confidence >= scpm::intent::ACCEPT - 0.2);
            }
        }
    }

    #[test]
    fn command_words_in_any_order_never_panic(words in proptest::collection::vec(prop_oneof![
        Just("강남구"), Just("미세먼지"), Just("보여줘"), Just("취소"), Just("교통실장"), Just("연결해"), Just("민원"),
        Just("show"), Just("air"), Just("quality"), Just("in"), Just("Mapo"), Just("call"), Just("never"), Just("mind"),
    ], 0..12)) {
        let text = words.join(" ");
        let _ = ask1(&text);
    }
}

#[test]
fn a_command_that_contains_a_cancel_word_is_not_cancel() {
    assert_eq!(ask1("실행 취소").actions, [Action::Undo]);
    assert_eq!(ask1("실행 취소 아니 됐어").actions, [Action::Cancel]);
}

#[test]
fn particles_after_names_and_queries() {
    let a = ask1("교통실장이랑 통화하자");
    assert!(matches!(&a.actions[..], [Action::Call { official, .. }] if official.id == "transportation"), "{a:?}");
    let a = ask1("민원 중에 청년 창업에 관련된 거 찾아줘");
    assert!(matches!(&a.actions[..], [Action::Search { query, .. }] if query == "청년 창업"), "{a:?}");
    let a = ask1("자전거 도로 관련 시민 제안 검색해 줘");
    assert!(matches!(&a.actions[..], [Action::Search { query, .. }] if query == "자전거 도로"), "{a:?}");
}

#[test]
fn names_inside_a_query_do_not_swallow_the_district() {
    for (text, query) in [
        ("any complaints about traffic in Gangnam", "traffic"),
        ("are there any ideas for more green space in Guro", "more green space"),
    ] {
        let a = ask(text, Some("en"), &mut Context::default());
        let Some(Action::Search { query: q, district: Some(d), .. }) = a.actions.first() else {
            panic!("{text} → {a:?}")
        };
        assert_eq!(q, query, "{text}");
        assert!(d == "11680" || d == "11530", "{text} → {d}");
    }
}

/// Spoken English gets its edges trimmed when the whole transcript is not a command: a
/// recognizer's tail ("…, a little bit of") or misheard first word no longer loses the command,
/// and office small talk still is not one.
#[test]
fn spoken_english_is_trimmed_at_the_edges_and_small_talk_stays_talk() {
    let spoken = |text: &str| world().commands.answer_spoken(&world().index, text, Some("en"), &mut Context::default());
    for (text, intent) in [
        ("show me the traffic in Gangnam, a little bit of", "show_topic"),
        ("Brewer show me the air quality in Mapo", "show_topic"),
        ("call the mayor of Gangnam and then some more", "call"),
        // Two words before the command: "I have a…" heard where a grammar says "can I have a…".
        ("oh well show me the air quality in Mapo", "show_topic"),
    ] {
        // Typed text is never trimmed; read whole, its names may still say what is asked.
        let typed = ask(text, Some("en"), &mut Context::default());
        assert!(
            !typed.understood || (typed.intent.as_deref() == Some(intent) && typed.confidence < 0.9),
            "typed: {text} → {:?}",
            typed.intent
        );
        let heard = spoken(text);
        assert!(heard.understood, "{text}: {:?}", heard.reason);
        assert_eq!(heard.intent.as_deref(), Some(intent), "{text}");
        assert!(heard.confidence < 1.0, "a trimmed answer is less sure");
    }
    let text = std::fs::read_to_string(common::data_dir().join("voice/out_of_domain.toml")).expect("file");
    let table: toml::Table = toml::from_str(&text).expect("toml");
    let english = table["en"].as_array().expect("en list");
    assert!(english.len() >= 10);
    for sentence in english.iter().filter_map(|s| s.as_str()) {
        let heard = spoken(sentence);
        assert!(!heard.understood, "small talk taken for a command: “{sentence}” → {:?}", heard.actions);
    }
}

/// What the indicator, the place or the person is, when the request says it in other words than
/// a name, takes a name back, or names a person and nothing else.
#[test]
fn indicators_in_other_words_corrections_and_people_named_alone() {
    let shows = |text: &str, want: &str, place: &str| {
        let a = ask1(text);
        assert!(
            matches!(&a.actions[..], [Action::Show { indicator: Some(i), district: Some(d), .. }] if i == want && d == place),
            "{text}: {a:?}"
        );
    };
    shows("what percentage of small shops shut down in Jung-gu", "small_business_closure_rate", "11140");
    shows("종로 자영업자들 가게 접는 비율 요즘 어때", "small_business_closure_rate", "11110");
    shows("what share of women are working in Mapo", "womens_employment_rate", "11440");
    // A topic's own words stay the topic ("주민 제안" is the suggestions, not an indicator).
    let a = ask1("동작구 주민 제안 띄워 봐");
    assert!(matches!(&a.actions[..], [Action::Show { topic, indicator: None, .. }] if topic == "suggestions"), "{a:?}");
    // The name taken back is not the one shown.
    for (text, place) in
        [("동작 아니 동대문 CCTV 영상 틀어 줘", "11230"), ("traffic in Songpa, no wait, Gangnam", "11680")]
    {
        let a = ask1(text);
        assert!(matches!(&a.actions[..], [Action::Show { district: Some(d), .. }] if d == place), "{text}: {a:?}");
    }
    // An official named alone is a call that waits for a yes.
    let a = ask1("강남 구청장님");
    assert!(
        matches!(&a.actions[..], [Action::Call { official, needs_confirmation: true }] if official.id == "mayor_gangnam"),
        "{a:?}"
    );
    // Talk that names a topic and a place stays talk.
    for text in [
        "마포구는 금요일마다 교통이 진짜 최악이에요.",
        "Hi, is this the Seocho-gu office? I'm calling from the mayor's secretariat.",
    ] {
        let a = ask1(text);
        assert!(!a.understood, "{text}: {a:?}");
    }
}

/// Requests said around their context, names with their suffixes, groups with their own
/// indicators, and talk about schedules and plans.
#[test]
fn context_suffixes_groups_and_schedules() {
    let shows = |text: &str, topic_want: &str, place: Option<&str>| {
        let a = ask1(text);
        assert!(
            matches!(&a.actions[..], [Action::Show { topic, district, .. }]
                if topic == topic_want && district.as_deref() == place),
            "{text}: {a:?}"
        );
    };
    // A request that names nothing asks for what its context named; a place of the context holds.
    shows("송파 쪽에 사고 났다던데 그거 좀 띄워 봐", "incidents", Some("11710"));
    shows("이따 강서 가야 되는데 거기 길 많이 막히나 봐 줘", "traffic", Some("11500"));
    shows("I was told the air is terrible in Guro today, put it up on the screen", "air_quality", Some("11530"));
    shows(
        "we're meeting the Nowon team at four, so could you show me the whole picture for Nowon",
        "overview",
        Some("11350"),
    );
    // A name said as an everyday topic word is the screen, unless a figure is asked for.
    shows("지금 강북 미세먼지 얼마나 나와", "air_quality", Some("11305"));
    // Titles with 님, people in the plural.
    let a = ask1("2부시장님 좀 연결해 줘");
    assert!(matches!(&a.actions[..], [Action::Call { official, .. }] if official.id == "second_vice_mayor"), "{a:?}");
    let a = ask1("강동에 어르신들 일하는 비율 어때?");
    assert!(
        matches!(&a.actions[..], [Action::Show { indicator: Some(i), district: Some(d), .. }]
            if i == "senior_employment_rate" && d == "11740"),
        "{a:?}"
    );
    // A person got is a call; what is theirs is not.
    let a = ask1("could you get the head of the fire department for me");
    assert!(matches!(&a.actions[..], [Action::Call { .. }]), "{a:?}");
    for text in [
        "Can you get the deputy mayor's car ready?",
        "What time is the budget briefing?",
        "내일 교통 대책 회의 몇 시지?",
        "Let's look at the pledge numbers tomorrow morning.",
        "시장님이 아까 전화 주셨었나요?",
        "인구 통계 초안 다 됐어?",
    ] {
        let a = ask1(text);
        assert!(!a.understood, "{text}: {a:?}");
    }
}
