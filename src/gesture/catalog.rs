//! The gestures as data: `gestures/gestures.toml` (see its header for the format), read and
//! checked once. A wrong key or value is an error that names the gesture and the key.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The 17 gestures the product promises; the file must define exactly these.
pub const NAMES: [&str; 17] = [
    "open_palm",
    "fist",
    "point",
    "thumbs_up",
    "thumbs_down",
    "victory",
    "ok",
    "call",
    "three",
    "swipe_left",
    "swipe_right",
    "swipe_up",
    "swipe_down",
    "pinch_in",
    "pinch_out",
    "circle",
    "wave",
];

/// The intents a gesture may name, each with the slot its argument fills.
const INTENTS: &[(&str, Option<&str>)] = &[
    ("", None),
    ("select", None),
    ("pan", None),
    ("call", None),
    ("listen", None),
    ("confirm", None),
    ("cancel", None),
    ("hang_up", None),
    ("help", None),
    ("mute", None),
    ("unmute", None),
    ("undo", None),
    ("navigate", Some("to")),
    ("zoom", Some("direction")),
    ("volume", Some("direction")),
    ("layout", Some("mode")),
];

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read {path}: {source}; the gestures live in gestures/gestures.toml (config gestures.file)")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Static,
    Dynamic,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub hold_ms: u64,
    pub release_ms: u64,
    pub enter: f32,
    pub stay: f32,
    pub still_speed: f32,
    pub refractory_ms: u64,
}

/// One gesture as written in the file. Thresholds a kind does not use are rejected.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gesture {
    pub name: String,
    pub kind: Kind,
    pub intent: String,
    #[serde(default)]
    pub on: BTreeMap<String, String>,
    // Static poses.
    pub fingers: Option<String>,
    pub touch: Option<f32>,
    pub thumb: Option<String>,
    pub thumb_angle: Option<f32>,
    pub hold_ms: Option<u64>,
    pub dwell_ms: Option<u64>,
    pub dwell_radius: Option<f32>,
    // Dynamic movements.
    pub direction: Option<String>,
    pub distance: Option<f32>,
    pub within_ms: Option<u64>,
    pub straightness: Option<f32>,
    pub open: Option<f32>,
    pub closed: Option<f32>,
    pub steady: Option<f32>,
    pub turn: Option<f32>,
    pub radius: Option<f32>,
    pub reversals: Option<u32>,
    pub amplitude: Option<f32>,
    pub max_stroke: Option<f32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    defaults: Defaults,
    call_official: BTreeMap<String, String>,
    gesture: Vec<Gesture>,
}

/// The finger pattern of a pose: per finger (thumb first), Some(stretched) or None (either).
pub type Fingers = [Option<bool>; 5];

#[derive(Debug, Clone)]
pub struct Catalog {
    pub defaults: Defaults,
    pub call_official: BTreeMap<String, String>,
    pub gestures: Vec<Gesture>,
}

/// The screens a gesture's intent may be set for (`on.<screen>`).
pub const SCREENS: &[&str] = &["overview", "realtime", "opinion", "administration", "pledges", "search", "call"];

impl Gesture {
    pub fn fingers(&self) -> Fingers {
        let mut out = [None; 5];
        for (i, c) in self.fingers.as_deref().unwrap_or("-----").chars().take(5).enumerate() {
            out[i] = match c {
                '1' => Some(true),
                '0' => Some(false),
                _ => None,
            };
        }
        out
    }

    /// The intent on a screen: its `on.<screen>` if set, else the gesture's own.
    pub fn intent_on(&self, screen: &str) -> &str {
        self.on.get(screen).unwrap_or(&self.intent)
    }
}

/// Splits "navigate next" into the intent and its slot (`to` = "next").
pub fn parse_intent(spec: &str) -> Option<(String, BTreeMap<String, String>)> {
    let mut words = spec.split_whitespace();
    let name = words.next().unwrap_or("");
    let arg: Vec<&str> = words.collect();
    let (_, slot) = INTENTS.iter().find(|(n, _)| *n == name)?;
    let mut slots = BTreeMap::new();
    match (slot, arg.is_empty()) {
        (Some(slot), false) => {
            slots.insert(slot.to_string(), arg.join(" "));
        }
        (None, true) => {}
        _ => return None,
    }
    Some((name.to_string(), slots))
}

impl Catalog {
    /// The project's own gestures file.
    pub fn default_path() -> PathBuf {
        crate::config::GesturesConfig::default().catalog_path()
    }

    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| CatalogError::Read { path: path.to_path_buf(), source })?;
        Catalog::parse(&text).map_err(|message| CatalogError::Invalid { path: path.to_path_buf(), message })
    }

    pub fn parse(text: &str) -> Result<Catalog, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let catalog = Catalog { defaults: file.defaults, call_official: file.call_official, gestures: file.gesture };
        catalog.check()?;
        Ok(catalog)
    }

    pub fn get(&self, name: &str) -> Option<&Gesture> {
        self.gestures.iter().find(|g| g.name == name)
    }

    fn check(&self) -> Result<(), String> {
        for name in NAMES {
            match self.gestures.iter().filter(|g| g.name == name).count() {
                1 => {}
                0 => return Err(format!("gesture `{name}` is missing; the 17 gestures are {}", NAMES.join(", "))),
                _ => return Err(format!("gesture `{name}` is defined twice")),
            }
        }
        for g in &self.gestures {
            let name = &g.name;
            if !NAMES.contains(&name.as_str()) {
                return Err(format!("gesture `{name}` is not one of {}", NAMES.join(", ")));
            }
            for (screen, spec) in std::iter::once(("(all)", &g.intent)).chain(g.on.iter().map(|(s, i)| (s.as_str(), i)))
            {
                if screen != "(all)" && !SCREENS.contains(&screen) {
                    return Err(format!("gesture `{name}`: on.{screen}: the screens are {}", SCREENS.join(", ")));
                }
                if parse_intent(spec).is_none() {
                    let known: Vec<_> =
                        INTENTS.iter().map(|(n, s)| format!("{n}{}", if s.is_some() { " X" } else { "" })).collect();
                    return Err(format!("gesture `{name}`: intent `{spec}` is not one of {}", known.join(", ")));
                }
            }
            let needs: &[(&str, bool)] = match g.kind {
                Kind::Static => &[("fingers", g.fingers.is_some())],
                Kind::Dynamic => &[("within_ms", g.within_ms.is_some())],
            };
            for (key, present) in needs {
                if !present {
                    return Err(format!("gesture `{name}` ({:?}) needs `{key}`", g.kind));
                }
            }
            if let Some(f) = &g.fingers {
                if f.chars().count() != 5 || !f.chars().all(|c| matches!(c, '0' | '1' | '-')) {
                    return Err(format!("gesture `{name}`: fingers `{f}` must be 5 of 0, 1, - (thumb first)"));
                }
            }
            if let Some(t) = &g.thumb {
                if t != "up" && t != "down" {
                    return Err(format!("gesture `{name}`: thumb `{t}` must be up or down"));
                }
            }
            if let Some(d) = &g.direction {
                if !["left", "right", "up", "down"].contains(&d.as_str()) {
                    return Err(format!("gesture `{name}`: direction `{d}` must be left, right, up or down"));
                }
            }
        }
        let d = &self.defaults;
        if !(0.0..=1.0).contains(&d.enter) || !(0.0..=1.0).contains(&d.stay) || d.stay > d.enter {
            return Err("defaults: need 0 <= stay <= enter <= 1".into());
        }
        if !self.call_official.contains_key("default") {
            return Err("call_official needs a `default` official".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_file_defines_the_17_gestures() {
        let catalog = Catalog::load(&Catalog::default_path()).expect("gestures/gestures.toml");
        assert_eq!(catalog.gestures.len(), 17);
        assert_eq!(catalog.get("swipe_left").map(|g| g.intent_on("overview")), Some("navigate next"));
        assert_eq!(catalog.get("open_palm").map(|g| g.intent_on("call")), Some("hang_up"));
    }

    #[test]
    fn mistakes_name_the_gesture_and_key() {
        let text = std::fs::read_to_string(Catalog::default_path()).expect("file");
        let bad_intent = text.replace("intent = \"zoom in\"", "intent = \"zoom\"");
        assert!(Catalog::parse(&bad_intent).unwrap_err().contains("pinch_out"));
        let bad_key = text.replace("hold_ms = 800", "hold = 800");
        assert!(Catalog::parse(&bad_key).unwrap_err().contains("hold"));
        let missing = text.replace("name = \"wave\"", "name = \"waves\"");
        assert!(Catalog::parse(&missing).unwrap_err().contains("wave"));
        let bad_screen = text.replace("on.call = \"hang_up\"", "on.calls = \"hang_up\"");
        assert!(Catalog::parse(&bad_screen).unwrap_err().contains("calls"));
    }

    #[test]
    fn intents_split_into_name_and_slot() {
        let (name, slots) = parse_intent("navigate next").expect("parses");
        assert_eq!((name.as_str(), slots.get("to").map(String::as_str)), ("navigate", Some("next")));
        assert!(parse_intent("navigate").is_none());
        assert!(parse_intent("confirm now").is_none());
        assert!(parse_intent("dance").is_none());
    }
}
