//! Talk or a request: the microphone is open while people talk in the office, and talk names
//! the city all the time ("도봉구 사는 친구가 그러는데 버스 배차 간격이 너무 길대", "the camera in
//! the lobby is broken again, can someone tell facilities?"). The wall is asked in the present,
//! for something to see or someone to call; talk tells what happened, what someone said or
//! what someone will do, asks the people in the room, or asks a colleague for something the
//! wall does not do. Only the stages that read a request without a template ask this; a whole
//! template is a request as it stands.

use crate::text::compact;

/// Words that carry no request of their own (English; Korean words are matched by their letters).
pub fn small_word(lang: &str, word: &str) -> bool {
    const SMALL: &[&str] = &[
        "i", "i'm", "im", "am", "is", "are", "was", "be", "it", "it's", "its", "you", "we", "me", "my", "our", "us",
        "he", "she", "they", "this", "that", "there", "here", "to", "of", "in", "on", "at", "for", "with", "and", "or",
        "but", "so", "do", "does", "can", "could", "would", "will", "should", "make", "get", "go", "let", "have",
        "has", "what", "what's", "how", "who", "where", "when", "too", "very", "some", "any", "all", "up",
    ];
    lang == "en" && SMALL.contains(&word.to_lowercase().as_str())
}

/// Whether the words read as talk rather than a request to the wall.
pub fn talk(lang: &str, words: &[&str]) -> bool {
    asked_or_talk(lang, words, false)
}

/// As [`talk`], knowing whether the text was written as a question: what was heard, asked back
/// ("오늘 비 온대?": is it said to rain today?), asks.
pub fn asked_or_talk(lang: &str, words: &[&str], question: bool) -> bool {
    if lang == "ko" {
        korean(words, question)
    } else {
        english(words)
    }
}

/// Endings that tell rather than ask: what happened to the speaker, what they saw or heard,
/// what someone said ("…늘었대"), what they will do ("…가려고"), a guess about the future
/// ("통과될까?").
const KOREAN_ENDINGS: &[&str] = &[
    "었어요",
    "았어요",
    "였어요",
    "했어요",
    "었습니다",
    "았습니다",
    "했습니다",
    "었다",
    "래요",
    "대요",
    "답니다",
    "네요",
    "군요",
    "시래요",
    "할까요",
    "갈까요",
    "먹을까요",
    "드릴까요",
    "주세요잉",
    // A guess put to the room ("이번엔 지켜지겠지?", "비 오겠죠").
    "겠지",
    // A shared past recalled ("작년 이맘때도 폭우 때문에 고생했지").
    "했지",
    "었지",
    "았지",
    "였지",
    "겠지요",
    "겠죠",
    // What the speaker saw or heard ("길 엄청 막히더라", "심각하던데").
    "더라",
    "더라고",
    "더라고요",
    "더라구",
    "더라구요",
    "던데",
    "던데요",
    "잖아",
    "잖아요",
    "거든",
    "거든요",
    // What someone else said ("늘었대", "괜찮대", "비 온대").
    "었대",
    "았대",
    "였대",
    "했대",
    "는대",
    "온대",
    "간대",
    "된대",
    "한대",
    "길대",
    "많대",
    "찮대",
    "좋대",
    "없대",
    "있대",
    "겠대",
    // What the speaker means to do ("주말에 북한산 가려고", "먼저 갈게요").
    "려고",
    "려고요",
    "을게",
    "을게요",
    "할게",
    "할게요",
    "갈게",
    "갈게요",
    // A guess, asked of the room ("추경 예산 통과될까?").
    "될까",
    "될까요",
    "할까",
    "갈까",
    "올까",
    "올까요",
    // A fact put to a colleague to confirm ("화재 속보 나온 거 성북구 맞죠?"), an opinion asked
    // for agreement ("좋아진 것 같지 않아?"), an exclamation ("숨 막혀 죽겠어").
    "맞죠",
    "맞아요",
    "맞지",
    "맞나요",
    "맞아",
    "지않아",
    "지않아요",
    "지않냐",
    "죽겠어",
    "죽겠네",
    "겠네",
    "겠네요",
    // A wish or a guess said to the room ("비 좀 그쳤으면 좋겠다", "오늘 덥겠다").
    "좋겠다",
    "좋겠어",
    "좋겠어요",
    "좋겠네",
    "겠다",
    // Asking the room what they know ("본부장님 바뀌신 거 아세요?").
    "아세요",
    "아시나요",
    "아시죠",
    "알아요",
    "알았어요",
    // A view stated with the copula ("금요일마다 교통이 진짜 최악이에요", "그래도 위안이에요").
    "이에요",
    "이었어요",
    "였어요",
    // Thanks and greetings, done ("수고하셨습니다").
    "셨습니다",
    // The speaker wondering what to do ("우리 출근은 어떡하지", "뭐라고 하지").
    "어떡하지",
    "어떡해",
    "어쩌지",
    "라고하지",
];

/// Words that report what someone said ("구청장이 그러는데…").
const KOREAN_REPORTS: &[&str] = &["그러는데", "그러던데", "그랬는데", "그러더라", "그러셨는데", "그러시던데"];

/// Phrases of a complaint to the room ("오늘 지하철 왜 이렇게 사람 많아"), of a hypothetical
/// ("만약에 총리가 물어보면") and of dictation ("받아 적어요. …"), compact.
const KOREAN_EXCLAIMS: &[&str] = &["왜이렇게", "왜이리", "너무하", "미치겠", "만약", "만일", "받아적", "받아쓰"];

/// The same, said in the request's own clause: a complaint ("불만이 장난 아니에요"; before a request
/// it is only its reason: "미세먼지 장난 아니던데 성북 쪽 수치 좀"), a person asked for what they have
/// ("그 영상 아직 갖고 있어?"), compact.
const KOREAN_CLAUSE_EXCLAIMS: &[&str] = &["장난아니", "갖고있", "가지고있"];

/// Verbs of events, which the wall is asked about in the past ("불났어?", "민원 들어왔어?").
const KOREAN_EVENTS: &[&str] =
    &["났", "생겼", "터졌", "들어왔", "왔", "무너졌", "끊겼", "막혔", "늘었", "줄었", "올랐", "떨어졌"];

/// Question words: a sentence with one asks for something.
const KOREAN_QUESTIONS: &[&str] = &["얼마", "어떻게", "어때", "몇", "뭐", "무슨", "어디", "어느", "왜"];

/// Whether a (compact) Korean word is a question word.
pub fn korean_question(word: &str) -> bool {
    KOREAN_QUESTIONS.iter().any(|q| word.starts_with(q))
}

fn korean(words: &[&str], question: bool) -> bool {
    let rest: String = words.iter().map(|w| compact(w)).collect();
    // What follows the context is a request to the wall ("2호선 지연 있다던데 확인 좀 해 줘",
    // "단수됐다는 얘기 있던데 확인해 봐"): the context is not talk then.
    let clause = super::names::last_clause(words);
    if clause > 0 && requests_the_wall(&words[clause..]) {
        return false;
    }
    // "보여줄래요" asks ("줄래요": will you…); "…늘었대요" tells what was said.
    let asks_for = ["줄래요", "줄래", "할래요", "볼래요"].iter().any(|e| rest.ends_with(e));
    // The copula asks with a question word ("돌봄 서비스 받는 분들 몇 명이에요?").
    let compacted: Vec<String> = words.iter().map(|w| compact(w)).collect();
    let copula = ["이에요", "이었어요", "였어요", "예요"].iter().any(|e| rest.ends_with(e));
    let asks_for = asks_for || (copula && compacted.iter().any(|w| korean_question(w)));
    // What was heard, asked back ("오늘 비 온대?").
    let asks_for = asks_for || (question && rest.ends_with('대'));
    if !asks_for && KOREAN_ENDINGS.iter().any(|e| rest.ends_with(e)) {
        return true;
    }
    // A schedule asked about ("제안 심사 위원회 몇 시지?").
    let what_time = compacted
        .iter()
        .enumerate()
        .any(|(i, w)| w.starts_with("몇시") || (w.starts_with('시') && i > 0 && compacted[i - 1] == "몇"));
    if what_time {
        return true;
    }
    let request: String = compacted[clause..].concat();
    if compacted.iter().any(|w| KOREAN_REPORTS.contains(&w.as_str()))
        || KOREAN_EXCLAIMS.iter().any(|e| rest.contains(e))
        || KOREAN_CLAUSE_EXCLAIMS.iter().any(|e| request.contains(e))
    {
        return true;
    }
    // Indirect speech: "회의 중이라고 해 줘", "늦는다고 전해 주세요" ("뭐라고 해" asks what
    // people say).
    // A fact reported as a noun clause, too ("줄었다는 게 위안이에요", "늘었다는 게 체감돼요").
    let quotes = |w: &String| {
        ["라고", "다고", "냐고", "자고", "라고요", "다고요", "냐고요", "다는", "었다는", "았다는"]
            .iter()
            .any(|q| w.ends_with(q))
            && w.chars().count() > 2
            && !w.starts_with("뭐")
    };
    if compacted.iter().any(quotes) {
        return true;
    }
    // What the speaker will do ("다시 불러 드릴게요, …"): a future of ㄹ and 게, anywhere.
    let will = |w: &String| {
        let stem = w.strip_suffix("요").unwrap_or(w);
        stem.strip_suffix('게')
            .and_then(|s| s.chars().last())
            .is_some_and(|c| ('가'..='힣').contains(&c) && (c as u32 - '가' as u32) % 28 == 8 && c != '볼')
    };
    if compacted.iter().any(will) {
        return true;
    }
    // A statement put to the room for agreement ("소음 민원이 많을 수밖에 없죠", "통제가
    // 잦아졌죠", "다들 긴장 좀 해야죠"), unless it proposes what the wall does ("교통 보시죠").
    if let Some(last) = compacted.last() {
        let stem = last.strip_suffix("죠").or_else(|| last.strip_suffix("지요"));
        if stem.is_some_and(|s| !s.is_empty() && !super::cues::KOREAN_WALL_VERBS.iter().any(|v| s.starts_with(v))) {
            return true;
        }
    }
    // A statement of what someone did ("예보 또 틀렸어", "우산 챙겼어?"): a past ending on a verb
    // that is not an event, with no question word ("얼마나 빌려 탔어" asks for a figure).
    let asks = compacted.iter().any(|w| korean_question(w));
    if let (Some(last), false) = (compacted.last(), asks) {
        let stem = last.strip_suffix("요").unwrap_or(last);
        if let Some(before) = stem.strip_suffix('어').and_then(|s| s.chars().last()) {
            // ㅆ under the syllable before the ending: 었, 았, 했, 겼, … — not 있 ("있어" is now),
            // 겠 (a polite "주시겠어요") or 됐 ("됐어": never mind).
            let past = ('가'..='힣').contains(&before)
                && (before as u32 - '가' as u32) % 28 == 20
                && !matches!(before, '있' | '겠' | '됐');
            if past && !KOREAN_EVENTS.iter().any(|e| stem.contains(e)) {
                return true;
            }
        }
    }
    false
}

/// Whether Korean words ask the wall for something: a verb of the wall with a request ending
/// ("확인 좀 해 줘", "띄워 봐").
pub(super) fn requests_the_wall(words: &[&str]) -> bool {
    let compacted: Vec<String> = words.iter().map(|w| compact(w)).collect();
    let Some(last) = compacted.last() else { return false };
    let ending = ["줘", "줘요", "주세요", "봐", "봐요", "줄래", "줄래요"].iter().any(|e| last.ends_with(e));
    let verb = compacted
        .iter()
        .any(|w| super::cues::KOREAN_WALL_VERBS.iter().any(|v| w.starts_with(v)) || w.starts_with("확인"));
    ending && verb
}

/// What a wall is asked to do, after "can you", "could someone", ….
const WALL_VERBS: &[&str] = &[
    "show", "display", "pull", "bring", "put", "open", "find", "search", "look", "get", "give", "zoom", "go", "switch",
    "call", "connect", "mute", "unmute", "turn", "check", "play", "start", "stop", "close", "take", "help", "hang",
    "let", "list", "repeat", "undo", "cancel", "lock", "tell", "see", "ring", "dial", "patch", "move", "scroll", "go",
];

/// How an English request or a question to the wall opens.
const OPENINGS: &[&str] = &[
    "what", "what's", "whats", "how", "how's", "is", "are", "any", "anything", "show", "can", "could", "would", "let",
    "let's", "i'd", "i", "give", "tell", "where", "where's", "which", "do", "does", "put", "pull", "bring", "display",
    "open", "check", "get", "call", "connect", "zoom", "go", "find", "search", "look", "take", "see", "ring", "dial",
    "patch", "who", "who's", "when", "why", "switch", "turn", "mute", "unmute", "hang", "next", "back", "cancel",
];

/// English question words.
const QUESTION_WORDS: &[&str] = &["what", "what's", "whats", "how", "how's", "which", "where", "where's", "any", "why"];

/// Whether `person` ("someone") is asked for by a call phrase just before it ("speak with
/// someone", "talk to somebody", "get me someone").
fn called(lower: &[String], person: &str) -> bool {
    lower.windows(2).any(|w| w[1] == person && matches!(w[0].as_str(), "with" | "to" | "me"))
}

fn english(words: &[&str]) -> bool {
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    // Whatever was told first, a request for it at the end asks the wall ("I heard there was an
    // accident in Dongjak, pull it up").
    if super::cues::refers_back(&lower) {
        return false;
    }
    // "was there an accident…" asks; "the traffic was awful" tells. ("I was wondering if you
    // could…" asks politely; "how many pedestrians were killed" asks for a figure.)
    let wondering = lower.windows(2).any(|w| w[0] == "was" && w[1] == "wondering");
    let figure = lower.len() >= 2 && lower[0] == "how" && matches!(lower[1].as_str(), "many" | "much");
    if !wondering && !figure && lower.iter().skip(1).any(|w| matches!(w.as_str(), "was" | "were")) {
        return true;
    }
    let pairs = || lower.windows(2).map(|w| (w[0].as_str(), w[1].as_str()));
    // An invitation to the people in the room ("shall we take a walk"), not to the wall ("let's
    // see the traffic").
    // A plan for later is said to the room too ("let's look at the traffic numbers tomorrow").
    let later = lower.iter().any(|w| matches!(w.as_str(), "tomorrow" | "later" | "tonight" | "afterwards"));
    let invites = pairs().any(|(a, b)| {
        matches!((a, b), ("shall" | "should", "we") | ("how", "about"))
            || (a == "let's" && (!matches!(b, "see" | "look" | "check" | "have") || later))
    });
    // A colleague asked for what the wall does not do ("can you print…", "can someone tell
    // facilities"), or asked to pass something on ("tell the director…").
    let asks_a_person = pairs().any(|(a, b)| {
        // …but "speak with someone about the parks" asks for whoever handles them.
        (matches!(a, "someone" | "somebody" | "anyone" | "anybody") && !called(&lower, a))
            || (matches!(a, "you") && !WALL_VERBS.contains(&b) && !matches!(b, "please" | "just" | "quickly" | "now"))
                && lower.iter().any(|w| matches!(w.as_str(), "can" | "could" | "would" | "will"))
                && !you_could_show(&lower)
            || (a == "tell" && !matches!(b, "me" | "us"))
    });
    if invites || asks_a_person {
        return true;
    }
    // A hypothetical ("if it rains on Saturday the festival's off", "what if the mayor asks"),
    // not a request: the wall is asked in the imperative or a question, not on a condition.
    let first = lower.iter().map(String::as_str).find(|w| !matches!(*w, "so" | "and" | "but" | "well" | "oh"));
    if matches!(first, Some("if" | "suppose" | "supposing" | "imagine" | "assuming"))
        || pairs().any(|p| p == ("what", "if"))
    {
        return true;
    }
    // A statement about something ("the buses in Eunpyeong are always late"): it neither opens
    // as a request or a question nor has a question word, and says what something is.
    let opens = lower.first().is_some_and(|w| OPENINGS.contains(&w.as_str()));
    // "Man, it's hot", "that's a lot of complaints": a remark on what is.
    // ("That's enough", "that's it" close a request, they are not remarks.)
    let remark = lower.windows(2).any(|w| {
        matches!(w[0].as_str(), "it's" | "that's")
            && !matches!(w[1].as_str(), "enough" | "it" | "all" | "fine" | "ok" | "okay" | "right")
    });
    let question = lower.iter().any(|w| QUESTION_WORDS.contains(&w.as_str()));
    // (A verb of how something seems or moved, too: "the care numbers looked better".) A verb
    // before its subject asks ("the roads in Seocho, are they jammed", "is the dust bad there").
    const SUBJECTS: &[&str] = &["they", "we", "it", "there", "you", "the", "things", "people", "any"];
    let inverted = |i: usize| lower.get(i + 1).is_some_and(|w| SUBJECTS.contains(&w.as_str()));
    let states = lower.iter().enumerate().skip(2).filter(|(i, _)| !inverted(*i)).any(|(_, w)| {
        matches!(
            w.as_str(),
            "is" | "are"
                | "look"
                | "isn't"
                | "aren't"
                | "gets"
                | "got"
                | "looks"
                | "looked"
                | "seems"
                | "seemed"
                | "went"
                | "rose"
                | "fell"
                | "dropped"
                | "improved"
                | "came"
                | "come"
                | "comes"
                | "has"
                | "had"
        )
    });
    // …unless it goes on to ask the wall ("these burst pipes are a mess, get me the waterworks
    // director"). A refusal ("I can't make it") is talk too, on the same terms.
    let asks_wall =
        lower.iter().any(|w| WALL_VERBS.contains(&w.as_str()) && !matches!(w.as_str(), "tell" | "go" | "let"));
    // ("I can't read that", "I can't see the whole map" are about the wall, said to it.)
    let refuses = (0..lower.len().saturating_sub(1)).any(|i| {
        lower[i] == "i"
            && matches!(lower[i + 1].as_str(), "can't" | "cant" | "cannot")
            && !matches!(lower.get(i + 2).map(String::as_str), Some("read" | "see"))
    });
    if !asks_wall && ((!opens && !question && (states || remark)) || refuses) {
        return true;
    }
    if reports(&lower) {
        return true;
    }
    const TALK: &[&[&str]] = &[
        &["by", "the", "way"],
        &["i", "think"],
        &["i", "said"],
        &["he", "said"],
        &["she", "said"],
        &["let's", "go"],
        &["remind", "me"],
        &["i'll"],
        &["we'll"],
        &["did", "you"],
        // Asking the people in the room what to do.
        &["what", "do", "we"],
        &["what", "should", "i"],
        &["did", "i"],
        &["did", "we"],
        // What the speaker read or heard ("I read that the employment rate went up").
        &["i", "read"],
        &["i", "heard"],
        &["i", "saw"],
        &["we", "should"],
        // One side of a phone call ("Hi, is this the Seocho-gu office? I'm calling from…").
        &["i'm", "calling"],
        &["calling", "from"],
        &["is", "this", "the"],
        // A question about the past of something ("whatever happened to that pilot").
        &["whatever", "happened"],
        // The speaker's own errands ("cancel my dentist appointment").
        &["cancel", "my"],
        &["cancel", "our"],
        // Work handed to a person, or put in a document ("put that in the memo").
        &["yourself"],
        &["in", "the", "memo"],
        &["in", "the", "report"],
        &["in", "the", "email"],
        &["in", "the", "minutes"],
        &["in", "the", "notes"],
        &["in", "the", "draft"],
        // A schedule asked about ("what time is the transport briefing?").
        &["what", "time"],
        &["ask", "them"],
        &["ask", "him"],
        &["ask", "her"],
        // What someone asked or told the speaker ("the new intern asked me what…").
        &["asked", "me"],
        &["asked", "us"],
        &["told", "me"],
        &["told", "us"],
        // A joke taken back, a denial ("just kidding, I'm not calling the vice mayor").
        &["kidding"],
        &["joking"],
        &["i'm", "not"],
        // What someone else will do ("the fire chief is on site, he'll call when he's free").
        &["he'll"],
        &["she'll"],
        &["they'll"],
        // A feeling about something ("I hate this weather", "the population numbers scare me").
        &["i", "hate"],
        &["i", "love"],
        &["i", "wish"],
        &["i", "hope"],
        &["scare", "me"],
        &["scares", "me"],
        &["worries", "me"],
        &["bothers", "me"],
        &["annoys", "me"],
        // Dictation ("take this down: …").
        &["take", "this", "down"],
        &["write", "this", "down"],
        &["take", "a", "note"],
    ];
    // "How many jobs did we create this year" asks for a figure of the city's, not what the
    // people in the room did. What the speaker heard, said after a question to the wall, is why
    // they ask ("what's happening with that accident in Mapo I heard about earlier").
    let asked_first = lower.first().is_some_and(|w| OPENINGS.contains(&w.as_str()) && w != "i");
    let heard = |phrase: &&&[&str]| matches!(phrase, ["i", "heard" | "read" | "saw"]);
    // The words come without the grammar's skip words ("the", "a"): so do the phrases.
    let article = |w: &&&str| matches!(**w, "the" | "a" | "an");
    TALK.iter()
        .filter(|phrase| !(figure && phrase.first() == Some(&"did")))
        .filter(|phrase| !(asked_first && heard(phrase)))
        .map(|phrase| phrase.iter().filter(|w| !article(w)).copied().collect::<Vec<&str>>())
        .any(|phrase| lower.windows(phrase.len()).any(|w| w.iter().zip(phrase.iter()).all(|(a, b)| a == b)))
}

/// Whether "you could / can / would" is followed by what the wall does ("any chance you could put
/// the live camera on").
fn you_could_show(lower: &[String]) -> bool {
    lower.windows(3).any(|w| {
        w[0] == "you" && matches!(w[1].as_str(), "could" | "can" | "would") && WALL_VERBS.contains(&w[2].as_str())
    })
}

/// Whether an English sentence opens by telling what someone says, thinks or heard ("they say
/// it will rain this weekend", "I guess the buses are late again", "so he told me…"): reported
/// speech and opinions are said to the room. Only at the opening: "show me what people say
/// about noise" asks the wall.
fn reports(lower: &[String]) -> bool {
    const FILLERS: &[&str] =
        &["and", "but", "so", "well", "oh", "yeah", "apparently", "actually", "because", "um", "uh"];
    const PEOPLE: &[&str] = &["i", "we", "you", "he", "she", "they", "people", "everyone", "everybody"];
    // A person named by what they are ("the intern asked me…", "my boss says…").
    const OWNERS: &[&str] = &["the", "my", "our", "his", "her", "their"];
    const SAYS: &[&str] = &[
        "say", "says", "said", "tell", "tells", "told", "think", "thinks", "thought", "hear", "hears", "heard", "read",
        "saw", "guess", "reckon", "believe", "bet", "suppose", "doubt", "feel", "felt",
    ];
    const ASKED: &[&str] = &["asked", "asks", "mentioned", "wants", "wanted"];
    let mut words = lower.iter().map(String::as_str).skip_while(|w| FILLERS.contains(w)).peekable();
    if words.peek().is_some_and(|w| OWNERS.contains(w)) {
        let (_, _, Some(verb)) = (words.next(), words.next(), words.next()) else { return false };
        return SAYS.contains(&verb) || ASKED.contains(&verb);
    }
    let (Some(who), Some(verb)) = (words.next(), words.next()) else { return false };
    // (The words come without "the": "[the] intern asked me…".)
    if !PEOPLE.contains(&who) && matches!(verb, "said" | "says" | "told" | "tells" | "asked" | "asks" | "mentioned") {
        return true;
    }
    // "you tell me" is asked of the wall as often as of a person; "tell me…" has no subject.
    PEOPLE.contains(&who) && SAYS.contains(&verb) && !(who == "you" && matches!(verb, "tell" | "say"))
}

#[cfg(test)]
mod tests {
    use super::talk;

    fn ko(s: &str) -> bool {
        talk("ko", &s.split_whitespace().collect::<Vec<_>>())
    }
    fn en(s: &str) -> bool {
        talk("en", &s.split_whitespace().collect::<Vec<_>>())
    }

    #[test]
    fn reports_plans_and_past_deeds_are_talk_and_questions_about_events_are_not() {
        assert!(ko("어제 마포 갔다 왔는데 길 엄청 막히더라"));
        assert!(ko("친구가 그러는데 버스 배차 간격이 너무 길대"));
        assert!(ko("날씨 좋으면 주말에 북한산 가려고"));
        assert!(ko("기상청 예보 또 틀렸어"));
        assert!(ko("전화 오시면 회의 중이라고 해 줘"));
        assert!(!ko("지금 중구에 불났어"));
        assert!(!ko("어제 들어온 민원 좀 쭉 띄워 봐"));
        assert!(!ko("강남 교통 어때"));
        assert!(!ko("구로구 단수 된 데 있어"));
        assert!(!ko("광진에서 따릉이 얼마나 빌려 탔어"));
        assert!(!ko("도로 상황 화면에 좀 띄워 주시겠어요"));
        assert!(!ko("금천 쪽 사람들이 요즘 뭐라고 해"));
    }

    #[test]
    fn colleagues_asked_for_other_things_are_talk_and_the_wall_asked_is_not() {
        assert!(en("can you print the unemployment chart for the mayor"));
        assert!(en("they say it will rain this weekend"));
        assert!(en("so he told me the bridge is closed"));
        assert!(en("I guess the buses are late again"));
        assert!(!en("show me what people say about the buses"));
        assert!(!en("you tell me how the air is in Guro"));
        assert!(en("can someone tell facilities"));
        assert!(en("the traffic was awful"));
        assert!(!en("can you show me the traffic in mapo"));
        assert!(!en("could you pull up the budget"));
        assert!(!en("tell me about the air in guro"));
    }
}
