//! Importing a Picovoice Rhino context (YAML) into our grammar files, so that people who have
//! Rhino contexts can bring them (and so that engines can be compared on the same grammar).
//!
//! Rhino's expression syntax maps onto our templates: `[a, b]` (optional choice) → `[a|b]`,
//! `(a, b)` (required choice) → `(a|b)`, `$type:name` → `{name}` with the type's values as the
//! list `name`, `@macro` → the rule `<macro>`. Slot values get the forms a recognizer writes for
//! them (digits for number words, plurals, "oz"), all mapped back to the value Rhino would give.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RhinoError {
    #[error("not a Rhino context: {0}; expected `context:` with `expressions:` (and `slots:`)")]
    Yaml(String),
    #[error("intent `{intent}`, expression `{expression}`: {message}")]
    Expression { intent: String, expression: String, message: String },
    #[error("the context has no expressions")]
    Empty,
    #[error("intent name `{0}` must be letters, digits and '_' (it becomes an intent)")]
    IntentName(String),
    #[error("slot `{0}` is used but the context has no values for its type `{1}`")]
    UnknownSlot(String, String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    context: Context,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Context {
    expressions: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    slots: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    macros: Option<BTreeMap<String, Vec<String>>>,
}

/// The grammar files for one language: `_common.toml` and `commands.toml`.
#[derive(Debug)]
pub struct Imported {
    pub common_toml: String,
    pub commands_toml: String,
    pub intents: usize,
    pub expressions: usize,
    pub slots: usize,
}

/// Converts one expression; slot types used are added to `used` as (name, type).
fn convert(expression: &str, used: &mut Vec<(String, String)>) -> Result<String, String> {
    let mut out = String::new();
    let mut depth: Vec<char> = Vec::new();
    let mut chars = expression.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' | '(' => {
                depth.push(if c == '[' { ']' } else { ')' });
                out.push(c);
            }
            ']' | ')' => {
                if depth.pop() != Some(c) {
                    return Err(format!("`{c}` does not close what is open"));
                }
                out.push(c);
            }
            ',' if !depth.is_empty() => {
                out.push('|');
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            '$' | '@' => {
                let name: String =
                    std::iter::from_fn(|| chars.next_if(|c| c.is_alphanumeric() || *c == '_' || *c == ':')).collect();
                if c == '@' {
                    out.push_str(&format!("<{name}>"));
                    continue;
                }
                let (kind, var) = name.split_once(':').ok_or_else(|| format!("slot `${name}` is not `$type:name`"))?;
                if kind.is_empty() || var.is_empty() {
                    return Err(format!("slot `${name}` is not `$type:name`"));
                }
                used.push((var.to_string(), kind.to_string()));
                out.push_str(&format!("{{{var}}}"));
            }
            '{' | '}' | '<' | '>' | '|' => return Err(format!("`{c}` has no meaning in a Rhino expression")),
            _ => out.extend(c.to_lowercase()),
        }
    }
    if let Some(open) = depth.pop() {
        return Err(format!("`{open}` is missing"));
    }
    Ok(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

const NUMBER_WORDS: [&str; 21] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// The ways a recognizer may write a slot value: digits for number words ("twelve ounce" →
/// "12 ounce"), counts for "single/double/triple", plurals and common abbreviations.
pub fn written_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_string()];
    let add = |f: String, forms: &mut Vec<String>| {
        if !forms.contains(&f) {
            forms.push(f);
        }
    };
    let words: Vec<&str> = value.split_whitespace().collect();
    let digits: Vec<String> = words
        .iter()
        .map(|w| NUMBER_WORDS.iter().position(|n| n == w).map_or(w.to_string(), |n| n.to_string()))
        .collect();
    add(digits.join(" "), &mut forms);
    let counted: Vec<String> = words
        .iter()
        .map(|w| match *w {
            "single" => "one".to_string(),
            "double" => "two".to_string(),
            "triple" => "three".to_string(),
            w => w.to_string(),
        })
        .collect();
    add(counted.join(" "), &mut forms);
    for base in forms.clone() {
        if let Some(last) = base.split_whitespace().last() {
            let plural_ok = matches!(last, "ounce" | "shot");
            if plural_ok {
                add(format!("{base}s"), &mut forms);
            }
            if last == "ounce" {
                add(format!("{} oz", base.trim_end_matches("ounce").trim_end()), &mut forms);
            }
        }
    }
    forms
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Imports a Rhino context for language `lang`; `title` says what it is about ("Coffee maker"),
/// and begins the prompt that primes the recognizer.
pub fn import(yaml: &str, lang: &str, title: &str) -> Result<Imported, RhinoError> {
    let file: File = serde_yaml::from_str(yaml).map_err(|e| RhinoError::Yaml(e.to_string()))?;
    let expressions = file.context.expressions.unwrap_or_default();
    if expressions.values().all(|e| e.is_empty()) {
        return Err(RhinoError::Empty);
    }
    let slot_types = file.context.slots.unwrap_or_default();
    let macros = file.context.macros.unwrap_or_default();
    let mut used = Vec::new();
    let mut commands = String::from("# Imported from a Rhino context by `scpm grammar import-rhino`.\n");
    let mut count = 0;
    let mut prompt_examples = Vec::new();
    for (intent, list) in &expressions {
        if intent.is_empty() || !intent.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(RhinoError::IntentName(intent.clone()));
        }
        let mut templates = Vec::new();
        for expression in list {
            let mut slots = Vec::new();
            let template = convert(expression, &mut slots).map_err(|message| RhinoError::Expression {
                intent: intent.clone(),
                expression: expression.clone(),
                message,
            })?;
            used.extend(slots);
            templates.push(template);
            count += 1;
        }
        // One example per intent: its first expression, optional parts left out, each slot its
        // type's first value.
        let (example, example_slots) = example(&list[0], &slot_types);
        prompt_examples.push(example.clone());
        commands.push_str(&format!("\n[[command]]\nintent = {}\ntemplates = [\n", quote(intent)));
        for t in &templates {
            commands.push_str(&format!("  {},\n", quote(t)));
        }
        let slots: Vec<String> = example_slots.iter().map(|(k, v)| format!("{k} = {}", quote(v))).collect();
        commands.push_str(&format!(
            "]\nexamples = [{{ text = {}, slots = {{ {} }} }}]\n",
            quote(&example),
            slots.join(", ")
        ));
    }
    used.sort();
    used.dedup();
    // The recognizer's prompt, in the style of the city grammar's: what the context is about and
    // a sentence or two as its commands go. A list of every slot value was tried and cost real
    // speech: Whisper went on listing past the end of the speech ("…with a bit of sweetener,
    // and, a lot of sweetener, and,"), and its hundreds of tokens doubled the decoding time.
    let prompt = format!("{title}: {}.", prompt_examples.iter().take(2).cloned().collect::<Vec<_>>().join("; "));
    let mut common = format!(
        "# Imported from a Rhino context by `scpm grammar import-rhino`.\nintents = [{}]\nskip_words = []\nprompt = {}\n\n[rules]\n",
        expressions.keys().map(|k| quote(k)).collect::<Vec<_>>().join(", "),
        quote(&prompt)
    );
    for (name, alternatives) in &macros {
        let mut ignored = Vec::new();
        let converted: Result<Vec<String>, String> = alternatives.iter().map(|a| convert(a, &mut ignored)).collect();
        let converted = converted.map_err(|message| RhinoError::Expression {
            intent: format!("@{name}"),
            expression: alternatives.join(", "),
            message,
        })?;
        common.push_str(&format!("{name} = {}\n", quote(&format!("({})", converted.join("|")))));
    }
    common.push_str(&format!("\n# The slots; `words` are how a recognizer may write the value ({lang}).\n[lists]\n"));
    for (var, kind) in &used {
        let values = slot_types.get(kind).ok_or_else(|| RhinoError::UnknownSlot(var.clone(), kind.clone()))?;
        common.push_str(&format!("{var} = [\n"));
        for v in values {
            let value = v.trim().to_lowercase();
            let words: Vec<String> = written_forms(&value).iter().map(|w| quote(w)).collect();
            common.push_str(&format!("  {{ words = [{}], value = {} }},\n", words.join(", "), quote(&value)));
        }
        common.push_str("]\n");
    }
    Ok(Imported {
        common_toml: common,
        commands_toml: commands,
        intents: expressions.len(),
        expressions: count,
        slots: used.len(),
    })
}

/// An expression's simplest sentence: optional parts dropped, the first of each choice, each
/// slot its first value.
fn example(expression: &str, types: &BTreeMap<String, Vec<String>>) -> (String, BTreeMap<String, String>) {
    let mut text = String::new();
    let mut slots = BTreeMap::new();
    let mut skip = 0usize; // inside [...]
    let mut choice: Vec<bool> = Vec::new(); // inside (...): past the first alternative?
    let mut chars = expression.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' => skip += 1,
            ']' => skip = skip.saturating_sub(1),
            '(' => choice.push(false),
            ')' => {
                choice.pop();
            }
            ',' if skip == 0 => {
                if let Some(past) = choice.last_mut() {
                    *past = true;
                }
            }
            '$' => {
                let name: String =
                    std::iter::from_fn(|| chars.next_if(|c| c.is_alphanumeric() || *c == '_' || *c == ':')).collect();
                if skip == 0 && !choice.last().copied().unwrap_or(false) {
                    if let Some((kind, var)) = name.split_once(':') {
                        let value = types
                            .get(kind)
                            .and_then(|v| v.first())
                            .map(|v| v.trim().to_lowercase())
                            .unwrap_or_default();
                        text.push_str(&value);
                        slots.insert(var.to_string(), value);
                    }
                }
            }
            _ if skip > 0 || choice.last().copied().unwrap_or(false) => {}
            _ => text.extend(c.to_lowercase()),
        }
    }
    (text.split_whitespace().collect::<Vec<_>>().join(" "), slots)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: &str = r#"
context:
  expressions:
    orderDrink:
      - "[can I get, I want] [a, an] $size:size $coffeeDrink:drink"
      - "(make, brew) me $coffeeDrink:drink"
  slots:
    size: ["small", "twelve ounce"]
    coffeeDrink: ["latte", "iced coffee"]
"#;

    #[test]
    fn expressions_become_templates_and_slot_types_lists() {
        let imported = import(CONTEXT, "en", "Coffee maker").expect("import");
        assert_eq!((imported.intents, imported.expressions, imported.slots), (1, 2, 2));
        assert!(
            imported.commands_toml.contains(r#""[can i get|i want] [a|an] {size} {drink}""#),
            "{}",
            imported.commands_toml
        );
        assert!(imported.commands_toml.contains(r#""(make|brew) me {drink}""#));
        assert!(
            imported.commands_toml.contains(r#"text = "small latte", slots = { drink = "latte", size = "small" }"#),
            "{}",
            imported.commands_toml
        );
        assert!(imported.common_toml.contains(r#"{ words = ["twelve ounce", "12 ounce", "twelve ounces", "twelve oz", "12 ounces", "12 oz"], value = "twelve ounce" }"#), "{}", imported.common_toml);
        assert!(imported.common_toml.contains(r#"intents = ["orderDrink"]"#));
    }

    #[test]
    fn written_forms_cover_digits_counts_and_plurals() {
        assert_eq!(written_forms("triple shot"), ["triple shot", "three shot", "triple shots", "three shots"]);
        assert_eq!(written_forms("latte"), ["latte"]);
    }

    #[test]
    fn malformed_contexts_are_named() {
        let cases = [
            ("not: [yaml", "not a Rhino context"),
            ("context:\n  expressions: {}\n", "no expressions"),
            ("context:\n  expressions:\n    x:\n      - \"[a, b\"\n", "`]` is missing"),
            ("context:\n  expressions:\n    x:\n      - \"a ]\"\n", "does not close"),
            ("context:\n  expressions:\n    x:\n      - \"$size\"\n", "is not `$type:name`"),
            ("context:\n  expressions:\n    x:\n      - \"$size:size\"\n", "no values for its type `size`"),
            ("context:\n  expressions:\n    bad-name:\n      - \"a\"\n", "intent name `bad-name`"),
            ("context:\n  expressions:\n    x:\n      - \"{a}\"\n", "has no meaning"),
            ("context:\n  whatever: 1\n", "unknown field"),
        ];
        for (yaml, want) in cases {
            let err = import(yaml, "en", "Test").expect_err(yaml).to_string();
            assert!(err.contains(want), "{yaml:?}: {err}");
        }
    }
}
