//! Compiles templates into *forms*: the literal text of a sentence (compact, slots removed) with
//! the set of slots it allows and the set it requires. Sentences that differ only in optional
//! slots or skipped words merge into one form as they are expanded, so `[{period}] [{district}]
//! 미세먼지 <show>` costs as many forms as `미세먼지 <show>`, not four times as many. Slot order
//! does not matter to a form, which is also what lets "미세먼지 강남구 보여줘" match.

use crate::grammar::template::Node;
use crate::grammar::QUERY_SLOT;
use crate::text::compact;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// Bit per slot name.
pub type SlotMask = u32;

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub key: Vec<char>,
    pub allowed: SlotMask,
    pub required: SlotMask,
    /// Where the free text goes, as a character offset in `key`.
    pub query_at: Option<usize>,
    /// One sentence this form stands for, for people.
    pub text: String,
}

pub struct Compiler<'a> {
    pub rules: &'a std::collections::HashMap<String, Node>,
    pub skip: &'a HashSet<String>,

    pub slot_bits: &'a mut HashMap<String, SlotMask>,
    memo: HashMap<String, Vec<Form>>,
}

fn merge(forms: Vec<Form>) -> Vec<Form> {
    let mut index: HashMap<(Vec<char>, Option<usize>), usize> = HashMap::default();
    let mut out: Vec<Form> = Vec::with_capacity(forms.len());
    for f in forms {
        match index.get(&(f.key.clone(), f.query_at)) {
            Some(&i) => {
                out[i].allowed |= f.allowed;
                out[i].required &= f.required;
            }
            None => {
                index.insert((f.key.clone(), f.query_at), out.len());
                out.push(f);
            }
        }
    }
    out
}

impl<'a> Compiler<'a> {
    pub fn new(
        rules: &'a std::collections::HashMap<String, Node>,
        skip: &'a HashSet<String>,
        slot_bits: &'a mut HashMap<String, SlotMask>,
    ) -> Self {
        Compiler { rules, skip, slot_bits, memo: HashMap::default() }
    }

    pub fn bit(&mut self, slot: &str) -> SlotMask {
        let next = 1u32 << self.slot_bits.len().min(31);
        *self.slot_bits.entry(slot.to_string()).or_insert(next)
    }

    pub fn forms(&mut self, node: &Node, limit: usize) -> Vec<Form> {
        let empty = |text: String| Form { key: Vec::new(), allowed: 0, required: 0, query_at: None, text };
        match node {
            Node::Word(w) => {
                let c = compact(w);
                if self.skip.contains(&c) {
                    vec![empty(String::new())]
                } else {
                    vec![Form { key: c.chars().collect(), text: w.clone(), ..empty(String::new()) }]
                }
            }
            Node::Slot(s) if s == QUERY_SLOT => vec![Form { query_at: Some(0), ..empty("{query}".into()) }],
            Node::Slot(s) => {
                let bit = self.bit(s);
                vec![Form { allowed: bit, required: bit, ..empty(format!("{{{s}}}")) }]
            }
            Node::Rule(name) => {
                if let Some(done) = self.memo.get(name) {
                    return done.clone();
                }
                let Some(body) = self.rules.get(name) else { return Vec::new() };
                let out = self.forms(body, limit);
                self.memo.insert(name.clone(), out.clone());
                out
            }
            Node::Alt(alts) => {
                let mut all = Vec::new();
                for a in alts {
                    all.extend(self.forms(a, limit));
                }
                merge(all)
            }
            Node::Seq(items) => {
                let mut acc = vec![empty(String::new())];
                for item in items {
                    let tails = self.forms(item, limit);
                    let mut next = Vec::with_capacity(acc.len() * tails.len());
                    for head in &acc {
                        for tail in &tails {
                            if head.query_at.is_some() && tail.query_at.is_some() {
                                continue;
                            }
                            let mut key = head.key.clone();
                            key.extend_from_slice(&tail.key);
                            let text = match (head.text.is_empty(), tail.text.is_empty()) {
                                (true, _) => tail.text.clone(),
                                (_, true) => head.text.clone(),
                                _ => format!("{} {}", head.text, tail.text),
                            };
                            next.push(Form {
                                query_at: head.query_at.or(tail.query_at.map(|q| q + head.key.len())),
                                key,
                                allowed: head.allowed | tail.allowed,
                                required: head.required | tail.required,
                                text,
                            });
                        }
                    }
                    acc = merge(next);
                    acc.truncate(limit);
                }
                acc
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::template::parse;

    #[test]
    fn optional_slots_merge_into_one_form() {
        let rules = std::collections::HashMap::from([("show".to_string(), parse("(보여 줘|보여줘)").expect("rule"))]);
        let skip: HashSet<String> = ["좀".to_string()].into_iter().collect();
        let mut bits = HashMap::default();
        let mut c = Compiler::new(&rules, &skip, &mut bits);
        let forms = c.forms(&parse("[{period}] [{district}] 미세먼지 [좀] <show>").expect("t"), 1000);
        assert_eq!(forms.len(), 1, "{forms:?}");
        let f = &forms[0];
        assert_eq!(f.key.iter().collect::<String>(), "미세먼지보여줘");
        assert_eq!((f.allowed.count_ones(), f.required), (2, 0));
        let forms = c.forms(&parse("민원 중에 {query} 관련 찾아줘").expect("t"), 1000);
        assert_eq!(forms[0].query_at, Some("민원중에".chars().count()));
    }
}
