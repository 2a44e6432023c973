//! The words by which the names stage tells a request to the wall from talk about work: office
//! work, the wall's verbs, question words and openings, particles, the speaker's self, Korean
//! request endings and fillers, and English words that ask without naming anything.

use crate::text::compact;

/// The office's own work: a topic said with one of these is about a document or a meeting
/// ("교통 대책 보고서", "the budget slides"), unless the wall is asked to show it.
pub(super) const OFFICE_WORK: &[&str] = &[
    "보고서",
    "자료",
    "회의",
    "매뉴얼",
    "개정안",
    "초안",
    "슬라이드",
    "발표문",
    "보도자료",
    "공문",
    "결재",
    "메일",
    "이메일",
    "사진",
    "문서",
    "번호",
    "휴대폰",
    "전화번호",
    "원고",
    "답변",
    "report",
    "reports",
    "slides",
    "slide",
    "meeting",
    "meetings",
    "draft",
    "memo",
    "email",
    "emails",
    "document",
    "documents",
    "deck",
    "presentation",
    "minutes",
    "form",
    "forms",
    "paperwork",
    "press",
    "statement",
    "speech",
    "reply",
    "spreadsheet",
    "spreadsheets",
    "file",
    "files",
    "version",
    "review",
    "briefing",
    "agenda",
    "appointment",
];

/// What the wall is asked to do, in Korean (word starts).
pub(super) const KOREAN_WALL_VERBS: &[&str] = &[
    "보여",
    "보이",
    "띄워",
    "띄우",
    "켜",
    "열어",
    "찾아",
    "알려",
    "연결",
    "불러",
    "틀어",
    "돌려",
    "넘겨",
    "바꿔",
    "확대",
    "축소",
    "줄여",
    "키워",
    "꺼",
    "멈춰",
    "취소",
    "끊어",
    "보자",
    "봐",
    "볼",
    "화면에",
    "올려",
    "전화",
    "통화",
    "확인",
];

/// What the wall is asked to do, in English.
pub(super) const ENGLISH_WALL_VERBS: &[&str] = &[
    "show", "display", "pull", "bring", "put", "open", "find", "search", "zoom", "switch", "call", "connect", "dial",
    "ring", "see", "view", "check", "look",
];

/// English question words, wherever they stand ("the air in Guro, how bad is it").
pub(super) const ENGLISH_QUESTIONS: &[&str] =
    &["what", "whats", "how", "hows", "which", "where", "wheres", "any", "anything"];

/// Sounds and words an English request may begin or pause with.
pub(super) const ENGLISH_FILLERS: &[&str] = &[
    "hmm", "hm", "uh", "um", "er", "erm", "ah", "oh", "ok", "okay", "so", "well", "right", "alright", "hey", "now",
    "and",
];

/// Whether an English (compact) word is, or is likely, a verb that says something: forms of
/// be, have and do, modal verbs, and words with a verb's ending ("-ed", "-ing").
pub(super) fn english_verb(word: &str) -> bool {
    const VERBS: &[&str] = &[
        "is", "are", "was", "were", "am", "be", "been", "being", "has", "have", "had", "do", "does", "did", "will",
        "would", "can", "could", "should", "must", "shall", "may", "might", "got", "get", "gets", "says", "said",
        "think", "thinks", "know", "knows", "want", "wants", "need", "needs", "like", "looks", "seems", "went", "goes",
    ];
    VERBS.contains(&word) || (word.len() > 4 && (word.ends_with("ed") || word.ends_with("ing")))
}

/// How an English request or question to the wall begins.
pub(super) const ENGLISH_OPENINGS: &[&str] = &[
    "what", "whats", "how", "hows", "is", "are", "any", "anything", "show", "can", "could", "would", "let", "lets",
    "id", "i", "give", "tell", "where", "wheres", "which", "do", "does", "put", "pull", "bring", "display", "open",
    "check", "get", "call", "connect", "zoom", "go", "find", "search", "look", "take", "see", "ring", "dial", "patch",
];

/// Korean particles that make a word a noun in a sentence, not a request ("통화가", "전화를").
pub(super) const CASE_PARTICLES: &[&str] = &["가", "이", "은", "는", "을", "를", "도", "의", "로", "으로"];

/// The speaker speaking of themselves ("저도 보고 있어요").
pub(super) const KOREAN_SELF: &[&str] = &["저도", "제가", "저는", "나도", "내가", "저희가", "저희는", "우리가"];

/// Korean endings of a request or a question ("띄워 줘", "있어", "몇 명이야", "어때").
pub(super) const KOREAN_ASKING: &[&str] = &[
    "줘",
    "줘요",
    "주세요",
    "줄래",
    "줄래요",
    "봐",
    "봐요",
    "보자",
    "볼까",
    "보여",
    "띄워",
    "켜",
    "알려",
    "있어",
    "있나",
    "있나요",
    "있어요",
    "있니",
    "있냐",
    "없어",
    "없나",
    "돼",
    "돼요",
    "되나",
    "되나요",
    "야",
    "이야",
    "예요",
    "에요",
    "니",
    "나",
    "나요",
    "냐",
    "까",
    "까요",
    "지",
    "죠",
    "는지",
    "은지",
    "어때",
    "어때요",
    "볼래",
    "할래",
];

/// Korean words that say nothing of what is asked.
pub(super) const KOREAN_FILLERS: &[&str] = &[
    "음", "어", "아", "그", "저", "저기", "좀", "지금", "요즘", "오늘", "쪽", "거", "것", "데", "그거", "이거", "한번",
    "빨리", "다시",
];

/// English words that ask without naming anything: question and request frames, time, the
/// wall.
pub(super) fn asking_word(word: &str) -> bool {
    const ASKING: &[&str] = &[
        "i",
        "i'd",
        "i'm",
        "me",
        "my",
        "we",
        "our",
        "us",
        "you",
        "it",
        "is",
        "are",
        "am",
        "be",
        "there",
        "any",
        "anything",
        "some",
        "what",
        "what's",
        "whats",
        "how",
        "how's",
        "hows",
        "which",
        "where",
        "who",
        "when",
        "do",
        "does",
        "can",
        "could",
        "would",
        "will",
        "want",
        "like",
        "need",
        "see",
        "show",
        "look",
        "check",
        "give",
        "get",
        "put",
        "bring",
        "pull",
        "up",
        "on",
        "in",
        "at",
        "of",
        "for",
        "from",
        "to",
        "with",
        "and",
        "about",
        "let",
        "let's",
        "lets",
        "screen",
        "wall",
        "today",
        "right",
        "currently",
        "these",
        "days",
        "this",
        "that",
        "many",
        "much",
        "so",
        "far",
        "latest",
        "new",
        "recent",
        "current",
        "status",
        "situation",
        "out",
        "here",
        "going",
        "looking",
        "doing",
        "quickly",
        "quick",
        "please",
        "again",
        "all",
        "city",
        "seoul",
        "whole",
        "around",
        "near",
        "by",
        "info",
        "information",
        "numbers",
        "figures",
        "data",
        "problem",
        "problems",
        "issues",
        "people",
        "citizens",
        "residents",
        "public",
        "thing",
        "things",
    ];
    ASKING.contains(&word.to_lowercase().as_str())
}

/// Where an English request starts after the context it follows: after "so", "anyway" or "but"
/// that opens a request ("I have a meeting with the Mapo people in ten minutes, so can you pull
/// up an overview of Mapo"); 0 when there is none.
pub(super) fn english_request(words: &[&str]) -> usize {
    let opens = |w: &str| ENGLISH_OPENINGS.contains(&compact(w).as_str());
    (1..words.len().saturating_sub(1))
        .rev()
        .find(|&i| matches!(compact(words[i]).as_str(), "so" | "anyway" | "but") && opens(words[i + 1]))
        .map_or(0, |i| i + 1)
}

/// Whether an English request gets something: "get …", "grab …", "can you get …" (a person got
/// is a call).
pub(super) fn gets(words: &[&str]) -> bool {
    let words: Vec<String> =
        words.iter().map(|w| compact(w)).filter(|w| !ENGLISH_FILLERS.contains(&w.as_str())).collect();
    let first = |w: &[String]| w.first().is_some_and(|w| matches!(w.as_str(), "get" | "grab" | "fetch"));
    first(&words)
        || (words.len() > 2
            && matches!(words[0].as_str(), "can" | "could" | "would")
            && words[1] == "you"
            && first(&words[2..]))
}

/// Whether English words end by asking the wall for what was just said: "…, pull it up", "show
/// me that", "can you put it on the screen". Not when someone else is to do it ("I told him to
/// pull it up").
pub fn refers_back(words: &[String]) -> bool {
    const VERBS: &[&str] = &["pull", "bring", "put", "show", "display", "open", "throw"];
    const BACK: &[&str] = &["it", "that", "this", "them", "those"];
    const TAIL: &[&str] = &[
        "it", "that", "this", "them", "those", "me", "us", "up", "on", "the", "screen", "wall", "please", "now", "for",
    ];
    let Some(at) = words.iter().rposition(|w| VERBS.contains(&w.as_str())) else { return false };
    let tail = &words[at + 1..];
    let before = at.checked_sub(1).map(|i| words[i].as_str());
    let someone_else = matches!(before, Some("to" | "i" | "we" | "he" | "she" | "they" | "will" | "should" | "must"));
    !someone_else
        && !tail.is_empty()
        && tail.len() <= 6
        && tail.iter().all(|w| TAIL.contains(&w.as_str()))
        && tail.iter().any(|w| BACK.contains(&w.as_str()))
}
