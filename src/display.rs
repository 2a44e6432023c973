//! The display state of the office wall: what is shown, versioned, and the types of what it
//! shows (the page of a topic, the call, the gesture cursor, the listening overlay). Pure data:
//! `office::Office` owns the one instance and is the only thing that changes it.

use crate::action::{Action, OfficialRef};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DisplayState {
    pub version: u64,
    pub screen: String,
    pub topic: String,
    /// The wall's page that shows `screen` ([`page_of`]): the walls render this page.
    pub page: String,
    pub district: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    /// A thing brought forward on the screen: an incident's or a camera's id (pointed at and
    /// "show this"), or "latest", "dispatch", "nearest".
    pub focus: Option<String>,
    pub zoom: i32,
    pub layout: String,
    pub language: String,
    pub public_mode: bool,
    pub locked: bool,
    /// The help overlay: what can be said and gestured on this screen (`GET /api/help`).
    pub help: bool,
    pub search: Option<String>,
    /// A call waiting for confirmation, or placed.
    pub call: Option<CallView>,
    pub muted: bool,
    /// The call's loudness on the wall, 0–10.
    pub volume: u8,
    /// The voice overlay: "listening" while someone speaks after the wake phrase, then what
    /// was heard. None when the microphone is idle.
    pub listening: Option<Listening>,
    /// The gesture cursor on the wall, while a hand is followed.
    pub cursor: Option<Cursor>,
    /// How far the map is moved from its centre (fractions of the wall), by a fist.
    pub pan: [f32; 2],
    /// The last gesture click: each wall clicks what is at this point once (by its id).
    pub select: Option<Selection>,
    /// The past time the wall replays (the realtime, overview and opinion screens), or None
    /// for live.
    pub replay: Option<chrono::DateTime<chrono::Utc>>,
    /// Screens visited, for "back".
    #[serde(skip)]
    history: Vec<(String, Option<String>, Option<String>)>,
}

/// The wall's pages in order (what a swipe pages through), each with the topic it opens on.
pub const PAGES: [(&str, &str); 5] = [
    ("overview", "overview"),
    ("realtime", "incidents"),
    ("opinion", "complaints"),
    ("administration", "indicators"),
    ("pledges", "pledges"),
];

/// The pages that can show a past time (replay); leaving them ends a replay.
pub const REPLAYS: [&str; 3] = ["overview", "realtime", "opinion"];

/// The page a topic (or "search") is shown on: the wall's tabs. The one table: the walls get it
/// in each display state's `page` and, for the public page's own navigation, from
/// `/static/pages.js`.
pub fn page_of(topic: &str) -> &'static str {
    match topic {
        "overview" => "overview",
        "air_quality" | "traffic" | "transit" | "incidents" | "cctv" | "hospitals" | "weather" | "water" => "realtime",
        "complaints" | "suggestions" | "trends" => "opinion",
        "indicators" | "budget" | "population" => "administration",
        "pledges" => "pledges",
        _ => "search",
    }
}

/// Where the locked hand points on the wall (0–1 each way) and what it is doing.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Cursor {
    pub x: f32,
    pub y: f32,
    /// "point" (moving the cursor), "grab" (a fist panning the map) or "hand" (just seen).
    pub mode: String,
}

/// The state of a call on the wall: waiting for the mayor's yes, then the call's legs.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    Confirming,
    Ringing,
    Connecting,
    Connected,
    Reconnecting,
    Ended,
}

/// One official's leg of a call.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct LegView {
    pub leg: String,
    pub official: OfficialRef,
    pub state: CallState,
    pub reason: Option<String>,
}

/// The call as the wall shows it: asked about (`Confirming`, the conversation's), or placed
/// (the call manager's view, with its legs and the office's media).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CallView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub state: CallState,
    pub official: OfficialRef,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub legs: Vec<LegView>,
    pub reason: Option<String>,
    pub muted: bool,
    /// "camera" or "test_pattern"; None while confirming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_media: Option<&'static str>,
    /// "microphone" or "tone"; None while confirming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_audio: Option<&'static str>,
}

impl CallView {
    /// A call the wall asks about before placing it, or one placed and not yet rung.
    pub fn asked(official: &OfficialRef, state: CallState) -> CallView {
        CallView {
            id: None,
            state,
            official: official.clone(),
            legs: Vec::new(),
            reason: None,
            muted: false,
            office_media: None,
            office_audio: None,
        }
    }

    pub fn confirming(&self) -> bool {
        self.state == CallState::Confirming
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Selection {
    pub x: f32,
    pub y: f32,
    pub id: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Listening {
    /// "wake" (the wake phrase was heard), "listening" (speech is coming in), "heard".
    pub state: String,
    pub transcript: String,
    pub lang: String,
    pub understood: bool,
}

/// What a wall that is locked is sent instead of its state: nothing of the city, not even
/// which screen was on.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct LockedWall {
    pub version: u64,
    pub locked: bool,
    /// Always `locked` (no page of the wall is called that).
    #[schema(pattern = "^locked$")]
    pub page: String,
    pub language: String,
}

/// What a wall is sent (`GET /api/display`, the display socket): its state, or only that it
/// is locked.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(untagged)]
pub enum WallView {
    Locked(LockedWall),
    Shown(Box<DisplayState>),
}

/// Why the wall will not carry out `actions` now: locked (everything but ending or muting a
/// call waits for the PIN), or in public mode (no calls: the wall shows what `/public` shows).
pub fn refusal(display: &DisplayState, actions: &[Action]) -> Option<String> {
    let harmless = |a: &Action| {
        matches!(
            a,
            Action::Unlock | Action::HangUp | Action::Mute | Action::Unmute | Action::Cancel | Action::Volume { .. }
        )
    };
    if display.locked && !actions.iter().all(harmless) {
        return Some("the wall is locked: type the PIN on the wall to unlock it".into());
    }
    if let [Action::Layout { mode }] = actions {
        let already = match mode.as_str() {
            "close" if !display.help && display.layout == "split" => Some("nothing is open to close"),
            "split" if display.layout == "split" => Some("the wall already shows the map and the screen side by side"),
            "full_screen" | "single" if display.layout == "full_screen" => Some("the screen is already full"),
            _ => None,
        };
        if let Some(reason) = already {
            return Some(reason.into());
        }
    }
    if display.replay.is_none() && matches!(actions, [Action::Live]) {
        return Some("the wall is already live".into());
    }
    if display.public_mode && actions.iter().any(|a| matches!(a, Action::Call { .. } | Action::Confirm)) {
        return Some("the wall is in public mode: calls wait until it is unlocked with the PIN".into());
    }
    None
}

impl DisplayState {
    /// What a wall may be sent: the state, or only that it is locked.
    pub fn for_wall(&self) -> WallView {
        if self.locked {
            WallView::Locked(LockedWall {
                version: self.version,
                locked: true,
                page: "locked".into(),
                language: self.language.clone(),
            })
        } else {
            WallView::Shown(Box::new(self.clone()))
        }
    }

    /// Whether a call waits for the mayor's yes.
    pub fn confirming_call(&self) -> bool {
        self.call.as_ref().is_some_and(CallView::confirming)
    }

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
    pub fn set_call(&mut self, call: Option<CallView>) -> bool {
        if self.call == call {
            return false;
        }
        self.call = call;
        self.version += 1;
        true
    }

    /// Moves the gesture cursor; true when that changed anything. The cursor is not a command:
    /// it is neither audited nor counted in the version, so walls simply follow it.
    pub fn set_cursor(&mut self, cursor: Option<Cursor>) -> bool {
        if self.cursor == cursor {
            return false;
        }
        self.cursor = cursor;
        true
    }

    pub fn new(language: &str) -> DisplayState {
        DisplayState {
            version: 0,
            screen: "overview".into(),
            topic: "overview".into(),
            page: "overview".into(),
            district: None,
            indicator: None,
            period: None,
            focus: None,
            replay: None,
            zoom: 0,
            layout: "split".into(),
            language: language.into(),
            public_mode: false,
            locked: false,
            help: false,
            search: None,
            call: None,
            muted: false,
            volume: 6,
            listening: None,
            cursor: None,
            pan: [0.0, 0.0],
            select: None,
            history: Vec::new(),
        }
    }

    /// Applies actions in order; the version grows once per call that changed anything.
    pub fn apply(&mut self, actions: &[Action]) {
        let before = self.clone();
        for action in actions {
            self.apply_one(action);
        }
        // The help is about the screen it was opened on: another screen closes it.
        if (&self.screen, &self.district, &self.indicator) != (&before.screen, &before.district, &before.indicator) {
            self.help = false;
        }
        self.page = page_of(&self.screen).into();
        // A replay is of the screens that show a time; another screen is the city now.
        if !REPLAYS.contains(&self.page.as_str()) {
            self.replay = None;
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
            self.focus = None;
        }
    }

    /// Another topic, keeping the district (swipes page through screens).
    fn go_to(&mut self, topic: &str) {
        self.remember();
        self.screen = topic.into();
        self.topic = topic.into();
        self.indicator = None;
        self.focus = None;
        self.search = None;
        self.pan = [0.0, 0.0];
    }

    fn apply_one(&mut self, action: &Action) {
        match action {
            Action::Show { topic, district, indicator, period, focus, .. } => {
                self.remember();
                self.focus = focus.clone();
                self.screen = topic.clone();
                self.topic = topic.clone();
                self.district = district.clone();
                self.indicator = indicator.clone();
                self.period = period.clone();
                self.search = None;
                self.zoom = if district.is_some() { 1 } else { 0 };
                self.pan = [0.0, 0.0];
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
                "next" | "previous" => {
                    let step = if to == "next" { 1 } else { PAGES.len() - 1 };
                    let page = PAGES.iter().position(|(p, _)| *p == page_of(&self.topic)).unwrap_or(0);
                    self.go_to(PAGES[(page + step) % PAGES.len()].1);
                }
                "up" | "down" => {
                    let group = PAGES.iter().find(|(p, _)| *p == page_of(&self.topic)).map(|(p, _)| *p);
                    let topics: Vec<&str> =
                        crate::action::TOPICS.iter().copied().filter(|t| Some(page_of(t)) == group).collect();
                    if let Some(at) = topics.iter().position(|t| *t == self.topic) {
                        let step = if to == "up" { 1 } else { topics.len() - 1 };
                        self.go_to(topics[(at + step) % topics.len()]);
                    }
                }
                _ => {}
            },
            Action::Select { x, y } => {
                let id = self.select.as_ref().map_or(1, |s| s.id + 1);
                self.select = Some(Selection { x: *x, y: *y, id });
            }
            Action::Listen => {
                self.listening = Some(Listening {
                    state: "wake".into(),
                    transcript: String::new(),
                    lang: String::new(),
                    understood: false,
                })
            }
            Action::Pan { dx, dy } => {
                self.pan = [(self.pan[0] + dx).clamp(-1.0, 1.0), (self.pan[1] + dy).clamp(-1.0, 1.0)];
            }
            Action::Zoom { direction } => self.zoom = (self.zoom + if direction == "in" { 1 } else { -1 }).clamp(0, 4),
            // "Close": the help overlay if it is open, else the full-screen view.
            Action::Layout { mode } if mode == "close" => {
                if self.help {
                    self.help = false;
                } else {
                    self.layout = "split".into();
                }
            }
            // Two screens side by side (the map beside the page's data), or the map alone,
            // across the whole wall.
            Action::Layout { mode } => {
                self.layout = if mode == "split" { "split".into() } else { "full_screen".into() };
            }
            Action::Call { official, needs_confirmation } => {
                let state = if *needs_confirmation { CallState::Confirming } else { CallState::Ringing };
                self.call = Some(CallView::asked(official, state));
            }
            Action::Cancel => {
                self.help = false;
                if self.confirming_call() {
                    self.call = None;
                }
            }
            Action::HangUp => self.call = None,
            Action::Mute => self.muted = true,
            Action::Unmute => self.muted = false,
            Action::Lock => self.locked = true,
            Action::PublicMode => self.public_mode = true,
            Action::Unlock => {
                self.locked = false;
                self.public_mode = false;
            }
            Action::SwitchLanguage { to } => self.language = to.clone(),
            Action::Undo => self.restore(),
            Action::Volume { direction } => {
                self.volume = if direction == "up" { (self.volume + 2).min(10) } else { self.volume.saturating_sub(2) };
            }
            Action::Help => self.help = true,
            Action::Replay { at } => {
                self.replay = Some(*at);
                if !REPLAYS.contains(&page_of(&self.topic)) {
                    self.go_to("incidents");
                }
            }
            Action::Live => self.replay = None,
            Action::Confirm | Action::Repeat => {}
        }
    }
}

/// What every wall of one office shows, whichever of its processes a command reached (a shared
/// store): the screen and what is on it, not this process's own overlays (the hand's cursor,
/// the microphone's listening) nor the call, which stay with the process that has the devices.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Shown {
    pub screen: String,
    pub topic: String,
    pub page: String,
    pub district: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub zoom: i32,
    pub layout: String,
    pub language: String,
    pub public_mode: bool,
    pub locked: bool,
    pub help: bool,
    pub search: Option<String>,
    pub muted: bool,
    pub volume: u8,
    pub pan: [f32; 2],
    pub select: Option<Selection>,
    #[serde(default)]
    pub focus: Option<String>,
    #[serde(default)]
    pub replay: Option<chrono::DateTime<chrono::Utc>>,
}

impl DisplayState {
    pub fn shown(&self) -> Shown {
        Shown {
            screen: self.screen.clone(),
            topic: self.topic.clone(),
            page: self.page.clone(),
            district: self.district.clone(),
            indicator: self.indicator.clone(),
            period: self.period.clone(),
            zoom: self.zoom,
            layout: self.layout.clone(),
            language: self.language.clone(),
            public_mode: self.public_mode,
            locked: self.locked,
            help: self.help,
            search: self.search.clone(),
            muted: self.muted,
            volume: self.volume,
            pan: self.pan,
            select: self.select.clone(),
            focus: self.focus.clone(),
            replay: self.replay,
        }
    }

    /// Takes what another process of the office shows; true (and a new version) when it differs.
    pub fn adopt(&mut self, shown: Shown) -> bool {
        if self.shown() == shown {
            return false;
        }
        let Shown {
            screen,
            topic,
            page,
            district,
            indicator,
            period,
            zoom,
            layout,
            language,
            public_mode,
            locked,
            help,
            search,
            muted,
            volume,
            pan,
            select,
            focus,
            replay,
        } = shown;
        (self.screen, self.topic, self.page, self.district, self.indicator, self.period) =
            (screen, topic, page, district, indicator, period);
        (self.zoom, self.layout, self.language, self.public_mode, self.locked, self.help) =
            (zoom, layout, language, public_mode, locked, help);
        (self.search, self.muted, self.volume, self.pan, self.select, self.replay, self.focus) =
            (search, muted, volume, pan, select, replay, focus);
        self.version += 1;
        true
    }
}
