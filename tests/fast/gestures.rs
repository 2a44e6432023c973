//! The 17 gestures on landmark sequences (generated hands: near and far, turned, either hand,
//! a second person), through the landmarks reader and the recognizer, as `scpm gestures
//! --landmarks` runs them.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::hands::{self, clip, frame, hand, Place, Shape};
use scpm::gesture::{read_landmarks, Catalog, Event, Recognizer, Side};

fn recognize(lines: &[String]) -> Vec<Event> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hands.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let frames = read_landmarks(&path).unwrap();
    let mut recognizer = Recognizer::new(Catalog::load(&Catalog::default_path()).unwrap(), false);
    frames.iter().flat_map(|f| recognizer.feed(f).events).collect()
}

fn names(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.gesture.clone()).collect()
}

/// A pose held still for a second, after a moment of no hand.
fn held(shape: Shape, place: Place) -> Vec<String> {
    let mut lines = vec![frame(0, vec![])];
    lines.extend(clip(100, 1000, |_| vec![hand(shape, place)]));
    lines.extend(clip(1100, 400, |_| vec![]));
    lines
}

const NEAR: f32 = 110.0;
const FAR: f32 = 28.0;

fn static_cases() -> Vec<(&'static str, Shape, f32)> {
    vec![
        ("open_palm", hands::OPEN, 0.0),
        ("fist", hands::FIST, 0.0),
        ("point", hands::POINT, 0.0),
        ("victory", hands::VICTORY, 0.0),
        ("three", hands::THREE, 0.0),
        ("call", hands::CALL, 0.0),
        ("ok", hands::OK, 0.0),
        // A thumb up is a fist turned on its side: the thumb points at the ceiling.
        ("thumbs_up", hands::THUMB, 40.0),
        ("thumbs_down", hands::THUMB, 220.0),
    ]
}

#[test]
fn every_static_gesture_near_and_far_with_either_hand_fires_once() {
    for (name, shape, turn) in static_cases() {
        for size in [NEAR, FAR] {
            for label in ["Left", "Right"] {
                // Either hand: the right hand's pose is the left's mirror image.
                let turn = if label == "Right" { -turn } else { turn };
                let place = Place { turn, label, ..Place::at(320.0, 260.0, size) };
                let events = recognize(&held(shape, place));
                // A fist fires when it opens (with how far it moved the map): here, at the end.
                assert_eq!(names(&events), vec![name.to_string()], "{name} size {size} {label}: {events:?}");
                let side = if label == "Left" { Side::Right } else { Side::Left };
                assert_eq!(events[0].hand, side, "{name}: MediaPipe's {label} is the person's other hand");
                assert!(events[0].confidence >= 0.5, "{name}: {events:?}");
            }
        }
    }
}

#[test]
fn static_gestures_hold_when_the_hand_is_turned() {
    for (name, shape, _) in static_cases().into_iter().filter(|(n, _, _)| !n.starts_with("thumbs")) {
        for turn in [-30.0, 30.0] {
            let place = Place { turn, ..Place::at(300.0, 250.0, 80.0) };
            let events = recognize(&held(shape, place));
            assert_eq!(names(&events), vec![name.to_string()], "{name} turned {turn}°");
        }
    }
}

#[test]
fn a_pose_held_long_fires_once_and_a_passing_pose_not_at_all() {
    let place = Place::at(320.0, 240.0, 90.0);
    let mut lines: Vec<String> = clip(0, 3000, |_| vec![hand(hands::VICTORY, place)]);
    assert_eq!(names(&recognize(&lines)), vec!["victory"]);
    // 150 ms of a pose (less than its hold time) between two others is not a gesture.
    lines = clip(0, 500, |_| vec![hand(hands::OPEN, place)]);
    lines.extend(clip(500, 150, |_| vec![hand(hands::VICTORY, place)]));
    lines.extend(clip(650, 200, |_| vec![]));
    assert!(recognize(&lines).is_empty(), "{:?}", recognize(&lines));
}

fn moving(shape: Shape, size: f32, from: (f32, f32), to: (f32, f32), ms: u64) -> Vec<String> {
    let mut lines = vec![frame(0, vec![])];
    lines.extend(clip(100, ms, |p| {
        let place = Place::at(from.0 + (to.0 - from.0) * p, from.1 + (to.1 - from.1) * p, size);
        vec![hand(shape, place)]
    }));
    lines.push(frame(200 + ms, vec![]));
    lines
}

#[test]
fn swipes_go_the_persons_way_near_and_far() {
    // The camera faces the person: their left is the image's right (+x).
    for size in [NEAR, FAR] {
        let d = size * 2.5;
        let cases = [
            ("swipe_left", (320.0 - d / 2.0, 240.0), (320.0 + d / 2.0, 240.0)),
            ("swipe_right", (320.0 + d / 2.0, 240.0), (320.0 - d / 2.0, 240.0)),
            ("swipe_up", (320.0, 240.0 + d / 2.0), (320.0, 240.0 - d / 2.0)),
            ("swipe_down", (320.0, 240.0 - d / 2.0), (320.0, 240.0 + d / 2.0)),
        ];
        for (name, from, to) in cases {
            let events = recognize(&moving(hands::OPEN, size, from, to, 400));
            assert_eq!(names(&events), vec![name], "size {size}: {events:?}");
        }
    }
    // Too short a move is no swipe.
    let events = recognize(&moving(hands::OPEN, NEAR, (300.0, 240.0), (300.0 + NEAR * 0.8, 240.0), 400));
    assert!(events.iter().all(|e| !e.gesture.starts_with("swipe")), "{events:?}");
}

#[test]
fn mirrored_input_swaps_the_direction() {
    let lines = moving(hands::OPEN, NEAR, (200.0, 240.0), (480.0, 240.0), 400);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hands.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let mut recognizer = Recognizer::new(Catalog::load(&Catalog::default_path()).unwrap(), true);
    let events: Vec<Event> = read_landmarks(&path).unwrap().iter().flat_map(|f| recognizer.feed(f).events).collect();
    assert_eq!(names(&events), vec!["swipe_right"]);
}

fn pinch(closing: bool, size: f32) -> Vec<String> {
    let place = Place::at(320.0, 240.0, size);
    let (first, last) =
        if closing { (hands::PINCH_OPEN, hands::PINCH_CLOSED) } else { (hands::PINCH_CLOSED, hands::PINCH_OPEN) };
    let mut lines = clip(0, 200, |_| vec![hand(first, place)]);
    lines.extend(clip(200, 400, |p| {
        // Thumb and index move together; the other fingers stay curled.
        let mix = |a: f32, b: f32| a + (b - a) * p;
        let mut shape = first;
        for f in 0..5 {
            shape.curl[f] = mix(first.curl[f], last.curl[f]);
        }
        shape.touch = if closing { p > 0.8 } else { p < 0.2 };
        vec![hand(shape, place)]
    }));
    lines.extend(clip(600, 100, |_| vec![hand(last, place)]));
    lines
}

#[test]
fn pinches_in_and_out_near_and_far() {
    // The open pinch is a pointing hand (thumb out): it may first put the cursor up ("point",
    // which does nothing else); the pinch still comes.
    let moves = |events: Vec<Event>| names(&events).into_iter().filter(|n| n != "point").collect::<Vec<_>>();
    for size in [NEAR, FAR] {
        assert_eq!(moves(recognize(&pinch(true, size))), vec!["pinch_in"], "size {size}");
        assert_eq!(moves(recognize(&pinch(false, size))), vec!["pinch_out"], "size {size}");
    }
}

#[test]
fn a_pointing_finger_drawing_a_circle() {
    for size in [NEAR, FAR] {
        let r = size * 0.9;
        let mut lines = vec![frame(0, vec![])];
        lines.extend(clip(100, 1500, |p| {
            let a = p * std::f32::consts::TAU * 1.05;
            vec![hand(hands::POINT, Place::at(320.0 + r * a.cos(), 240.0 + r * a.sin(), size))]
        }));
        assert_eq!(names(&recognize(&lines)), vec!["circle"], "size {size}");
    }
}

#[test]
fn a_wave_is_a_wave_not_swipes_nor_an_open_palm() {
    for size in [NEAR, FAR] {
        let mut lines = vec![frame(0, vec![])];
        lines.extend(clip(100, 1600, |p| {
            let x = 320.0 + size * 0.5 * (p * std::f32::consts::TAU * 2.5).sin();
            vec![hand(hands::OPEN, Place::at(x, 240.0, size))]
        }));
        assert_eq!(names(&recognize(&lines)), vec!["wave"], "size {size}");
    }
}

#[test]
fn a_second_persons_hand_is_ignored_while_the_first_is_locked() {
    // The mayor's hand (near, large) holds still; someone behind (smaller) swipes.
    let mayor = Place::at(200.0, 260.0, 100.0);
    let mut lines = clip(0, 400, |_| vec![hand(hands::FIST, mayor)]);
    lines.extend(clip(400, 400, |p| {
        let other = Place::at(380.0 + 200.0 * p, 200.0, 45.0);
        vec![hand(hands::OPEN, other), hand(hands::FIST, mayor)]
    }));
    let events = recognize(&lines);
    assert!(events.iter().all(|e| !e.gesture.starts_with("swipe")), "{events:?}");
    // Once the mayor's hand has gone (longer than the lock lasts), the other person may swipe.
    let mut lines = clip(0, 400, |_| vec![hand(hands::OPEN, mayor)]);
    lines.extend(clip(2500, 400, |p| vec![hand(hands::OPEN, Place::at(380.0 + 150.0 * p, 200.0, 45.0))]));
    assert_eq!(names(&recognize(&lines)), vec!["swipe_left"]);
}

#[test]
fn the_same_persons_other_hand_takes_over() {
    // Right hand thumbs up, lowered; the left hand (as large, beside it) shows victory.
    let right = Place { turn: 40.0, ..Place::at(260.0, 250.0, 90.0) };
    let left = Place { label: "Right", ..Place::at(420.0, 250.0, 90.0) };
    let mut lines = clip(0, 800, |_| vec![hand(hands::THUMB, right)]);
    lines.extend(clip(800, 400, |_| vec![]));
    lines.extend(clip(1200, 800, |_| vec![hand(hands::VICTORY, left)]));
    let events = recognize(&lines);
    assert_eq!(names(&events), vec!["thumbs_up", "victory"]);
    assert_eq!((events[0].hand, events[1].hand), (Side::Right, Side::Left));
}

#[test]
fn resting_a_pointing_finger_selects_where_the_cursor_is() {
    let place = Place::at(250.0, 200.0, 90.0);
    let lines = clip(0, 2200, |_| vec![hand(hands::POINT, place)]);
    let events = recognize(&lines);
    // The pose (no place: it only moves the cursor), then the dwell's select, with the place.
    assert_eq!(names(&events), vec!["point", "point"], "{events:?}");
    assert_eq!(events[0].at, None);
    let at = events[1].at.expect("a place");
    assert!((0.0..=1.0).contains(&at[0]) && (0.0..=1.0).contains(&at[1]));
    // The image's left is the person's right: the cursor is on the wall's right half.
    assert!(at[0] > 0.5, "{at:?}");
}

#[test]
fn a_handedness_flip_in_a_few_frames_does_not_change_the_hand() {
    // The model says "Left" (the person's right hand) but flips for four frames, as it does
    // near the image's edge, just as the pose has been held long enough; the victory sign is still
    // the right hand's.
    let place = Place::at(600.0, 240.0, 80.0);
    let flipped = Place { label: "Right", ..place };
    let lines: Vec<String> = clip(0, 800, |p| {
        let flip = (0.3..0.45).contains(&p);
        vec![hand(hands::VICTORY, if flip { flipped } else { place })]
    });
    let events = recognize(&lines);
    assert_eq!(names(&events), vec!["victory"]);
    assert_eq!(events[0].hand, Side::Right);
}

#[test]
fn a_fist_dragged_and_opened_pans_the_map() {
    let mut lines = clip(0, 500, |_| vec![hand(hands::FIST, Place::at(300.0, 240.0, 90.0))]);
    lines.extend(clip(500, 600, |p| vec![hand(hands::FIST, Place::at(300.0 - 120.0 * p, 240.0, 90.0))]));
    lines.extend(clip(1100, 400, |_| vec![hand(hands::OPEN, Place::at(180.0, 240.0, 90.0))]));
    let events = recognize(&lines);
    let fist = events.iter().find(|e| e.gesture == "fist").expect("a fist event");
    let pan = fist.pan.expect("how far");
    // Moved to the image's left = the person's right: the map goes right.
    assert!(pan[0] > 0.1, "{pan:?}");
    assert!(events.iter().all(|e| !e.gesture.starts_with("swipe")), "grabbing is not swiping: {events:?}");
}

#[test]
fn broken_landmark_files_name_the_line_and_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str); 4] = [
        ("{\"t_ms\": 0, \"hands\": [{\"handedness\": \"Left\", \"score\": 1, \"landmarks\": [[0,0,0]]}]}", "21"),
        ("not json", "line 1"),
        ("{\"t_ms\": 5, \"hands\": []}\n{\"t_ms\": 1, \"hands\": []}", "back in time"),
        ("{\"t_ms\": 0, \"hands\": [{\"handedness\": \"Middle\", \"score\": 1, \"landmarks\": []}]}", "handedness"),
    ];
    for (text, expected) in cases {
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, text).unwrap();
        let message = read_landmarks(&path).unwrap_err().to_string();
        assert!(message.contains(expected), "{message}");
    }
}
