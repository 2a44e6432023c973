//! The names decide: when neither a template nor the evidence of the words gives a command, what
//! was named says it. A wall topic called by an everyday word ("구로구 단수 된 데 있어?" is
//! water in Guro), an indicator by its name, a person by what they handle and a word for their
//! role ("복지 담당하시는 분 좀 불러 봐"), a district's own head by the district ("송파
//! 구청장님이랑 화상 통화"). What to do follows from what was named: a person with a word that
//! asks for a call is called; a topic or an indicator is shown (the wall's default); a person
//! named without asking for a call is not called — that is asked back.
//!
//! The words come from the grammar's `_words.toml` (topics, roles, call words, district heads)
//! and the officials' `handles_*` lists in the city data; both are data, per language.

use super::cues::{CASE_PARTICLES, ENGLISH_FILLERS, KOREAN_FILLERS};
use super::measures::{self, Measures};
use super::spot::{loose, Span};
use super::{Intent, Matcher};
use crate::city::{City, Rank};
use crate::grammar::Grammar;
use crate::text::{compact, is_hangul};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

/// What an everyday word says.
#[derive(Debug, Clone, PartialEq)]
pub enum Cue {
    /// A wall topic (`show_topic`'s `topic`).
    Topic(String),
    /// "The person in charge" ("책임자", "whoever runs").
    Role,
    /// A request for a call ("연결해", "get me").
    Call,
    /// A district's own head ("구청장", "district mayor").
    DistrictHead,
    /// What an official handles (their id).
    Handles(String),
    /// Words that hold another word and mean something else ("air conditioning"): nothing.
    Unrelated,
}

/// An everyday word heard: words `start..end`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub cue: Cue,
    pub text: String,
    /// What follows the everyday word in its last word ("가" in "통화가").
    pub rest: String,
}

/// The most words one everyday phrase may span.
const MAX_WORDS: usize = 4;
/// How sure a reading by names is said to be (as the loose stage's: below a whole command).
const CONFIDENCE: f32 = 0.85;
/// Words that correct what was just said ("교통 말고 공기", "traffic, no, the air").
pub const CORRECTIONS: &[&str] = &["말고", "아니", "아니고", "아니라", "no", "not", "instead", "rather", "mean"];

pub struct Names {
    pub(super) lang: String,
    /// Compact words → what they say.
    exact: HashMap<String, Vec<Cue>>,
    /// English: the words without their endings (`spot::loose`).
    stems: HashMap<String, Vec<Cue>>,
    /// The longest key, in characters (Korean keys are matched as prefixes of what was said).
    longest: usize,
    /// District code → the id of its head.
    district_heads: HashMap<String, String>,
    /// Ids of officials of the city as a whole ("mayor"), who are the district's head when
    /// said with a district ("call Dongdaemun's mayor").
    mayors: Vec<String>,
    /// Indicators said in other words than their names.
    measures: Measures,
    /// Indicators of one group of people ([`measures::Variants`]).
    variants: measures::Variants,
}

impl Names {
    pub fn new(city: &City, grammar: &Grammar) -> Names {
        let lang = grammar.lang.clone();
        let mut names = Names {
            lang: lang.clone(),
            exact: HashMap::default(),
            stems: HashMap::default(),
            longest: 0,
            district_heads: HashMap::default(),
            mayors: Vec::new(),
            measures: Measures::new(city, &lang),
            variants: measures::Variants::new(city, grammar),
        };
        let words = &grammar.words;
        for (topic, list) in &words.topics {
            names.add(list, Cue::Topic(topic.clone()));
        }
        names.add(&words.people.role, Cue::Role);
        names.add(&words.people.call, Cue::Call);
        names.add(&words.people.district_head, Cue::DistrictHead);
        names.add(&words.unrelated, Cue::Unrelated);
        for o in &city.officials {
            names.add(if lang == "ko" { &o.handles_ko } else { &o.handles_en }, Cue::Handles(o.id.clone()));
            match o.rank {
                Rank::DistrictMayor => {
                    names.district_heads.insert(o.district.clone(), o.id.clone());
                }
                Rank::Mayor => names.mayors.push(o.id.clone()),
                _ => {}
            }
        }
        names
    }

    fn add(&mut self, list: &[String], cue: Cue) {
        for word in list {
            let key = compact(word);
            if key.is_empty() {
                continue;
            }
            self.longest = self.longest.max(key.chars().count());
            let cues = self.exact.entry(key).or_default();
            if !cues.contains(&cue) {
                cues.push(cue.clone());
            }
            if let Some(stem) = loose(word).filter(|s| s.chars().count() >= 4) {
                let cues = self.stems.entry(stem).or_default();
                if !cues.contains(&cue) {
                    cues.push(cue.clone());
                }
            }
        }
    }

    /// What words `start..end` say, if anything. Korean words carry endings ("불났어",
    /// "막히는데"): a key of two or more characters may be the start of the last word.
    fn lookup(&self, words: &[&str], start: usize, end: usize) -> Option<(&[Cue], String)> {
        let text = words[start..end].join(" ");
        // "where the money's going": the word without its "'s".
        let text = text.strip_suffix("'s").or_else(|| text.strip_suffix("’s")).unwrap_or(&text).to_string();
        let key = compact(&text);
        if let Some(cues) = self.exact.get(&key) {
            return Some((cues, String::new()));
        }
        if key.chars().any(is_hangul) {
            // The key must reach into the last word (shorter spans are looked up on their own).
            let before = compact(&words[start..end - 1].join(" ")).chars().count();
            let chars: Vec<char> = key.chars().collect();
            let from = (before + 1).max(2);
            for n in (from..chars.len().min(self.longest + 1)).rev() {
                if let Some(cues) = self.exact.get(&chars[..n].iter().collect::<String>()) {
                    return Some((cues, chars[n..].iter().collect()));
                }
            }
            return None;
        }
        loose(&text).and_then(|k| self.stems.get(&k)).map(|c| (c.as_slice(), String::new()))
    }

    /// Every everyday word in `words`: longest first, then leftmost, not overlapping.
    pub fn find(&self, words: &[&str]) -> Vec<Hit> {
        let mut taken = vec![false; words.len()];
        let mut hits = Vec::new();
        for len in (1..=MAX_WORDS.min(words.len())).rev() {
            for start in 0..=words.len() - len {
                let end = start + len;
                if taken[start..end].iter().any(|t| *t) {
                    continue;
                }
                if let Some((cues, rest)) = self.lookup(words, start, end) {
                    taken[start..end].iter_mut().for_each(|t| *t = true);
                    let text = words[start..end].join(" ");
                    hits.extend(cues.iter().map(|cue| Hit {
                        start,
                        end,
                        cue: cue.clone(),
                        text: text.clone(),
                        rest: rest.clone(),
                    }));
                }
            }
        }
        hits.sort_by_key(|h| h.start);
        hits
    }

    /// The command that what was named asks for, if it is clear: `names` are the city names
    /// heard (one per slot, corrections applied), `hits` the everyday words; `whole`: the request
    /// is all that was said, not its last part (the last clause in Korean, the last sentence
    /// when it names something).
    pub(super) fn decide(
        &self,
        m: &Matcher,
        words: &[&str],
        shape: super::Shape,
        names: &[Span],
        hits: &[Hit],
        whole: bool,
    ) -> Option<Intent> {
        // In Korean the request comes last, after what led to it ("비 올 것 같은데 우산
        // 챙겼어?" asks about an umbrella, not the weather). So does the last sentence, when it
        // names something ("It's been a long day. Traffic?"); a district named in the sentence
        // before still holds ("Has something happened in Yongsan? Emergencies, I mean").
        let (all_names, all_hits) = (names, hits);
        let clause = match self.lang.as_str() {
            _ if whole => 0,
            "ko" => last_clause(words),
            _ => super::cues::english_request(words),
        };
        let sentence = if whole { 0 } else { shape.sentence.min(words.len()) };
        let named_from = |i: usize| names.iter().any(|s| s.start >= i) || hits.iter().any(|h| h.start >= i);
        let split = sentence > clause && named_from(sentence);
        let from = if split { sentence } else { clause };
        // A request that names nothing and asks the wall for what the context named ("관악 쪽에
        // 화재 났다던데 그거 좀 보여줘", "대기질 안 좋다던데 좀 띄워 봐").
        let wall_asked = words[from..].iter().any(|w| self.wall_verb(&compact(w)));
        let from = if from > 0 && !named_from(from) && wall_asked { 0 } else { from };
        let district_after = names.iter().any(|s| s.slot == "district" && s.start >= from);
        // A district of the context holds for a request that names none: the sentence before
        // ("Has something happened in Yongsan? Emergencies, I mean"), the clause before in
        // Korean ("이따 종로로 나가야 되는데 거기 차 막히나 좀 봐줘").
        let carried = |s: &Span| {
            s.slot == "district" && !district_after && ((split && s.start >= clause) || (!split && from > 0))
        };
        let names: Vec<&Span> = names.iter().filter(|s| s.start >= from || carried(s)).collect();
        // The topic of the context holds for a request that names none ("요즘 미세먼지 장난
        // 아니던데 성북 쪽 수치 좀").
        // (Only for a request that names a place, asks for a figure or asks the wall: "…어디로
        // 정해졌어요?" after a topic asks a person.)
        let place_after =
            names.iter().any(|s| s.start >= from && matches!(s.slot.as_str(), "district" | "neighbourhood"));
        let figure_after = words[from..].iter().any(|w| measures::figure(&self.lang, w));
        let asks_wall = from > 0 && super::talk::requests_the_wall(&words[from..]);
        let topic_after = !(place_after || figure_after || asks_wall)
            || hits.iter().any(|h| h.start >= from && matches!(h.cue, Cue::Topic(_)));
        let hits: Vec<&Hit> =
            hits.iter().filter(|h| h.start >= from || (!topic_after && matches!(h.cue, Cue::Topic(_)))).collect();
        let has = |cue: &Cue| hits.iter().any(|h| &h.cue == cue);
        // A call word asks for a call; as a noun with a particle it is talked about ("통화가
        // 어려우세요").
        // "화상으로" (by video) asks for one.
        // A call made is told, not asked for ("통화했는데", "통화한 거", "전화하셨어요").
        let as_noun = |rest: &str| {
            (CASE_PARTICLES.contains(&rest) && !matches!(rest, "로" | "으로"))
                || rest.starts_with('했')
                || rest.starts_with("하셨")
                || rest == "한"
        };
        // "People", "folks", "someone", "person" name a person only when a call is asked for ("how many
        // young people have jobs" asks for a figure).
        let generic =
            |h: &Hit| matches!(compact(&h.text).as_str(), "people" | "folks" | "someone" | "somebody" | "person");
        // "Get the culture chief for me", "could you get the person in charge of parks": a person
        // got is a call.
        // (Not what is theirs: "get the deputy mayor's car ready".)
        let theirs =
            |s: &Span| words.get(s.end.wrapping_sub(1)).is_some_and(|w| w.ends_with("'s") || w.ends_with("s'"));
        // (Nor an office named by its subject: "can you get the budget slides to me".)
        let subject_word =
            |s: &Span| hits.iter().any(|h| matches!(h.cue, Cue::Topic(_)) && h.start == s.start && h.end >= s.end);
        let person = names.iter().any(|s| s.slot == "official" && !theirs(s) && !subject_word(s))
            || hits.iter().any(|h| h.cue == Cue::Role && !generic(h));
        // "통화 중이세요" (on a call) tells.
        let busy = |h: &Hit| words.get(h.end).is_some_and(|w| compact(w).starts_with('중'));
        let call = hits.iter().any(|h| h.cue == Cue::Call && !as_noun(&h.rest) && !busy(h))
            || (self.lang == "en" && person && super::cues::gets(&words[from..]));
        // The person as the subject of what is said ("본부장님이 아까 전화 주셨었나요?",
        // "비서실장님은 통화 중이세요"): talk about them, not a call.
        let subject = |s: &&Span| {
            let particle = s.particle.trim_start_matches('님');
            s.slot == "official" && matches!(particle, "이" | "가" | "께서" | "은" | "는")
        };
        if self.lang == "ko" && names.iter().any(subject) {
            return None;
        }
        let role = hits.iter().any(|h| h.cue == Cue::Role && (call || !generic(h)));
        // "Who is writing the statement on fine dust?", "인구 통계 자료 언제까지 내야 돼요?" ask
        // about people and their work, not for the wall.
        let about_people =
            |w: &&str| matches!(compact(w).as_str(), "누가" | "누구" | "who" | "whos" | "언제" | "언제까지" | "when");
        if !call && words[from..].iter().any(about_people) {
            return None;
        }
        // The whole name is a topic's word ("budget"), not a title holding one ("교통실장", "fire chief").
        let topic_words = |s: &Span| {
            hits.iter()
                .any(|h| matches!(h.cue, Cue::Topic(_)) && h.start == s.start && h.end >= s.end && h.rest.is_empty())
        };
        let district = names.iter().find(|s| s.slot == "district");
        let mut official = names
            .iter()
            .find(|s| s.slot == "official")
            // An office named by its subject ("budget", "교통") is the topic unless a person is asked for.
            .filter(|s| call || role || !topic_words(s))
            .map(|s| (*s).clone());
        // "송파 구청장님", "Dongdaemun's mayor": the district's own head.
        // "the mayor's election promises": what is theirs is the topic, not the person.
        let possessive = |o: &Span| {
            let owns = words.get(o.end.wrapping_sub(1)).is_some_and(|w| w.ends_with("'s") || w.ends_with("s'"));
            owns && hits.iter().any(|h| matches!(h.cue, Cue::Topic(_)) && (o.end..=o.end + 1).contains(&h.start))
        };
        official = official.filter(|o| call || !possessive(o));
        let district_mayor = |o: &Span| self.district_heads.values().any(|id| *id == o.value);
        let heads_district = has(&Cue::DistrictHead)
            || official.as_ref().is_some_and(|o| self.mayors.contains(&o.value) || district_mayor(o));
        // The one named last holds: "마포 말고 은평 구청장" is Eunpyeong's, "the mayor of Mapo, no,
        // Eunpyeong" too.
        let named_after =
            official.as_ref().is_some_and(|o| district.is_some_and(|d| district_mayor(o) && o.start > d.start));
        if let (Some(d), true, false) = (district, heads_district, named_after) {
            if let Some(id) = self.district_heads.get(&d.value) {
                let text = official.as_ref().map_or_else(|| d.text.clone(), |o| format!("{} {}", d.text, o.text));
                official = Some(span(d.start, "official", id, &text));
            }
        }
        // "whoever handles parks": what they handle, with a word for the person ("a taxi, call
        // one" is not the transport office).
        if official.is_none() && role {
            let mut handled = hits.iter().filter_map(|h| match &h.cue {
                Cue::Handles(id) => Some((h, id)),
                _ => None,
            });
            if let Some((h, id)) = handled.next() {
                if handled.all(|(_, other)| other == id) {
                    official = Some(span(h.start, "official", id, &h.text));
                }
            }
            // Nothing handled, only a place said with the role word: its head ("get me the
            // Gangnam guy"; not "the guy from Seocho calls again").
            let beside = |d: &Span| hits.iter().any(|h| h.cue == Cue::Role && (h.start == d.end || h.end == d.start));
            if let (None, Some(d)) = (&official, district.filter(|d| beside(d))) {
                if let Some(id) = self.district_heads.get(&d.value) {
                    official = Some(span(d.start, "official", id, &d.text));
                }
            }
        }
        let mut names: Vec<Span> = names.into_iter().cloned().collect();
        let mut spotted = m.spotter.spot(words);
        // An indicator said in the speaker's own words ("what share of women are working").
        if !call && !role && official.is_none() {
            // Ages and genders are part of what an indicator measures; places are not.
            // (No person is asked for here: an office's name is words, "the 120 hotline".)
            let place_or_person = |s: &Span| matches!(s.slot.as_str(), "district" | "neighbourhood");
            let taken = |i: usize| i < from || spotted.iter().any(|s| place_or_person(s) && s.start <= i && i < s.end);
            // A topic's own words ("주민 제안", "CCTV") are the topic, unless a figure is asked for.
            let topic_word =
                |i: usize| hits.iter().any(|h| matches!(h.cue, Cue::Topic(_)) && h.start <= i && i < h.end);
            let figure = words[from..].iter().any(|w| measures::figure(&self.lang, w));
            // A topic's words with "how many" or a rate are the indicator; with a word for figures
            // in general, only when the description says more than the topic's words ("the budget
            // numbers" is the budget; "satisfaction score for Arisu tap water" is a measure).
            let more = |f: &measures::Found| {
                (f.start..f.end).any(|i| !topic_word(i) && !measures::figure(&self.lang, words[i]))
            };
            let counted = words[from..].iter().any(|w| measures::count_or_rate(&self.lang, w));
            let found = self
                .measures
                .find(words, taken)
                .filter(|f| !(f.start..f.end).any(topic_word) || counted || (figure && more(f)));
            // A name said inside a longer description of another indicator is part of it ("how
            // many jobs did we create": jobs created, not the employment rate).
            let named = names.iter().position(|s| s.slot == "indicator");
            let wider = |f: &measures::Found, s: &Span| {
                f.id != s.value && f.start <= s.start && s.end <= f.end && f.end - f.start > s.end - s.start
            };
            let found = found.filter(|f| named.is_none_or(|i| wider(f, &names[i])));
            if let Some(found) = found {
                let text = words[found.start..found.end].join(" ");
                let said = Span { end: found.end, quality: 0.9, ..span(found.start, "indicator", &found.id, &text) };
                if let Some(i) = named {
                    names.remove(i);
                }
                spotted.retain(|s| !(s.slot == "indicator" && said.start <= s.start && s.end <= said.end));
                names.push(said.clone());
                spotted.push(said);
            }
        }
        if self.about_work(words, from, &spotted, &hits) {
            return None;
        }
        if call && official.is_none() && !role && from > 0 {
            // "전세사기 담당 누구야? 연결해 봐": the call asked for on its own is for the person
            // the words before were about.
            return self.decide(m, words, shape, all_names, all_hits, true);
        }
        if call {
            let who = official?;
            return self.command(m, "call", &BTreeMap::new(), vec![who]);
        }
        if let Some(who) = official.clone().filter(|_| !role) {
            // A person named and nothing else ("강남 구청장님", "the fire chief"): on a wall
            // that calls, a call to them, which the wall asks to confirm.
            let filler = |w: &str| {
                let key = compact(w);
                KOREAN_FILLERS.contains(&key.as_str()) || ENGLISH_FILLERS.contains(&key.as_str()) || key == "the"
            };
            let named = |i: usize| {
                names.iter().any(|s| s.start <= i && i < s.end)
                    || hits.iter().any(|h| h.start <= i && i < h.end && matches!(h.cue, Cue::DistrictHead))
            };
            let bare = (from..words.len()).all(|i| named(i) || filler(words[i]));
            let inside = |h: &Hit| h.start >= who.start && h.end <= who.end.max(who.start + 1);
            if bare && !hits.iter().any(|h| matches!(h.cue, Cue::Topic(_)) && !inside(h)) {
                return self.command(m, "call", &BTreeMap::new(), vec![who]);
            }
        }
        if official.is_some() || role {
            // A person named with other words but no call asked for: asked back, not guessed.
            return None;
        }
        if !self.asks(words, from, shape.question, split, &spotted, &hits) {
            return None;
        }
        let shown: Vec<Span> = names.iter().filter(|s| s.slot != "official").cloned().collect();
        // A pledge on a subject ("청년주택 공약", "the youth housing pledge") is the pledges, even
        // when the subject is an indicator's name.
        if hits.iter().any(|h| h.cue == Cue::Topic("pledges".into())) {
            let place: Vec<Span> = shown.into_iter().filter(|s| s.slot != "indicator").collect();
            return self.command(m, "show_topic", &BTreeMap::from([("topic".to_string(), "pledges".into())]), place);
        }
        if let Some(i) = shown.iter().position(|s| s.slot == "indicator") {
            // A measure said with a group that has its own ("청년들 일하는 비율": the youth
            // employment rate).
            let mut shown = shown;
            let group = shown.iter().position(|g| {
                matches!(g.slot.as_str(), "age_group" | "gender")
                    && self.variants.of(&shown[i].value, &g.value).is_some()
            });
            if let Some(g) = group {
                if let Some(own) = self.variants.of(&shown[i].value, &shown[g].value) {
                    shown[i].value = own.to_string();
                    shown.remove(g);
                }
            }
            return self.command(m, "show_indicator", &BTreeMap::new(), shown);
        }
        let topic = topic(&hits, words)?;
        self.command(m, "show_topic", &BTreeMap::from([("topic".to_string(), topic)]), shown)
    }

    /// The command of `intent` with `fixed` slots that takes the names heard. Names the command
    /// cannot take are left out unless they are places: a place left out would show the wrong
    /// place.
    pub(super) fn command(
        &self,
        m: &Matcher,
        intent: &str,
        fixed: &BTreeMap<String, String>,
        mut spans: Vec<Span>,
    ) -> Option<Intent> {
        let candidates: Vec<usize> = (0..m.grammar.commands.len())
            .filter(|c| {
                let def = &m.grammar.commands[*c].def;
                def.intent == intent && &def.fixed == fixed
            })
            .collect();
        let bit = |s: &Span| m.slot_bits.get(&s.slot).copied().unwrap_or(super::UNUSED_SLOT);
        let allowed = candidates.iter().fold(0, |a, c| a | m.loose.allowed(*c));
        spans.retain(|s| allowed & bit(s) != 0 || s.slot == "district" || s.slot == "neighbourhood");
        let mask = spans.iter().fold(0, |a, s| a | bit(s));
        let c = candidates.into_iter().find(|c| m.loose.fits(*c, mask))?;
        let how = format!(
            "understood by what was named: {}",
            spans.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(", ")
        );
        let mut found = super::loose::intent(m, c, &spans, how);
        found.confidence = CONFIDENCE;
        Some(found)
    }
}

/// A span for a name found by everyday words.
pub(super) fn span(start: usize, slot: &str, value: &str, text: &str) -> Span {
    Span {
        start,
        end: start + 1,
        slot: slot.into(),
        value: value.into(),
        text: text.into(),
        quality: 1.0,
        particle: String::new(),
    }
}

/// The topic the everyday words name: one topic, or the one a correction ends on ("교통 말고
/// 공기"), or the one named most; none when two are named as often.
fn topic(hits: &[&Hit], words: &[&str]) -> Option<String> {
    let topics: Vec<(&Hit, &String)> = hits
        .iter()
        .filter_map(|h| match &h.cue {
            Cue::Topic(t) => Some((*h, t)),
            _ => None,
        })
        .collect();
    let (first, last) = (topics.first()?, topics.last()?);
    if topics.iter().all(|(_, t)| *t == first.1) {
        return Some(first.1.clone());
    }
    let corrected =
        words[first.0.end..last.0.start].iter().any(|w| CORRECTIONS.iter().any(|c| compact(w).starts_with(c)));
    if corrected {
        return Some(last.1.clone());
    }
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for (_, t) in &topics {
        *counts.entry(t).or_default() += 1;
    }
    let most = counts.values().copied().max()?;
    let tied: Vec<&String> = counts.iter().filter(|(_, n)| **n == most).map(|(t, _)| *t).collect();
    if let [one] = tied.as_slice() {
        return Some((*one).clone());
    }
    // A tie: the topic named by a noun, not by a word that describes ("성동 지하철역 혼잡한 데":
    // the subway, crowded).
    let nouns: Vec<&String> =
        tied.into_iter().filter(|t| topics.iter().any(|(h, ht)| ht == t && h.rest.is_empty())).collect();
    match nouns.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}

/// Where the request starts in Korean: after the last word that ends a clause of context
/// ("…길인데", "…같은데", "…니까"). The last word does not: a request may trail off politely
/// ("통화하고 싶은데").
pub fn last_clause(words: &[&str]) -> usize {
    const CONNECTIVES: &[&str] = &["는데", "인데", "은데", "니까", "지만", "던데"];
    let before_last = &words[..words.len().saturating_sub(1)];
    before_last.iter().rposition(|w| CONNECTIVES.iter().any(|c| compact(w).ends_with(c))).map_or(0, |i| i + 1)
}
