//! What a touch on the wall means. The wall's buttons send the action they stand for; the office
//! takes it as the intent a spoken command with the same effect has, so a touch is resolved
//! against the index and the conversation and checked like one (a district that does not exist,
//! a zoom "sideways" are refused, with the reason). Only the wall's own moves — select, pan,
//! listen — are taken as they are.

use crate::action::Action;
use crate::commands::Meaning;
use crate::intent::Intent;
use crate::resolve::Context;

/// A touch's meaning in the conversation `ctx` (placing the call the wall asks about is a yes).
pub fn meaning(action: &Action, ctx: &Context) -> Meaning {
    let intent = |name: &str, slots: &[(&str, &str)]| {
        Meaning::Command(Intent {
            name: name.into(),
            slots: slots.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            slot_text: Default::default(),
            confidence: 1.0,
            matched: "a touch on the wall".into(),
        })
    };
    match action {
        Action::Show { topic, district, indicator, period, .. } => {
            let mut slots: Vec<(&str, &str)> = district.iter().map(|d| ("district", d.as_str())).collect();
            slots.extend(period.iter().map(|p| ("period", p.as_str())));
            match indicator {
                Some(id) => {
                    slots.push(("indicator", id));
                    intent("show_indicator", &slots)
                }
                None => {
                    slots.push(("topic", topic));
                    intent("show_topic", &slots)
                }
            }
        }
        Action::Call { official, needs_confirmation: false } if matches!(&ctx.pending_call, Some(Action::Call { official: asked, .. }) if asked.id == official.id) => {
            intent("confirm", &[])
        }
        Action::Call { official, .. } => intent("call", &[("official", &official.id)]),
        Action::Search { query, kind, district } => {
            let mut slots = vec![("query", query.as_str())];
            slots.extend(kind.iter().map(|k| ("kind", k.as_str())));
            slots.extend(district.iter().map(|d| ("district", d.as_str())));
            intent("search", &slots)
        }
        Action::Volume { direction } => intent("volume", &[("direction", direction)]),
        Action::Navigate { to } => intent("navigate", &[("to", to)]),
        Action::Zoom { direction } => intent("zoom", &[("direction", direction)]),
        Action::Layout { mode } => intent("layout", &[("mode", mode)]),
        Action::SwitchLanguage { to } => intent("switch_language", &[("language", to)]),
        Action::Confirm => intent("confirm", &[]),
        Action::Cancel => intent("cancel", &[]),
        Action::HangUp => intent("hang_up", &[]),
        Action::Mute => intent("mute", &[]),
        Action::Unmute => intent("unmute", &[]),
        Action::Undo => intent("undo", &[]),
        Action::Help => intent("help", &[]),
        Action::Repeat => intent("repeat", &[]),
        Action::Lock => intent("lock", &[]),
        Action::Unlock => intent("unlock", &[]),
        Action::PublicMode => intent("public_mode", &[]),
        Action::Replay { at } => intent("replay", &[("at", &at.to_rfc3339())]),
        Action::Live => intent("live", &[]),
        Action::Listen | Action::Select { .. } | Action::Pan { .. } => {
            Meaning::Wall("touch".into(), vec![action.clone()])
        }
    }
}
