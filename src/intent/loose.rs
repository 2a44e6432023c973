//! The understanding stage for what no template says: when the template matcher finds no
//! command, the words left after the city's names are taken out are weighed against every
//! command's sentences as evidence, not matched as a whole. People put context around a request
//! ("점심 먹고 오는 길인데 종로 쪽 사고 난 거 있어?"), drop the verb ("Gangbuk youth
//! unemployment") or ask instead of ordering ("is the air bad in Guro today?"); the words that
//! name the command are still there.
//!
//! The model is learned at start from the grammar's own sentences (the matcher's forms): for
//! every command, how much more often each character bigram and trigram of its sentences occurs
//! there than in the grammar as a whole (a log-likelihood ratio, as naive Bayes against a
//! background). An utterance scores each command by the evidence of its grams; grams that no
//! sentence has weigh nothing, so context and fillers do not push toward any command. A command
//! is taken only when its evidence is strong and clearly ahead of the next command with other
//! actions, its required slots were heard, and the utterance does not read as talk (statements
//! about the past, reports of what someone said). Otherwise the answer says what was heard.

use super::forms::SlotMask;
use super::spot::Span;
use super::talk::small_word;
use super::Shape;
use super::{Intent, Matcher, Outcome, Sentence, UNUSED_SLOT};
use crate::text::compact;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

/// Additive smoothing of gram counts.
const ALPHA: f32 = 0.5;

/// What a word says, as features: the word itself; in Korean, where endings and particles
/// attach to words and spacing varies, its character bigrams and its first two characters;
/// in English, its stem ("complaints", "complained" → "complain").
pub fn features<S: AsRef<str>>(lang: &str, words: &[S]) -> Vec<String> {
    let mut out = Vec::new();
    for word in words.iter().map(AsRef::as_ref) {
        // A slot in a grammar sentence, or a name heard in an utterance: the kind of name.
        if let Some(slot) = word.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            out.push(format!("slot={slot}"));
            continue;
        }
        let w = compact(word);
        if w.is_empty() {
            continue;
        }
        if lang == "ko" {
            let chars: Vec<char> = w.chars().collect();
            out.extend(chars.windows(2).map(|p| format!("b={}{}", p[0], p[1])));
            out.push(format!("p={}", chars.iter().take(2).collect::<String>()));
        } else {
            out.push(format!("s={}", stem(&w)));
        }
        out.push(format!("w={w}"));
    }
    out.sort();
    out.dedup();
    out
}

/// An English word without its common endings.
fn stem(word: &str) -> &str {
    for ending in ["ings", "ing", "ed", "es", "s", "ly"] {
        if let Some(stem) = word.strip_suffix(ending) {
            if stem.chars().count() >= 3 {
                return stem;
            }
        }
    }
    word
}

/// Per label (a command, by its index in the grammar): how characteristic each gram is.
pub struct Evidence {
    /// label → gram → log ratio of the gram's rate in the label's sentences to its rate in all.
    weights: Vec<HashMap<String, f32>>,
    /// label → the weight of a gram the grammar has but the label's sentences do not.
    absent: Vec<f32>,
    /// Grams of the whole grammar (others weigh nothing).
    known: HashMap<String, f32>,
}

impl Evidence {
    /// Learns from `(label, key)` pairs: every sentence of every command, as compact text with
    /// the slots taken out. Each label's sentences count as one document set; labels with many
    /// sentences do not outweigh labels with few.
    pub fn learn(labels: usize, sentences: impl IntoIterator<Item = (usize, Vec<String>)>) -> Evidence {
        let mut counts: Vec<HashMap<String, f32>> = vec![HashMap::default(); labels];
        let mut per_label = vec![0usize; labels];
        for (label, seen) in sentences {
            if label >= labels {
                continue;
            }
            per_label[label] += 1;
            // Presence per sentence (features are distinct), not frequency.
            for g in seen {
                *counts[label].entry(g).or_default() += 1.0;
            }
        }
        // Each label's rate of a gram: the share of its sentences that have it.
        let mut background: HashMap<String, f32> = HashMap::default();
        let active = per_label.iter().filter(|n| **n > 0).count().max(1) as f32;
        for (label, c) in counts.iter().enumerate() {
            let n = per_label[label].max(1) as f32;
            for (g, k) in c {
                *background.entry(g.clone()).or_default() += k / n / active;
            }
        }
        let mut weights = Vec::with_capacity(labels);
        let mut absent = Vec::with_capacity(labels);
        let floor = 0.5 / active;
        for (label, c) in counts.into_iter().enumerate() {
            let n = per_label[label].max(1) as f32;
            let rate = |k: f32| (k + ALPHA) / (n + 2.0 * ALPHA);
            let w: HashMap<String, f32> = c
                .into_iter()
                .map(|(g, k)| {
                    let bg = background.get(&g).copied().unwrap_or(floor).max(floor * 0.1);
                    let weight = (rate(k) / bg).ln();
                    (g, weight)
                })
                .collect();
            weights.push(w);
            absent.push((rate(0.0) / (1.0 / active)).ln().max(-3.0));
        }
        Evidence { weights, absent, known: background }
    }

    /// The strongest evidence for `label` among `features` (0 when none is).
    pub fn strongest(&self, label: usize, features: &[String]) -> f32 {
        self.weights.get(label).map_or(0.0, |w| features.iter().filter_map(|f| w.get(f).copied()).fold(0.0, f32::max))
    }

    /// Each label's evidence from `features` (distinct; what the grammar has never seen weighs
    /// nothing), and how many of them the grammar knows.
    pub fn score(&self, features: &[String]) -> (Vec<f32>, usize) {
        let known: Vec<&String> = features.iter().filter(|g| self.known.contains_key(*g)).collect();
        let scores = self
            .weights
            .iter()
            .zip(&self.absent)
            .map(|(w, absent)| {
                // Only the evidence for a label counts fully; a gram it lacks costs a little,
                // so a label that explains more of what was said wins over one that explains
                // one word of it.
                known.iter().map(|g| w.get(*g).copied().map_or(*absent * 0.25, |v| v.max(0.0))).sum::<f32>()
            })
            .collect();
        (scores, known.len())
    }
}

/// The least evidence a command needs to be taken (a sum of log ratios: about two words that
/// only its sentences have).
const MIN_EVIDENCE: f32 = 6.0;
/// How far ahead of the next command with other actions it must be.
const MARGIN: f32 = 1.0;
/// The least share of the request's words the command's sentences must explain: a request
/// says little besides what it asks; talk that happens to hold a command word says much else.
const COVERAGE: f32 = 0.6;
/// The evidence one word must give on its own for a command to be taken (a word rarely said
/// elsewhere in the grammar, or a name of the kind the command takes).
const ANCHOR: f32 = 3.0;
/// How sure a loose reading is said to be: below a whole command (0.99), so the voice path,
/// which acts early or on a Korean alternative only for whole commands, never does on one.
const CONFIDENCE: f32 = 0.85;

/// The most words a request without an action may have (see [`Loose::bare_request`]).
const BARE_WORDS: usize = 6;
/// The intents that put something on the wall: what a name said alone asks for.
const SHOWN: &[&str] = &["show_topic", "show_indicator"];

/// The intents that name no topic of their own — the wall's controls, a follow-up (its topic is
/// the one before), a search (free text): a guess at one from some of the words yields to a topic
/// named outright (see [`Loose::second_opinion`]).
const NO_TOPIC_OF_THEIR_OWN: &[&str] = &[
    "hang_up",
    "mute",
    "unmute",
    "volume",
    "navigate",
    "zoom",
    "layout",
    "help",
    "repeat",
    "undo",
    "cancel",
    "confirm",
    "deny",
    "lock",
    "public_mode",
    "unlock",
    "switch_language",
    "live",
    "follow_up",
    "search",
];

/// The matcher's loose stage: evidence learned from its sentences, and each command's slots.
pub struct Loose {
    evidence: Evidence,
    allowed: Vec<SlotMask>,
    required: Vec<SlotMask>,
    /// Commands whose every sentence has free text (`{query}`): the loose stage cannot say
    /// what to search for, so it never takes them.
    needs_query: Vec<bool>,
}

impl Loose {
    pub(super) fn new(lang: &str, commands: usize, sentences: &[Sentence]) -> Loose {
        let mut allowed = vec![0; commands];
        let mut required = vec![SlotMask::MAX; commands];
        let mut needs_query = vec![true; commands];
        for s in sentences {
            allowed[s.command] |= s.allowed;
            required[s.command] &= s.required;
            needs_query[s.command] &= s.around_query.is_some();
        }
        let evidence = Evidence::learn(
            commands,
            sentences.iter().map(|s| {
                let text = s.text.split_once(": ").map_or(s.text.as_str(), |(_, t)| t);
                (s.command, features(lang, &text.split_whitespace().collect::<Vec<_>>()))
            }),
        );
        Loose { evidence, allowed, required, needs_query }
    }

    /// The slots command `c` can take.
    pub(super) fn allowed(&self, c: usize) -> SlotMask {
        self.allowed.get(c).copied().unwrap_or(0)
    }

    /// Whether command `c` takes exactly the slots `mask`: all it needs, none it cannot take.
    pub(super) fn fits(&self, c: usize, mask: SlotMask) -> bool {
        self.required.get(c).is_some_and(|r| r & !mask == 0)
            && mask & !self.allowed(c) == 0
            && !self.needs_query.get(c).copied().unwrap_or(true)
    }

    /// What `words` (normalised, skip words out; `shape`: how the text was written)
    /// mean when no template matched: a command, or why not — `not_matched` is the template matcher's answer, kept when nothing is heard.
    pub(super) fn understand(&self, m: &Matcher, words: &[&str], shape: Shape, not_matched: Outcome) -> Outcome {
        let spotted = m.spotter.spot(words);
        let spans = heard_names(&spotted, words);
        if super::talk::asked_or_talk(&m.lang, words, shape.question) {
            return refuse(not_matched, "it sounds like talk, not a request to the wall");
        }
        let hits = m.names.find(words);
        let same = |a: usize, b: usize| {
            let (a, b) = (&m.grammar.commands[a].def, &m.grammar.commands[b].def);
            a.intent == b.intent && a.fixed == b.fixed
        };
        // Each name is a slot, or (one at a time) a word: "budget" is an office and a topic.
        let mut best: Option<(usize, f32, f32, Vec<Span>)> = None;
        for reading in readings(&spans) {
            let mask =
                reading.iter().fold(0, |mask, s| mask | m.slot_bits.get(&s.slot).copied().unwrap_or(UNUSED_SLOT));
            let said = said_as(words, &reading);
            let (scores, _) = self.evidence.score(&features(&m.lang, &said));
            let mut ranked: Vec<(usize, f32)> =
                scores.iter().copied().enumerate().filter(|(c, _)| self.fits(*c, mask)).collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
            let Some(&(top, score)) = ranked.first() else { continue };
            let next = ranked.iter().find(|(c, _)| !same(*c, top)).map_or(0.0, |(_, s)| *s);
            if best.as_ref().is_none_or(|(_, b, _, _)| score > *b) {
                best = Some((top, score, next, reading));
            }
        }
        if let Some((top, score, next, reading)) = best {
            let said = said_as(words, &reading);
            if score >= MIN_EVIDENCE && score - next >= MARGIN && self.covers(&m.lang, top, &said) >= COVERAGE {
                let example = m.grammar.commands[top].def.examples.first().map(|e| e.text.as_str()).unwrap_or_default();
                let how = format!("understood loosely, like “{example}” (evidence {score:.1})");
                let taken = intent(m, top, &reading, how);
                // A call is asked for in words; a guess at one from other words is not taken
                // ("can you get the budget slides to me" is not a call to the budget officer).
                if taken.name == "call" && !hits.iter().any(|h| h.cue == super::names::Cue::Call) {
                    // "Get the culture chief for me": a person got is a call, as the names read it.
                    let got = m.names.decide(m, words, shape, &spans, &hits, false).filter(|n| n.name == "call");
                    if let Some(got) = got.filter(|_| m.lang == "en" && super::cues::gets(words)) {
                        return Outcome::Understood(got);
                    }
                    let named = self.second_opinion(m, words, shape, taken);
                    if named.name == "call" {
                        return refuse(
                            not_matched,
                            "heard a person but no word asking for a call — say “call” or “연결해”",
                        );
                    }
                    return Outcome::Understood(named);
                }
                return Outcome::Understood(self.second_opinion(m, words, shape, taken));
            }
        }
        if spans.is_empty() && hits.is_empty() {
            return not_matched;
        }
        if let Some(asked) = self.bare_request(m, words, &spotted) {
            return asked;
        }
        if let Some(named) = m.names.decide(m, words, shape, &spans, &hits, false) {
            return Outcome::Understood(named);
        }
        if spans.is_empty() && !hits.iter().any(|h| matches!(h.cue, super::names::Cue::Topic(_))) {
            return not_matched;
        }
        let mut names: Vec<&str> = spans.iter().map(|s| s.text.as_str()).collect();
        names.extend(hits.iter().filter(|h| matches!(h.cue, super::names::Cue::Topic(_))).map(|h| h.text.as_str()));
        let hint = if m.lang == "ko" {
            "연결해 (영상 통화) 또는 보여 줘 (화면) 라고 말씀해 주세요"
        } else {
            "say “call” to call, or “show” to put it on the wall"
        };
        refuse(not_matched, &format!("heard {} but not what to do with it — {hint}", names.join(", ")))
    }
}

impl Loose {
    /// A guess (a loose reading, or a template's near miss) checked against what was named: a
    /// topic called by its everyday word outweighs a guess at another topic from the other
    /// words ("any water main problems" is water, not a train), and a call where nothing asked
    /// for one ("budget, put it on the screen") is the topic.
    pub(super) fn second_opinion(&self, m: &Matcher, words: &[&str], shape: Shape, taken: Intent) -> Intent {
        let hits = m.names.find(words);
        let spans = heard_names(&m.spotter.spot(words), words);
        if taken.name != "show_topic" && taken.name != "call" {
            // A topic called by its everyday word outweighs a guess at a command that names no
            // topic of its own, made from the other words ("가구 수 보여줘" is the population, not help
            // because "수" and "보여줘" are in "뭐 할 수 있는지 보여 줘").
            let topic_named = hits.iter().any(|h| matches!(h.cue, super::names::Cue::Topic(_)));
            let shown = |i: &Intent| SHOWN.contains(&i.name.as_str());
            return match m.names.decide(m, words, shape, &spans, &hits, false) {
                Some(named) if topic_named && shown(&named) && NO_TOPIC_OF_THEIR_OWN.contains(&taken.name.as_str()) => {
                    named
                }
                _ => taken,
            };
        }
        if taken.name == "call" && hits.iter().any(|h| h.cue == super::names::Cue::Call) {
            // Who is asked for, read from the names: "Dongdaemun's mayor" is the district's head.
            return match m.names.decide(m, words, shape, &spans, &hits, false) {
                Some(named) if named.name == "call" => named,
                _ => taken,
            };
        }
        // An indicator named outright ("Mapo's recycling rate") is more than a topic guessed
        // from the other words — unless its name is also a topic's everyday word ("교통").
        let topic_word = |s: &Span| {
            hits.iter().any(|h| matches!(h.cue, super::names::Cue::Topic(_)) && h.start <= s.start && s.end <= h.end)
        };
        let indicator = spans.iter().any(|s| s.slot == "indicator" && s.quality >= 0.9 && !topic_word(s));
        match m.names.decide(m, words, shape, &spans, &hits, false) {
            Some(named) if named.name == "show_topic" && named.slots.get("topic") != taken.slots.get("topic") => named,
            Some(named) if named.name == "show_indicator" && taken.name == "show_topic" && indicator => named,
            _ => taken,
        }
    }

    /// Names and words said with no action ("Nowon population by age"): on a wall, a request to
    /// see them — read as the grammar's `bare_request` sentence, by the templates only, and
    /// taken when that is a command that shows something. Short requests only: a long one
    /// without an action is talk.
    fn bare_request(&self, m: &Matcher, words: &[&str], names: &[Span]) -> Option<Outcome> {
        let frame = &m.grammar.bare_request;
        if frame.is_empty() || words.len() > BARE_WORDS {
            return None;
        }
        let framed = m.words(&frame.replace("{}", &words.join(" ")));
        let refs: Vec<&str> = framed.iter().map(String::as_str).collect();
        // Every place named must be in the command: "Nowon population by age" is Nowon's. (Other
        // names may be a template's words: "교통" is a topic and an indicator's name.)
        let keeps_names = |i: &Intent| {
            names
                .iter()
                .filter(|n| n.slot == "district" || n.slot == "neighbourhood")
                .all(|n| i.slots.get(&n.slot) == Some(&n.value))
        };
        match m.best(&refs) {
            Outcome::Understood(mut intent) if SHOWN.contains(&intent.name.as_str()) && keeps_names(&intent) => {
                intent.confidence = intent.confidence.min(CONFIDENCE);
                intent.matched = format!("{} (said without an action: {})", intent.matched, frame);
                Some(Outcome::Understood(intent))
            }
            _ => None,
        }
    }

    /// How much of what was said the command's sentences explain: the share of the words of the
    /// request (the last clause, in Korean, where the request comes after the context: "…인데,
    /// 관악 쪽 사고 난 거 있어?"), names as slots included, that are evidence for it.
    fn covers(&self, lang: &str, command: usize, said: &[std::borrow::Cow<'_, str>]) -> f32 {
        let mut words: &[std::borrow::Cow<'_, str>] = said;
        if lang == "ko" {
            let plain: Vec<&str> = said.iter().map(|w| w.as_ref()).collect();
            words = &said[super::names::last_clause(&plain)..];
        }
        if words.is_empty() {
            return 0.0;
        }
        let strength: Vec<f32> =
            words.iter().map(|w| self.evidence.strongest(command, &features(lang, &[w.as_ref()]))).collect();
        // One word at least must say this command, not only words many commands share ("tell
        // me", "what is") — and a word with a meaning of its own: a garbled transcript of talk
        // ("I am the", "it's") is all small words, and rare small words in the grammar's
        // sentences ("I am leaving, lock the screen") must not carry it.
        if !strength.iter().zip(words).any(|(s, w)| *s >= ANCHOR && !small_word(lang, w)) {
            return 0.0;
        }
        strength.iter().filter(|s| **s > 0.5).count() as f32 / words.len() as f32
    }
}

/// The readings of the names heard: all of them as slots, and each in turn as words.
fn readings(spans: &[Span]) -> Vec<Vec<Span>> {
    let mut out = vec![spans.to_vec()];
    if spans.len() <= 4 {
        for i in 0..spans.len() {
            out.push(spans.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, s)| s.clone()).collect());
        }
    }
    out
}

/// The words as the grammar's sentences are written: each name taken as a slot becomes its
/// `{slot}`, other words stay.
fn said_as<'w>(words: &[&'w str], slots: &[Span]) -> Vec<std::borrow::Cow<'w, str>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match slots.iter().find(|s| s.start == i) {
            Some(span) => {
                out.push(std::borrow::Cow::Owned(format!("{{{}}}", span.slot)));
                i = span.end.max(i + 1);
            }
            None => {
                out.push(std::borrow::Cow::Borrowed(words[i]));
                i += 1;
            }
        }
    }
    out
}

/// The names heard, one per slot: the first, unless the speaker corrected it ("노원구 말고
/// 도봉구", "Mapo, no, Seodaemun"), then the one after the correction.
fn heard_names(spans: &[Span], words: &[&str]) -> Vec<Span> {
    use super::names::CORRECTIONS;
    let mut out: Vec<Span> = Vec::new();
    for span in spans {
        match out.iter().position(|s| s.slot == span.slot) {
            None => out.push(span.clone()),
            // The same name again: the later one, which is in the request ("마포 사람들 오는데 그
            // 전에 마포 전체 상황").
            Some(i) if out[i].value == span.value => out[i] = span.clone(),
            Some(i) => {
                let between = &words[out[i].end..span.start];
                let corrected = between.iter().any(|w| CORRECTIONS.iter().any(|c| compact(w).starts_with(c)))
                    || CORRECTIONS.iter().any(|c| out[i].particle == *c);
                if corrected {
                    out[i] = span.clone();
                }
            }
        }
    }
    out
}

fn refuse(not_matched: Outcome, why: &str) -> Outcome {
    match not_matched {
        Outcome::NotUnderstood { closest, score, .. } => {
            Outcome::NotUnderstood { reason: why.to_string(), closest, score }
        }
        understood => understood,
    }
}

/// The command `c` with the names heard as its slots; `how` says how it was understood.
pub(super) fn intent(m: &Matcher, c: usize, spans: &[Span], how: String) -> Intent {
    let command = &m.grammar.commands[c];
    let mut slots: BTreeMap<String, String> = command.def.fixed.clone();
    let mut slot_text = BTreeMap::new();
    for span in spans {
        slots.insert(span.slot.clone(), span.value.clone());
        slot_text.insert(span.slot.clone(), span.text.clone());
    }
    Intent {
        name: command.def.intent.clone(),
        slots,
        slot_text,
        confidence: CONFIDENCE,
        matched: format!("{}: {how}", command.file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(s: &str) -> Vec<String> {
        features("ko", &s.split_whitespace().collect::<Vec<_>>())
    }

    #[test]
    fn the_command_whose_words_were_said_has_the_most_evidence() {
        let sentences = vec![
            (0, said("교통 보여줘")),
            (0, said("교통 상황")),
            (0, said("차 막혀")),
            (1, said("미세먼지 보여줘")),
            (1, said("공기질")),
            (2, said("연결해")),
            (2, said("전화해 줘")),
        ];
        let e = Evidence::learn(3, sentences);
        let best = |s: &str| {
            let (scores, _) = e.score(&said(s));
            scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i)
        };
        assert_eq!(best("점심 먹고 오는 길인데 차 막혀?"), Some(0));
        assert_eq!(best("공기질 어때"), Some(1));
        assert_eq!(best("좀 연결해 봐"), Some(2));
        let (scores, known) = e.score(&said("하하하"));
        assert_eq!(known, 0, "grams no sentence has are not evidence");
        assert!(scores.iter().all(|s| *s == 0.0));
        assert_eq!(stem("complaints"), "complaint");
        assert_eq!(stem("is"), "is");
    }
}
