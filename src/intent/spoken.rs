//! Speech has edges that typing does not: a recognizer adds words after the command ("…with
//! sugar, a little bit of") or mishears the first ("Bruet triple shot…"). For spoken English,
//! when the whole transcript is not a command, the matcher is asked again with up to four words
//! dropped from the end and at most two from the start ("I have a…" heard for "I'll have a…",
//! where the grammar says "can I have a…"), fewest first; talk loses at most one ("they said
//! show me the traffic" is not a command); the first parse that is a
//! whole command is the answer. Typed commands are never trimmed. Only when no template takes
//! the transcript or a trimmed one does the loose stage read the whole transcript.

use super::{Matcher, Outcome};

/// Most words dropped from the end, and from the start.
const MAX_TAIL: usize = 4;
const MAX_HEAD: usize = 2;
/// …and from the start of what reads as talk.
const MAX_HEAD_TALK: usize = 1;
/// A trimmed transcript keeps at least this many words (a word or two parse too easily).
const MIN_WORDS: usize = 3;

/// The matcher's answer for a transcript, trimming its edges if the whole is not a command.
pub fn parse_spoken(matcher: &Matcher, text: &str) -> Outcome {
    // A recognizer joins words with hyphens ("a 20-ounce-iced mocha", "medium-iced"): as said,
    // they are words of their own.
    let unhyphenated = text.replace('-', " ");
    let text = unhyphenated.as_str();
    let whole = matcher.parse_with(text, false);
    if matches!(whole, Outcome::Understood(_)) {
        return whole;
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let max_head = if super::talk::talk(matcher.lang(), &words) { MAX_HEAD_TALK } else { MAX_HEAD };
    for dropped in 1..=MAX_TAIL + max_head {
        for head in 0..=dropped.min(max_head) {
            let tail = dropped - head;
            if tail > MAX_TAIL || words.len() < MIN_WORDS + dropped {
                continue;
            }
            let trimmed = words[head..words.len() - tail].join(" ");
            if let Outcome::Understood(mut intent) = matcher.parse_with(&trimmed, false) {
                // Less sure than a transcript that is a command as it stands.
                intent.confidence *= 1.0 - 0.05 * dropped as f32;
                return Outcome::Understood(intent);
            }
        }
    }
    matcher.parse_loosely(text, whole)
}
