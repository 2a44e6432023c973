//! Phrases the simulator draws from: complaint and suggestion texts, incident kinds, trend
//! topics, roads. `{place}` is replaced by a neighbourhood name.

/// (category, Korean template, English template)
pub const COMPLAINTS: &[(&str, &str, &str)] = &[
    (
        "noise",
        "{place} 공사장 소음이 너무 심해요. 밤늦게까지 작업합니다.",
        "Construction noise in {place} is unbearable; they work late into the night.",
    ),
    (
        "noise",
        "{place} 주택가에서 오토바이 배달 소음이 계속됩니다.",
        "Delivery motorbike noise keeps going in the {place} residential streets.",
    ),
    (
        "illegal_parking",
        "{place} 어린이보호구역에 불법주차 차량이 많습니다.",
        "Many cars park illegally in the {place} school zone.",
    ),
    (
        "illegal_parking",
        "{place} 소방도로를 막는 불법주차를 단속해 주세요.",
        "Please enforce the illegal parking blocking the fire lane in {place}.",
    ),
    (
        "garbage",
        "{place} 골목에 쓰레기 무단투기가 계속되고 있어요.",
        "People keep dumping garbage in an alley in {place}.",
    ),
    (
        "garbage",
        "{place} 음식물 쓰레기 수거가 며칠째 안 되고 있습니다.",
        "Food waste in {place} has not been collected for days.",
    ),
    ("road", "{place} 도로에 큰 포트홀이 생겨 위험합니다.", "A large pothole on a road in {place} is dangerous."),
    ("road", "{place} 보도블록이 깨져서 넘어질 뻔했어요.", "Broken sidewalk blocks in {place} nearly made me fall."),
    (
        "streetlight",
        "{place} 골목 가로등이 꺼져 밤길이 무서워요.",
        "A streetlight in a {place} alley is out and the street is scary at night.",
    ),
    (
        "air",
        "{place} 공장 매연 냄새가 심합니다. 미세먼지 점검해 주세요.",
        "Strong factory fumes in {place}; please check the fine dust.",
    ),
    ("water", "{place} 수돗물에서 녹물이 나옵니다.", "Rusty tap water is coming out in {place}."),
    ("water", "{place} 하수구 악취가 심하고 역류합니다.", "The sewer in {place} smells badly and backs up."),
    ("transit", "{place} 버스 배차 간격이 너무 깁니다.", "Buses in {place} come far too rarely."),
    ("transit", "{place} 지하철역 엘리베이터가 고장 났어요.", "The subway station elevator in {place} is broken."),
    (
        "safety",
        "{place} 공원에 CCTV가 없어 밤에 불안합니다.",
        "There is no CCTV in the {place} park and it feels unsafe at night.",
    ),
    (
        "welfare",
        "{place} 독거노인 돌봄 서비스 신청이 어렵습니다.",
        "Applying for care services for elderly people living alone in {place} is hard.",
    ),
    (
        "housing",
        "{place} 공공임대주택 입주 절차가 너무 복잡해요.",
        "Moving into public rental housing in {place} takes far too much paperwork.",
    ),
    ("animals", "{place} 길고양이 급식소 주변이 지저분합니다.", "The stray cat feeding spot in {place} is dirty."),
];

pub const SUGGESTIONS: &[(&str, &str, &str)] = &[
    ("transit", "{place}에 따릉이 대여소를 더 만들어 주세요.", "Please add more Ttareungyi bike stations in {place}."),
    (
        "parks",
        "{place} 빈 공터를 작은 공원으로 만들면 좋겠습니다.",
        "The empty lot in {place} could become a small park.",
    ),
    (
        "safety",
        "{place} 어린이보호구역에 과속방지턱을 설치해 주세요.",
        "Please install speed bumps in the {place} school zone.",
    ),
    (
        "culture",
        "{place} 주민센터에서 주말 문화 강좌를 열어 주세요.",
        "Please run weekend culture classes at the {place} community centre.",
    ),
    (
        "environment",
        "{place} 아파트 단지에 미니태양광 지원을 늘려 주세요.",
        "Please expand support for mini solar panels in {place} apartments.",
    ),
    ("welfare", "{place}에 어르신 쉼터를 늘려 주세요.", "Please open more rest areas for seniors in {place}."),
    ("housing", "{place} 청년 주택 공급을 확대해 주세요.", "Please build more youth housing in {place}."),
];

/// (line, category, Korean summary, English summary)
pub const INCIDENTS: &[(&str, &str, &str, &str)] = &[
    ("119", "fire", "{place} 주택 화재 신고", "House fire reported in {place}"),
    ("119", "fire", "{place} 상가 건물 연기 발생", "Smoke from a commercial building in {place}"),
    ("119", "rescue", "{place} 엘리베이터 갇힘 구조 요청", "People trapped in an elevator in {place}"),
    ("119", "medical", "{place} 심정지 환자 발생", "Cardiac arrest patient in {place}"),
    ("119", "medical", "{place} 낙상 부상자 이송 요청", "Fall injury, transport requested in {place}"),
    ("119", "traffic_accident", "{place} 교차로 차량 추돌 사고", "Car collision at an intersection in {place}"),
    ("112", "traffic_accident", "{place} 보행자 교통사고", "Pedestrian hit by a vehicle in {place}"),
    ("112", "theft", "{place} 상점 절도 신고", "Shop theft reported in {place}"),
    ("112", "assault", "{place} 폭행 시비 신고", "Assault reported in {place}"),
    ("112", "missing_person", "{place} 치매 어르신 실종 신고", "Elderly person with dementia missing in {place}"),
    ("112", "noise", "{place} 심야 소음 신고", "Late-night noise complaint in {place}"),
];

/// (Korean topic, English topic)
pub const TRENDS: &[(&str, &str)] = &[
    ("미세먼지", "fine dust"),
    ("층간소음", "noise between floors"),
    ("불법주차", "illegal parking"),
    ("따릉이", "Ttareungyi bikes"),
    ("전세사기", "jeonse fraud"),
    ("폭염 쉼터", "heatwave shelters"),
    ("한파 대비", "cold wave preparation"),
    ("지하철 파업", "subway strike"),
    ("청년 월세 지원", "youth rent support"),
    ("공공와이파이", "public Wi-Fi"),
    ("어린이보호구역", "school zones"),
    ("쓰레기 분리배출", "waste sorting"),
];

pub const ROADS: &[&str] = &[
    "강남대로",
    "테헤란로",
    "올림픽대로",
    "강변북로",
    "세종대로",
    "종로",
    "을지로",
    "퇴계로",
    "도산대로",
    "한남대로",
    "마포대로",
    "신촌로",
    "양화로",
    "노들로",
    "동부간선도로",
    "내부순환로",
    "서부간선도로",
    "남부순환로",
    "왕십리로",
    "천호대로",
    "송파대로",
    "영동대로",
    "반포대로",
    "통일로",
    "도봉로",
];

/// Seoul's five air-quality regions by district code (the `MSRRGN_NM` of RealtimeCityAir).
pub fn air_region(code: &str) -> &'static str {
    match code {
        "11110" | "11140" | "11170" => "도심권",
        "11380" | "11410" | "11440" => "서북권",
        "11470" | "11500" | "11530" | "11545" | "11560" | "11590" | "11620" => "서남권",
        "11650" | "11680" | "11710" | "11740" => "동남권",
        _ => "동북권",
    }
}

pub const FAMILY_NAMES: &[&str] = &["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"];
pub const GIVEN_NAMES: &[&str] = &["민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지우", "현우", "서윤"];
