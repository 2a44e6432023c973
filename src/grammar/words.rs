//! Everyday words as data: `grammars/<lang>/_words.toml`. Not sentences but the words that
//! carry a meaning wherever they stand in one — what a wall topic is called in talk ("차 막혀",
//! "gridlock"), how a person is named by what they do ("책임자", "whoever handles"), what asks
//! for a call ("연결해", "get me"), and what names a district's own head ("구청장", "district
//! mayor"). The understanding stage finds them anywhere in an utterance
//! (`crate::intent::names`); templates do not use them.
//!
//! ```toml
//! [topics]
//! traffic = ["교통", "차 막혀", "정체"]
//! [people]
//! role = ["책임자", "담당자"]
//! call = ["연결해", "불러"]
//! district_head = ["구청장"]
//! ```
//! A missing file means no everyday words: the stage then goes by city names alone. Korean
//! also hears the English topic words (people mix them in: "강서 air quality 좀").

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    /// Wall topic (the `topic` a `show_topic` command fixes) → words that mean it.
    #[serde(default)]
    pub topics: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub people: People,
    /// Words that hold a topic's word and mean something else ("air conditioning", "불만"
    /// is not "불"): heard, they say nothing.
    #[serde(default)]
    pub unrelated: Vec<String>,
}

impl Words {
    /// Adds another language's topic words: people mix them in ("강서 air quality 좀", "Pull up
    /// the 민원 list").
    pub fn mix_in(&mut self, other: &Words) {
        for (topic, words) in &other.topics {
            self.topics.entry(topic.clone()).or_default().extend(words.iter().cloned());
        }
        self.unrelated.extend(other.unrelated.iter().cloned());
    }

    /// The topic and unrelated words written in Hangul: the Korean words people keep when they
    /// speak English ("Pull up the 민원 list").
    pub fn hangul_only(&self) -> Words {
        let hangul = |w: &&String| w.chars().any(crate::text::is_hangul);
        Words {
            topics: self
                .topics
                .iter()
                .map(|(t, ws)| (t.clone(), ws.iter().filter(hangul).cloned().collect()))
                .collect(),
            people: People::default(),
            unrelated: self.unrelated.iter().filter(hangul).cloned().collect(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct People {
    /// Words for "the person in charge", said with what they handle ("복지 담당하시는 분").
    #[serde(default)]
    pub role: Vec<String>,
    /// Words that ask for a call.
    #[serde(default)]
    pub call: Vec<String>,
    /// Words for a district's own head, said with the district ("송파 구청장님").
    #[serde(default)]
    pub district_head: Vec<String>,
}

/// The file's name in a language's grammar folder.
pub const FILE: &str = "_words.toml";
