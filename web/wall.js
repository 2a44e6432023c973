// The wall page: the office wall at "/", the public view at "/public". The office page follows the
// server's display state over /ws/display; the public page navigates on its own and reads only
// public endpoints. No libraries from the internet: everything here is served by scpm.
"use strict";

const PUBLIC = location.pathname.startsWith("/public");
const TEXT = {
  ko: { title: "서울 스마트 시장실", public: "시민 화면", office: "시장실", connecting: "연결 중…", live: "실시간", offline: "연결 끊김 — 다시 연결 중",
        incidents: "24시간 사건·사고", complaints: "24시간 민원", pm25: "초미세먼지 평균", traffic: "평균 차량 속도", other: "English",
        topics: { overview: "종합 현황", air_quality: "대기질", traffic: "교통", incidents: "사건·사고", complaints: "민원", trends: "트렌드", indicators: "시정 지표", search: "검색" },
        latest_incidents: "최근 사건·사고", latest_complaints: "최근 민원", received: "접수", dispatched: "출동", arrived: "도착", city: "서울 전체" },
  en: { title: "Seoul Smart Mayor's Office", public: "Public view", office: "Mayor's office", connecting: "Connecting…", live: "Live", offline: "Disconnected — reconnecting",
        incidents: "Incidents, 24 h", complaints: "Complaints, 24 h", pm25: "Average PM2.5", traffic: "Average traffic speed", other: "한국어",
        topics: { overview: "Overview", air_quality: "Air quality", traffic: "Traffic", incidents: "Incidents", complaints: "Complaints", trends: "Trends", indicators: "Indicators", search: "Search" },
        latest_incidents: "Latest incidents", latest_complaints: "Latest complaints", received: "received", dispatched: "dispatched", arrived: "arrived", city: "All of Seoul" },
};

let lang = document.documentElement.lang = localStorage.getItem("scpm.lang") || "ko";
let display = { topic: "overview", district: null, version: 0 };
let city = null;
let geo = null;
let socket = null;

const $ = (id) => document.getElementById(id);
const t = () => TEXT[lang];
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const kst = (iso) => iso ? new Date(iso).toLocaleTimeString("ko-KR", { timeZone: "Asia/Seoul", hour: "2-digit", minute: "2-digit" }) : "–";

function pm25Colour(v) {
  if (v == null) return "#30445e";
  if (v <= 15) return "#2e8bd8";
  if (v <= 35) return "#3fb36b";
  if (v <= 75) return "#e0a030";
  return "#d9463b";
}

function districtName(code) {
  const d = city && city.districts.find((x) => x.code === code);
  return d ? (lang === "ko" ? d.name_ko : d.name_en) : t().city;
}

function drawMap() {
  if (!geo) return;
  const svg = $("map");
  const all = geo.districts.flatMap((d) => d.boundary.flat(2));
  const lons = all.map((p) => p[0]), lats = all.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const k = Math.cos((y0 + y1) / 2 * Math.PI / 180);
  const w = (x1 - x0) * k, h = y1 - y0, scale = 1000 / Math.max(w, h);
  const px = (p) => [((p[0] - x0) * k * scale).toFixed(1), ((y1 - p[1]) * scale).toFixed(1)];
  svg.setAttribute("viewBox", `0 0 ${(w * scale).toFixed(0)} ${(h * scale).toFixed(0)}`);
  const air = new Map((city ? city.districts : []).map((d) => [d.code, d.air && d.air.pm25]));
  svg.innerHTML = geo.districts.map((d) => {
    const path = d.boundary.map((poly) => poly.map((ring) => "M" + ring.map((p) => px(p).join(",")).join("L") + "Z").join("")).join("");
    const [cx, cy] = px(d.centroid);
    const selected = display.district === d.code ? " selected" : "";
    return `<path class="district${selected}" data-code="${d.code}" d="${path}" fill="${pm25Colour(air.get(d.code))}"><title>${esc(d.name_ko)}</title></path>` +
      `<text class="label" x="${cx}" y="${cy}">${esc(lang === "ko" ? d.name_ko : d.name_en.replace("-gu", ""))}</text>`;
  }).join("");
  svg.querySelectorAll(".district").forEach((el) => el.addEventListener("click", () => select(el.dataset.code)));
}

function select(code) {
  const action = { type: "show", topic: display.topic === "search" ? "overview" : display.topic, district: code, indicator: display.indicator || null };
  if (!PUBLIC && socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ action }));       // the server applies it and every wall follows
  } else {
    display = { ...display, topic: action.topic, district: code };
    render();
  }
}

function render() {
  document.title = t().title;
  $("title").textContent = t().title;
  $("mode").textContent = PUBLIC ? t().public : t().office;
  $("lang").textContent = t().other;
  const topic = t().topics[display.topic] || display.topic;
  $("screen").textContent = `${topic} · ${districtName(display.district)}`;
  $("screen").dataset.topic = display.topic;
  $("screen").dataset.district = display.district || "";
  document.body.dataset.version = display.version;
  drawMap();
  if (!city) return;
  if (!performance.getEntriesByName("scpm-first-render").length) performance.mark("scpm-first-render");
  const ds = city.districts.filter((d) => !display.district || d.code === display.district);
  const avg = (xs) => xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1) : "–";
  const pm = ds.map((d) => d.air && d.air.pm25).filter((v) => v != null);
  const speed = ds.map((d) => d.traffic_kmh).filter((v) => v != null);
  $("figures").innerHTML = [
    [t().incidents, city.incidents.last_24h], [t().complaints, city.complaints.last_24h],
    [t().pm25, avg(pm) + " µg/m³"], [t().traffic, avg(speed) + " km/h"],
  ].map(([label, value]) => `<div class="figure"><b>${esc(value)}</b><span>${esc(label)}</span></div>`).join("");
  const complaintsFirst = ["complaints", "suggestions", "trends"].includes(display.topic);
  if (complaintsFirst) {
    $("list-title").textContent = t().latest_complaints;
    $("list").innerHTML = city.complaints.latest.map((c) =>
      `<li>${esc(lang === "ko" ? c.text_ko : c.text_en)}<small>${esc(districtName(c.district))} · ${kst(c.received_at)} · ${esc(c.status)}</small></li>`).join("");
  } else {
    $("list-title").textContent = t().latest_incidents;
    $("list").innerHTML = city.incidents.latest.map((i) =>
      `<li>${esc(lang === "ko" ? i.summary_ko : i.summary_en)}<small>${i.line} · ${t().received} ${kst(i.received_at)} · ${t().dispatched} ${kst(i.dispatched_at)} · ${t().arrived} ${kst(i.arrived_at)}</small></li>`).join("");
  }
}

async function refresh() {
  try {
    city = await (await fetch("/api/state")).json();
    render();
  } catch (e) {
    $("status").textContent = t().offline;
  }
}

function connect() {
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) { localStorage.setItem("scpm.token", fromUrl); history.replaceState(null, "", location.pathname); }
  let token = localStorage.getItem("scpm.token");
  if (!token) {
    token = prompt("Office token (var/office_token on the server)") || "";
    localStorage.setItem("scpm.token", token);
  }
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/display?token=${encodeURIComponent(token)}`);
  socket.onopen = () => { $("status").textContent = t().live; };
  socket.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "display") { display = msg.state; if (msg.state.language && msg.state.language !== lang) { lang = msg.state.language; } render(); }
  };
  socket.onclose = () => { $("status").textContent = t().offline; setTimeout(connect, 1000); };
}

$("lang").addEventListener("click", () => { lang = lang === "ko" ? "en" : "ko"; localStorage.setItem("scpm.lang", lang); document.documentElement.lang = lang; render(); });

(async () => {
  geo = await (await fetch("/api/geo")).json();
  await refresh();
  setInterval(refresh, 5000);
  if (PUBLIC) { $("status").textContent = t().live; } else { connect(); }
  render();
})();
