//! Actions: what the display and the call manager execute. Every modality ends here, and the
//! JSON form is a public contract (README, "The JSON contract").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct OfficialRef {
    pub id: String,
    pub title_ko: String,
    pub title_en: String,
    pub department_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    Show {
        topic: String,
        district: Option<String>,
        indicator: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        indicator_name_en: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        period: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        neighbourhood: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        age_group: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        gender: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        compare: Option<String>,
        /// A detail to bring forward: "latest", "dispatch", "nearest".
        #[serde(skip_serializing_if = "Option::is_none", default)]
        focus: Option<String>,
    },
    Navigate {
        to: String,
    },
    Zoom {
        direction: String,
    },
    Layout {
        mode: String,
    },
    Search {
        query: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        kind: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        district: Option<String>,
    },
    Call {
        official: OfficialRef,
        /// The wall asks "call …?" first; a `confirm` places it.
        needs_confirmation: bool,
    },
    HangUp,
    Mute,
    Unmute,
    Volume {
        direction: String,
    },
    Confirm,
    Cancel,
    Help,
    Repeat,
    Undo,
    Lock,
    PublicMode,
    /// Leaves the lock and public mode: only from the PIN typed on the wall (`POST
    /// /api/unlock`), never from what anyone in the room can say, touch or gesture.
    Unlock,
    SwitchLanguage {
        to: String,
    },
    /// Selects what is at this point of the wall (0–1 each way): a gesture's click.
    Select {
        x: f32,
        y: f32,
    },
    /// Moves the map by this much (fractions of the wall): a fist dragged and opened.
    Pan {
        dx: f32,
        dy: f32,
    },
    /// Opens the voice listener's window, as the wake phrase does (push-to-talk).
    Listen,
    /// Shows the city as it was at a past time (the realtime, overview and opinion screens).
    Replay {
        at: chrono::DateTime<chrono::Utc>,
    },
    /// Back to the city as it is now, from a replay.
    Live,
}

impl Action {
    pub fn show(topic: &str) -> Action {
        Action::Show {
            topic: topic.into(),
            district: None,
            indicator: None,
            indicator_name_en: None,
            period: None,
            neighbourhood: None,
            age_group: None,
            gender: None,
            compare: None,
            focus: None,
        }
    }
}

/// The wall's topics, in the contract's spelling.
pub const TOPICS: &[&str] = &[
    "overview",
    "air_quality",
    "traffic",
    "transit",
    "incidents",
    "cctv",
    "hospitals",
    "weather",
    "water",
    "complaints",
    "suggestions",
    "trends",
    "indicators",
    "pledges",
    "budget",
    "population",
];

/// How a command reached the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Text,
    Voice,
    Gesture,
    Touch,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Text, Channel::Voice, Channel::Gesture, Channel::Touch];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Text => "text",
            Channel::Voice => "voice",
            Channel::Gesture => "gesture",
            Channel::Touch => "touch",
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = String;

    fn from_str(s: &str) -> Result<Channel, String> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
            format!("channel `{s}` is not one of {}", names.join(", "))
        })
    }
}
