//! The display state the server holds for the office wall: what is shown, versioned. Actions
//! from any modality change it here, in one place. (The wall page and its live updates build on
//! this.)

use crate::action::Action;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DisplayState {
    pub version: u64,
    pub screen: String,
    pub topic: String,
    pub district: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub zoom: i32,
    pub layout: String,
    pub language: String,
    pub public_mode: bool,
    pub locked: bool,
    pub search: Option<String>,
    /// A call waiting for confirmation, or placed.
    pub call: Option<serde_json::Value>,
    pub muted: bool,
    /// The call's loudness on the wall, 0–10.
    pub volume: u8,
    /// The voice overlay: "listening" while someone speaks after the wake phrase, then what
    /// was heard. None when the microphone is idle.
    pub listening: Option<Listening>,
    /// Screens visited, for "back".
    #[serde(skip)]
    history: Vec<(String, Option<String>, Option<String>)>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Listening {
    /// "wake" (the wake phrase was heard), "listening" (speech is coming in), "heard".
    pub state: String,
    pub transcript: String,
    pub lang: String,
    pub understood: bool,
}

impl DisplayState {
    /// Sets the voice overlay; true when that changed anything (the version grows then).
    pub fn set_listening(&mut self, listening: Option<Listening>) -> bool {
        if self.listening == listening {
            return false;
        }
        self.listening = listening;
        self.version += 1;
        true
    }

    /// Shows the call manager's view of the call; true when that changed anything.
    pub fn set_call(&mut self, call: Option<serde_json::Value>) -> bool {
        if self.call == call {
            return false;
        }
        self.call = call;
        self.version += 1;
        true
    }

    pub fn new(language: &str) -> DisplayState {
        DisplayState {
            version: 0,
            screen: "overview".into(),
            topic: "overview".into(),
            district: None,
            indicator: None,
            period: None,
            zoom: 0,
            layout: "single".into(),
            language: language.into(),
            public_mode: false,
            locked: false,
            search: None,
            call: None,
            muted: false,
            volume: 6,
            listening: None,
            history: Vec::new(),
        }
    }

    /// Applies actions in order; the version grows once per call that changed anything.
    pub fn apply(&mut self, actions: &[Action]) {
        let before = self.clone();
        for action in actions {
            self.apply_one(action);
        }
        if *self != before {
            self.version += 1;
        }
    }

    fn remember(&mut self) {
        self.history.push((self.topic.clone(), self.district.clone(), self.indicator.clone()));
        if self.history.len() > 50 {
            self.history.remove(0);
        }
    }

    /// Back to the screen before the last one.
    fn restore(&mut self) {
        if let Some((topic, district, indicator)) = self.history.pop() {
            self.screen = topic.clone();
            self.topic = topic;
            self.district = district;
            self.indicator = indicator;
        }
    }

    fn apply_one(&mut self, action: &Action) {
        match action {
            Action::Show { topic, district, indicator, period, .. } => {
                self.remember();
                self.screen = topic.clone();
                self.topic = topic.clone();
                self.district = district.clone();
                self.indicator = indicator.clone();
                self.period = period.clone();
                self.search = None;
                self.zoom = if district.is_some() { 1 } else { 0 };
            }
            Action::Search { query, .. } => {
                self.remember();
                self.screen = "search".into();
                self.search = Some(query.clone());
            }
            Action::Navigate { to } => match to.as_str() {
                "home" => {
                    self.remember();
                    self.screen = "overview".into();
                    self.topic = "overview".into();
                    self.district = None;
                    self.indicator = None;
                    self.zoom = 0;
                }
                "back" => self.restore(),
                _ => {}
            },
            Action::Zoom { direction } => self.zoom = (self.zoom + if direction == "in" { 1 } else { -1 }).clamp(0, 4),
            Action::Layout { mode } => self.layout = mode.clone(),
            Action::Call { official, needs_confirmation } => {
                self.call = Some(
                    serde_json::json!({"official": official, "state": if *needs_confirmation { "confirming" } else { "ringing" }}),
                );
            }
            Action::Cancel => {
                if self.call.as_ref().is_some_and(|c| c["state"] == "confirming") {
                    self.call = None;
                }
            }
            Action::HangUp => self.call = None,
            Action::Mute => self.muted = true,
            Action::Unmute => self.muted = false,
            Action::Lock => self.locked = true,
            Action::PublicMode => self.public_mode = true,
            Action::SwitchLanguage { to } => self.language = to.clone(),
            Action::Undo => self.restore(),
            Action::Volume { direction } => {
                self.volume = if direction == "up" { (self.volume + 2).min(10) } else { self.volume.saturating_sub(2) };
            }
            Action::Confirm | Action::Help | Action::Repeat => {}
        }
    }
}
