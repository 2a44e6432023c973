//! The template language of command files, in the manner of hassil:
//! `(a|b)` alternatives, `[x]` optional, `{slot}` a slot, `<rule>` an expansion rule.
//! A template parses into a [`Node`] tree; [`expand`] lists every sentence it stands for, with
//! slots left as [`Piece::Slot`], up to a limit.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Word(String),
    Slot(String),
    Rule(String),
    Seq(Vec<Node>),
    Alt(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Piece {
    Word(String),
    Slot(String),
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TemplateError {
    #[error("`{template}`: {message} at character {at}")]
    Syntax { template: String, message: String, at: usize },
    #[error("unknown rule <{0}>")]
    UnknownRule(String),
    #[error("rule <{0}> refers to itself")]
    RecursiveRule(String),
    #[error("expands to more than {0} sentences; split it or use fewer alternatives")]
    TooMany(usize),
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> TemplateError {
        TemplateError::Syntax { template: self.text.to_string(), message: message.to_string(), at: self.pos }
    }

    /// A sequence of items up to one of `stops` (not consumed).
    fn seq(&mut self, stops: &[char]) -> Result<Node, TemplateError> {
        let mut items = Vec::new();
        let mut word = String::new();
        let flush = |word: &mut String, items: &mut Vec<Node>| {
            if !word.is_empty() {
                items.push(Node::Word(std::mem::take(word)));
            }
        };
        while let Some(&c) = self.chars.get(self.pos) {
            if stops.contains(&c) {
                break;
            }
            match c {
                '(' | '[' => {
                    flush(&mut word, &mut items);
                    let close = if c == '(' { ')' } else { ']' };
                    self.pos += 1;
                    let mut alts = vec![self.seq(&['|', close])?];
                    while self.chars.get(self.pos) == Some(&'|') {
                        self.pos += 1;
                        alts.push(self.seq(&['|', close])?);
                    }
                    if self.chars.get(self.pos) != Some(&close) {
                        return Err(self.error(&format!("missing `{close}`")));
                    }
                    self.pos += 1;
                    if c == '[' {
                        alts.push(Node::Seq(Vec::new()));
                    }
                    items.push(Node::Alt(alts));
                }
                '{' | '<' => {
                    flush(&mut word, &mut items);
                    let close = if c == '{' { '}' } else { '>' };
                    let start = self.pos + 1;
                    let end = self.chars[start..].iter().position(|&x| x == close).map(|p| start + p);
                    let Some(end) = end else { return Err(self.error(&format!("missing `{close}`"))) };
                    let name: String = self.chars[start..end].iter().collect::<String>().trim().to_string();
                    if name.is_empty() || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
                        return Err(self.error("a slot or rule name is letters, digits and _"));
                    }
                    items.push(if c == '{' { Node::Slot(name) } else { Node::Rule(name) });
                    self.pos = end + 1;
                }
                ')' | ']' | '|' | '}' | '>' => return Err(self.error(&format!("unexpected `{c}`"))),
                c if c.is_whitespace() => {
                    flush(&mut word, &mut items);
                    self.pos += 1;
                }
                c => {
                    word.push(c);
                    self.pos += 1;
                }
            }
        }
        flush(&mut word, &mut items);
        Ok(Node::Seq(items))
    }
}

pub fn parse(text: &str) -> Result<Node, TemplateError> {
    let mut p = Parser { chars: text.chars().collect(), pos: 0, text };
    let node = p.seq(&[])?;
    if p.pos != p.chars.len() {
        return Err(p.error("unexpected text"));
    }
    Ok(node)
}

/// Every sentence of `node`, with rules expanded from `rules`, at most `limit`.
pub fn expand(node: &Node, rules: &HashMap<String, Node>, limit: usize) -> Result<Vec<Vec<Piece>>, TemplateError> {
    expand_inner(node, rules, limit, &mut Vec::new())
}

fn expand_inner(
    node: &Node,
    rules: &HashMap<String, Node>,
    limit: usize,
    stack: &mut Vec<String>,
) -> Result<Vec<Vec<Piece>>, TemplateError> {
    Ok(match node {
        Node::Word(w) => vec![vec![Piece::Word(w.clone())]],
        Node::Slot(s) => vec![vec![Piece::Slot(s.clone())]],
        Node::Rule(name) => {
            if stack.contains(name) {
                return Err(TemplateError::RecursiveRule(name.clone()));
            }
            let body = rules.get(name).ok_or_else(|| TemplateError::UnknownRule(name.clone()))?;
            stack.push(name.clone());
            let out = expand_inner(body, rules, limit, stack)?;
            stack.pop();
            out
        }
        Node::Alt(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(expand_inner(a, rules, limit, stack)?);
                if out.len() > limit {
                    return Err(TemplateError::TooMany(limit));
                }
            }
            out
        }
        Node::Seq(items) => {
            let mut out: Vec<Vec<Piece>> = vec![Vec::new()];
            for item in items {
                let tails = expand_inner(item, rules, limit, stack)?;
                if out.len() * tails.len() > limit {
                    return Err(TemplateError::TooMany(limit));
                }
                out = out
                    .iter()
                    .flat_map(|head| tails.iter().map(move |t| head.iter().chain(t).cloned().collect()))
                    .collect();
            }
            out
        }
    })
}

/// How many sentences `node` stands for, without listing them (saturating).
pub fn count(node: &Node, rules: &HashMap<String, Node>, depth: usize) -> Result<usize, TemplateError> {
    if depth > 32 {
        return Err(TemplateError::RecursiveRule("(too deep)".into()));
    }
    Ok(match node {
        Node::Word(_) | Node::Slot(_) => 1,
        Node::Rule(name) => {
            count(rules.get(name).ok_or_else(|| TemplateError::UnknownRule(name.clone()))?, rules, depth + 1)?
        }
        Node::Alt(alts) => alts
            .iter()
            .try_fold(0usize, |acc, a| Ok::<_, TemplateError>(acc.saturating_add(count(a, rules, depth)?)))?,
        Node::Seq(items) => items
            .iter()
            .try_fold(1usize, |acc, a| Ok::<_, TemplateError>(acc.saturating_mul(count(a, rules, depth)?)))?,
    })
}

/// Every slot name `node` uses, through its rules.
pub fn slots(node: &Node, rules: &HashMap<String, Node>, out: &mut Vec<String>, depth: usize) {
    match node {
        Node::Slot(s) => out.push(s.clone()),
        Node::Rule(name) if depth < 32 => {
            if let Some(body) = rules.get(name) {
                slots(body, rules, out, depth + 1);
            }
        }
        Node::Alt(items) | Node::Seq(items) => items.iter().for_each(|n| slots(n, rules, out, depth)),
        Node::Word(_) | Node::Rule(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(t: &str, rules: &[(&str, &str)]) -> Vec<String> {
        let rules = rules.iter().map(|(k, v)| (k.to_string(), parse(v).expect("rule"))).collect();
        let mut out: Vec<String> = expand(&parse(t).expect("template"), &rules, 100)
            .expect("expands")
            .into_iter()
            .map(|s| {
                s.iter()
                    .map(|p| match p {
                        Piece::Word(w) => w.clone(),
                        Piece::Slot(s) => format!("{{{s}}}"),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn alternatives_optionals_slots_rules() {
        assert_eq!(
            sentences("{district} (미세먼지|대기질) [좀] <show>", &[("show", "(보여줘|띄워 줘)")]),
            [
                "{district} 대기질 띄워 줘",
                "{district} 대기질 보여줘",
                "{district} 대기질 좀 띄워 줘",
                "{district} 대기질 좀 보여줘",
                "{district} 미세먼지 띄워 줘",
                "{district} 미세먼지 보여줘",
                "{district} 미세먼지 좀 띄워 줘",
                "{district} 미세먼지 좀 보여줘",
            ]
        );
        assert_eq!(
            sentences("show [me] (the|) map", &[]),
            ["show map", "show me map", "show me the map", "show the map"]
        );
    }

    #[test]
    fn errors_say_where() {
        assert!(matches!(parse("(a|b"), Err(TemplateError::Syntax { .. })));
        assert!(matches!(parse("a]"), Err(TemplateError::Syntax { .. })));
        assert!(matches!(parse("{dis trict}"), Err(TemplateError::Syntax { .. })));
        let rules = HashMap::from([("a".to_string(), parse("<a>").expect("rule"))]);
        assert_eq!(expand(&parse("<a>").expect("t"), &rules, 10), Err(TemplateError::RecursiveRule("a".into())));
        assert_eq!(expand(&parse("<b>").expect("t"), &rules, 10), Err(TemplateError::UnknownRule("b".into())));
        assert_eq!(expand(&parse("(a|b) (c|d) (e|f) (g|h)").expect("t"), &rules, 10), Err(TemplateError::TooMany(10)));
    }
}
