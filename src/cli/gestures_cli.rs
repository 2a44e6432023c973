//! `scpm gestures`: the gesture pipeline on a video, a folder of images or recorded landmarks,
//! one line (or JSON object) per gesture event with the actions it resolves to.

use anyhow::{Context as _, Result};
use opencv::prelude::MatTraitConst;
use scpm::commands::Commands;
use scpm::config::Config;
use scpm::gesture::hands::{HandModels, HandTracker};
use scpm::gesture::{self, source, Catalog, HandFrame, Meaning, Recognizer, Screen};
use scpm::resolve::Context;
use std::io::Write;
use std::path::PathBuf;

pub struct Options {
    pub video: Option<PathBuf>,
    pub images: Option<PathBuf>,
    pub landmarks: Option<PathBuf>,
    pub json: bool,
    pub screen: String,
    pub mirrored: bool,
    /// Write the hands found in each frame here (the landmarks format), for recording tests.
    pub save_landmarks: Option<PathBuf>,
    pub fps: f64,
}

pub fn run(config: &Config, index: scpm::index::CityIndex, options: Options) -> Result<()> {
    // Gestures resolve through the same commands as speech (their intents are the grammar's).
    let city = scpm::city::City::load(&config.paths.data_dir)?;
    let commands = Commands::load(&city, &config.paths.grammars, config.commands.confirm_calls)?;
    let catalog = Catalog::load(&config.gestures.catalog_path())?;
    anyhow::ensure!(
        scpm::gesture::catalog::SCREENS.contains(&options.screen.as_str()),
        "--screen must be one of {}",
        scpm::gesture::catalog::SCREENS.join(", ")
    );
    let mirrored = options.mirrored || config.gestures.mirrored;
    let frames: Box<dyn Iterator<Item = Result<HandFrame, String>>> =
        match (&options.video, &options.images, &options.landmarks) {
            (Some(path), None, None) => hand_frames(config, source::video(path)?)?,
            (None, Some(dir), None) => hand_frames(config, source::images(dir, options.fps)?)?,
            (None, None, Some(path)) => Box::new(gesture::read_landmarks(path)?.into_iter().map(Ok)),
            _ => anyhow::bail!("give one of --video FILE, --images DIR or --landmarks FILE.jsonl"),
        };
    let mut save = match &options.save_landmarks {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => None,
    };
    let mut context = Context::default();
    // The screen follows the events, as the wall would (a swipe pages on).
    let mut display = scpm::display::DisplayState::new(&config.office.language);
    if options.screen != "call" {
        let topic =
            scpm::display::PAGES.iter().find(|(p, _)| *p == options.screen).map(|(_, t)| *t).unwrap_or("overview");
        display.apply(&[scpm::action::Action::show(topic)]);
    }
    let mut recognizer = Recognizer::new(catalog.clone(), mirrored);
    let (mut frames_seen, mut events) = (0usize, 0usize);
    for frame in frames {
        let frame = match frame {
            Ok(frame) => frame,
            Err(problem) => {
                eprintln!("warning: {problem}");
                continue;
            }
        };
        frames_seen += 1;
        if let Some(out) = &mut save {
            writeln!(out, "{}", serde_json::to_string(&frame)?)?;
        }
        for event in recognizer.feed(&frame).events {
            events += 1;
            let mut screen = Screen::of(&display);
            if options.screen == "call" {
                screen.name = "call".into();
            }
            let (intent, actions) = match gesture::meaning(&catalog, &event, &screen) {
                Meaning::Nothing => (String::new(), Vec::new()),
                Meaning::Wall(intent, actions) => (intent, actions),
                Meaning::Command(intent) => match commands.resolve(&index, &intent, &mut context) {
                    Ok(actions) => (intent.name, actions),
                    Err(e) => {
                        eprintln!("warning: {} at {} ms: {e}", event.gesture, event.t_ms);
                        (String::new(), Vec::new())
                    }
                },
            };
            display.apply(&actions);
            if options.json {
                let mut line = serde_json::to_value(&event)?;
                line["intent"] = serde_json::json!(intent);
                line["actions"] = serde_json::to_value(&actions)?;
                line["screen"] = serde_json::json!(screen.name);
                println!("{line}");
            } else {
                println!(
                    "{:>8.2} s  {:<12} {:<5} {:.2}  → {}",
                    event.t_ms as f64 / 1000.0,
                    event.gesture,
                    serde_json::to_value(event.hand)?.as_str().unwrap_or_default(),
                    event.confidence,
                    if actions.is_empty() { "(no action here)".to_string() } else { serde_json::to_string(&actions)? }
                );
            }
        }
    }
    if let Some(out) = &mut save {
        out.flush()?;
    }
    eprintln!("{frames_seen} frames, {events} gesture events");
    Ok(())
}

/// Frames through the hand tracker.
fn hand_frames(config: &Config, frames: source::Frames) -> Result<Box<dyn Iterator<Item = Result<HandFrame, String>>>> {
    let models = HandModels::in_dir(&config.paths.models).on(config.gestures.engine);
    let mut tracker = HandTracker::load(&models, config.gestures.max_hands)?;
    Ok(Box::new(frames.map(move |frame| {
        let frame = frame?;
        let (w, h) = (frame.image.cols(), frame.image.rows());
        let (hands, _) = tracker.hands(&frame.image).map_err(|e| format!("frame at {} ms: {e}", frame.t_ms))?;
        Ok(HandFrame { t_ms: frame.t_ms, width: w.max(0) as u32, height: h.max(0) as u32, hands })
    })))
}
