// The screens: overview, real-time urban status, citizen opinion, administration (indicators and
// pledges) and search. Each reads its endpoint, colours the map and fills the side panel. The side
// panel's skeleton is rebuilt only when the screen, district, indicator or language changes;
// refreshes update figures, lists and charts in place (so CCTV streams keep playing).
"use strict";

const SCPM_SCREENS = (() => {
  const { esc, $, api, show, kst, num } = SCPM;
  const t = () => SCPM.t();
  const lang = () => SCPM.state.lang;
  const name = (x) => lang() === "ko" ? (x.name_ko ?? x.title_ko ?? x.topic_ko) : (x.name_en ?? x.title_en ?? x.topic_en);
  const charts = new Map();
  let skeletonKey = null;
  let cameraKey = null;

  Chart.defaults.animation = false;
  Chart.defaults.color = "#c8d6e5";
  Chart.defaults.borderColor = "#2a3d57";
  Chart.defaults.font.family = "'Noto Sans CJK KR', sans-serif";
  Chart.defaults.maintainAspectRatio = false;

  function chart(id, config) {
    const canvas = $(id);
    if (!canvas) return;
    const old = charts.get(id);
    if (old && old.canvas === canvas && old.config.type === config.type) {
      old.data.labels = config.data.labels;
      old.data.datasets.forEach((d, i) => Object.assign(d, config.data.datasets[i] || {}));
      old.update("none");
      return;
    }
    if (old) old.destroy();
    charts.set(id, new Chart(canvas, config));
  }

  function skeleton(key, html) {
    if (skeletonKey === key) return false;
    for (const c of charts.values()) c.destroy();
    charts.clear();
    skeletonKey = key;
    cameraKey = null;
    $("side").innerHTML = html;
    return true;
  }

  // Colour scales: a fixed one for PM2.5 (the Korean grades), a ramp for everything else.
  function pm25Colour(v) {
    if (v == null) return "#30445e";
    if (v <= 15) return "#2e8bd8";
    if (v <= 35) return "#3fb36b";
    if (v <= 75) return "#e0a030";
    return "#d9463b";
  }
  function ramp(values, goodIsHigh) {
    const xs = [...values.values()].filter((v) => v != null);
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    return (code) => {
      const v = values.get(code);
      if (v == null || !xs.length) return "#30445e";
      let f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      if (goodIsHigh === false) f = 1 - f;
      const [a, b] = [[62, 84, 118], [63, 169, 245]];
      return `rgb(${a.map((c, i) => Math.round(c + (b[i] - c) * f)).join(",")})`;
    };
  }

  function drawMap(display, fill, markers, label) {
    SCPM_MAP.draw($("map"), $("inset"), {
      district: display.district, zoom: display.zoom, fill, markers, lang: lang(),
      label: label || ((code) => SCPM.districtName(code).replace(/-gu$/, "")),
      onDistrict: (code) => show(display.screen === "search" ? "overview" : display.topic, code, display.indicator),
    });
  }

  const figure = (value, label, extra = "") => `<div class="figure"><b>${esc(value)}</b><span>${esc(label)}</span>${extra}</div>`;
  const items = (rows, render) => rows.length ? rows.map(render).join("") : `<li class="empty">${esc(t().none)}</li>`;
  // An indicator's unit in the wall's language (the data keeps the English one).
  const unit = (u) => t().units[u] ?? u;
  const where = (display) => display.district ? `?district=${display.district}` : "";
  const avg = (xs) => { const v = xs.filter((x) => x != null); return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null; };

  // ---- Overview -------------------------------------------------------------------------------
  async function overview(display) {
    const city = SCPM.state.city || await api("/api/state");
    const catalogue = await api("/api/indicators");
    const headline = catalogue.visions.slice(0, 4).map((v) => v.indicators[0]).filter(Boolean);
    const [values, pledges] = await Promise.all([
      Promise.all(headline.map((i) => api(`/api/indicators/${i.id}${where(display)}`))),
      api("/api/pledges"),
    ]);
    skeleton(`overview/${display.district}/${lang()}`, `<div id="figures" class="figures"></div>
      <h2>${esc(t().headline)}</h2><div id="headline" class="figures"></div>
      <h2>${esc(t().latest_incidents)}</h2><ol id="incidents" class="list"></ol>`);
    const ds = city.districts.filter((d) => !display.district || d.code === display.district);
    $("figures").innerHTML = figure(city.incidents.last_24h, t().incidents_24h) + figure(city.complaints.last_24h, t().complaints_24h) +
      figure(num(avg(ds.map((d) => d.air && d.air.pm25))) + " µg/m³", t().pm25) + figure(num(avg(ds.map((d) => d.traffic_kmh))) + " km/h", t().traffic_speed);
    $("headline").innerHTML = values.map((v) => figure(`${num(v.latest)} ${unit(v.indicator.unit)}`, name(v.indicator),
      `<small class="${v.change_pct >= 0 === v.indicator.higher_is_better ? "good" : "bad"}">${v.change_pct >= 0 ? "▲" : "▼"} ${num(Math.abs(v.change_pct))}% ${esc(t().vs_last_year)}</small>`)).join("") +
      figure(`${num(pledges.summary.average_progress)}%`, t().pledge_progress);
    $("incidents").innerHTML = items(city.incidents.latest, incidentItem);
    const air = new Map(city.districts.map((d) => [d.code, d.air && d.air.pm25]));
    drawMap(display, (code) => pm25Colour(air.get(code)), []);
  }

  function incidentItem(i) {
    const times = `${t().received} ${kst(i.received_at)} · ${t().dispatched} ${kst(i.dispatched_at)} · ${t().arrived} ${kst(i.arrived_at)}`;
    const focused = SCPM.state.display.focus === i.id ? ` class="focus"` : "";
    return `<li data-id="${esc(i.id)}" data-point="incident:${esc(i.id)}@${esc(i.district)}"${focused}>${esc(lang() === "ko" ? i.summary_ko : i.summary_en)}<small>${esc(i.line)} · ${esc(SCPM.districtName(i.district))} · ${times}</small></li>`;
  }

  // A tile pulls its next frame when the last one has arrived (5 per second at most). Not MJPEG
  // streams: a browser keeps only six connections per server, and four open streams would starve
  // the page's own requests. The tile stops when it leaves the page.
  function playFrames(img) {
    const next = () => { if (img.isConnected) img.src = `${img.dataset.frame}&n=${Date.now()}`; };
    img.onload = () => setTimeout(next, 200);
    img.onerror = () => setTimeout(next, 2000);
    img.src = `${img.dataset.frame}&n=${Date.now()}`;
  }

  // ---- Real-time urban status -----------------------------------------------------------------
  const MEASURE = {
    traffic: (d) => d.traffic && d.traffic.speed_kmh, transit: (d) => d.traffic && d.traffic.speed_kmh,
    weather: (d) => d.weather && d.weather.temperature_c, water: (d) => d.water && d.water.turbidity_ntu,
  };

  // A screen's query: its district, and in a replay the replayed time.
  const query = (display, extra) => {
    const q = [display.district && `district=${display.district}`, ...extra].filter(Boolean).join("&");
    return q ? `?${q}` : "";
  };

  async function realtime(display) {
    // A replayed time, or a window asked for ("어제 사건 사고"), else live.
    const when = display.replay ? `at=${encodeURIComponent(display.replay)}` : display.period && `period=${display.period}`;
    const data = await api(`/api/realtime${query(display, [when, display.focus && `focus=${encodeURIComponent(display.focus)}`])}`);
    skeleton(`realtime/${display.district}/${lang()}`, `<h2 id="realtime-window" hidden></h2><div id="figures" class="figures"></div>
      <h2>${esc(t().cctv)}</h2><div id="cctv" class="cctv"></div>
      <div class="columns"><div><h2>${esc(t().hospitals)}</h2><ol id="hospitals" class="list"></ol></div>
      <div><h2>${esc(t().latest_incidents)}</h2><ol id="incidents" class="list"></ol></div></div>`);
    const windowed = data.from && data.to;
    $("realtime-window").hidden = !windowed;
    $("realtime-window").textContent = windowed ? windowName({ ...data, bucket: (new Date(data.to) - new Date(data.from)) > 2 * 86400e3 ? "day" : "hour" }) : "";
    $("realtime-window").dataset.period = data.period;
    const ds = data.districts;
    const water = ds.map((d) => d.water).filter(Boolean);
    $("figures").innerHTML =
      figure(num(avg(ds.map((d) => d.air && d.air.pm25))) + " µg/m³", t().pm25) +
      figure(num(avg(ds.map((d) => d.traffic && d.traffic.speed_kmh))) + " km/h", t().traffic_speed) +
      figure(num(avg(ds.map((d) => d.weather && d.weather.temperature_c))) + " °C", t().temperature,
        `<small>${esc(t().humidity)} ${num(avg(ds.map((d) => d.weather && d.weather.humidity_pct)), 0)}% · ${esc(t().rain)} ${num(avg(ds.map((d) => d.weather && d.weather.precipitation_mm)))} mm</small>`) +
      figure(water.length ? `${num(avg(water.map((w) => w.turbidity_ntu)), 2)} NTU` : "–", t().water_quality,
        `<small class="${water.every((w) => w.ok) ? "good" : "bad"}">${esc(water.every((w) => w.ok) ? t().water_ok : t().water_bad)}</small>`);
    const cams = data.cctv.restricted ? [] : data.cctv.cameras;
    const key = data.cctv.restricted ? `restricted/${data.period}` : cams.map((c) => c.id).join(",");
    if (key !== cameraKey) {
      cameraKey = key;
      const token = encodeURIComponent(SCPM.state.token || "");
      $("cctv").innerHTML = data.cctv.restricted
        ? `<p class="restricted">${esc(data.at ? t().cctv_live_only : t().cctv_restricted)}</p>`
        : cams.map((c) => `<figure data-point="cctv:${esc(c.id)}"${c.id === display.focus ? ` class="focus"` : ""}><img alt="${esc(c.id)}" data-frame="${c.frame}?token=${token}"><figcaption>${esc(name(c))} · ${num(c.distance_m, 0)} ${t().metres} · <em>${esc(t().simulated_video)}</em></figcaption></figure>`).join("");
      $("cctv").querySelectorAll("img").forEach(playFrames);
    }
    $("hospitals").innerHTML = items(data.hospitals, (h) =>
      `<li>${esc(name(h))}<small>${num(h.distance_m, 0)} ${t().metres} · ${esc(t().beds)} ${h.emergency_beds ?? "–"}</small></li>`);
    $("incidents").innerHTML = items(data.incidents, incidentItem);
    const measure = MEASURE[display.topic];
    const byCode = new Map(ds.map((d) => [d.code, measure ? measure(d) : d.air && d.air.pm25]));
    // With one district in scope the API sends that one only: keep the city colours from /api/state.
    if (display.district && SCPM.state.city && !measure) {
      for (const d of SCPM.state.city.districts) if (!byCode.has(d.code)) byCode.set(d.code, d.air && d.air.pm25);
    }
    const fill = measure ? ramp(byCode, display.topic === "traffic" || display.topic === "transit" ? true : display.topic === "water" ? false : undefined)
                         : (code) => pm25Colour(byCode.get(code));
    const markers = data.incidents.map((i) => ({ lonlat: i.position, kind: "incident", title: i.summary_ko, focus: i.id === data.focus }))
      .concat(data.hospitals.map((h) => ({ lonlat: h.position, kind: "hospital", title: name(h) })))
      .concat(cams.map((c) => ({ lonlat: c.position, kind: "cctv", title: c.id })));
    drawMap(display, fill, markers);
  }

  // ---- Citizen opinion ------------------------------------------------------------------------
  // The window a screen shows, as the wall says it: "지난주 · 11. 23. – 11. 29.".
  function windowName(data) {
    const locale = lang() === "ko" ? "ko-KR" : "en-GB";
    const day = (iso) => new Date(iso).toLocaleDateString(locale, { timeZone: "Asia/Seoul", month: "short", day: "numeric" });
    const last = new Date(new Date(data.to).getTime() - 1000).toISOString();
    // Hours: the end's day too when the window crosses midnight ("12월 7일 00:00 – 12월 8일 00:00").
    const end = day(data.from) === day(data.to) ? kst(data.to) : `${day(data.to)} ${kst(data.to)}`;
    const span = data.bucket === "day" ? `${day(data.from)} – ${day(last)}` : `${day(data.from)} ${kst(data.from)} – ${end}`;
    return `${t().periods[data.period] || data.period} · ${span}`;
  }

  async function opinion(display) {
    // In a replay: the day before the replayed time.
    const replay = display.replay && new Date(display.replay);
    const window = replay ? [`from=${encodeURIComponent(new Date(replay - 86400e3).toISOString())}`, `to=${encodeURIComponent(replay.toISOString())}`]
      : [display.period && `period=${display.period}`];
    const data = await api(`/api/opinion${query(display, window)}`);
    skeleton(`opinion/${display.district}/${display.period}/${lang()}`, `<div id="figures" class="figures"></div>
      <h2 id="opinion-window"></h2><div class="chart"><canvas id="chart-hourly"></canvas></div>
      <div class="columns"><div><h2>${esc(t().by_category)}</h2><div class="chart"><canvas id="chart-category"></canvas></div></div>
      <div><h2>${esc(t().trending)}</h2><ol id="trends" class="list"></ol></div></div>
      <h2>${esc(t().latest_complaints)}</h2><ol id="complaints" class="list"></ol>`);
    $("figures").innerHTML = figure(data.totals.complaints, t().complaints) + figure(data.totals.suggestions, t().suggestions);
    $("opinion-window").textContent = windowName(data);
    $("opinion-window").dataset.period = data.period;
    const day = (iso) => new Date(iso).toLocaleDateString(lang() === "ko" ? "ko-KR" : "en-GB", { timeZone: "Asia/Seoul", month: "numeric", day: "numeric" });
    const labels = data.series.map((h) => data.bucket === "day" ? day(h.at) : kst(h.at));
    chart("chart-hourly", { type: "line", data: { labels, datasets: [
      { label: t().complaints, data: data.series.map((h) => h.complaints), borderColor: "#e0a030", backgroundColor: "#e0a030", tension: 0.3 },
      { label: t().suggestions, data: data.series.map((h) => h.suggestions), borderColor: "#3fa9f5", backgroundColor: "#3fa9f5", tension: 0.3 },
    ] } });
    const cats = [...data.by_category].sort((a, b) => (b.complaints + b.suggestions) - (a.complaints + a.suggestions));
    chart("chart-category", { type: "bar", options: { indexAxis: "y", scales: { x: { stacked: true }, y: { stacked: true } } }, data: {
      labels: cats.map((c) => t().categories[c.key] || c.key), datasets: [
        { label: t().complaints, data: cats.map((c) => c.complaints), backgroundColor: "#e0a030" },
        { label: t().suggestions, data: cats.map((c) => c.suggestions), backgroundColor: "#3fa9f5" },
      ] } });
    $("trends").innerHTML = items(data.trends, (x) => `<li>${esc(name(x))}<small>${num(x.mentions, 0)} ${esc(t().mentions)}</small></li>`);
    $("complaints").innerHTML = items(data.latest, (c) =>
      `<li>${esc(lang() === "ko" ? c.text_ko || c.text_en : c.text_en || c.text_ko)}<small>${esc(c.form === "suggestion" ? t().suggestions : t().complaints)} · ${esc(t().categories[c.category] || c.category)} · ${esc(SCPM.districtName(c.district))} · ${kst(c.received_at)} · ${esc(t().status[c.status] || c.status)}</small></li>`);
    const counts = new Map(data.by_district.map((d) => [d.key, d.complaints + d.suggestions]));
    drawMap(display, ramp(counts, false), [], (code) => `${SCPM.districtName(code).replace(/-gu$/, "")} ${counts.get(code) ?? 0}`);
  }

  // ---- Administration: indicators -------------------------------------------------------------
  async function administration(display) {
    if (display.topic === "pledges") return pledges(display);
    const catalogue = await api("/api/indicators");
    const known = catalogue.visions.some((v) => v.indicators.some((i) => i.id === display.indicator));
    if (!display.indicator || !known) {
      skeleton(`catalogue/${lang()}`, `<h2>${esc(t().visions)}</h2><p class="hint">${esc(t().pick_indicator)}</p><div id="visions"></div>`);
      $("visions").innerHTML = catalogue.visions.map((v) => `<section class="vision"><h3>${esc(name(v))}</h3>` +
        v.indicators.map((i) => `<button type="button" class="chip" data-id="${i.id}">${esc(name(i))}</button>`).join("") + "</section>").join("");
      $("visions").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => show("indicators", display.district, b.dataset.id)));
      drawMap(display, () => "#30445e", []);
      return;
    }
    const data = await api(`/api/indicators/${display.indicator}${where(display)}`);
    const ind = data.indicator;
    skeleton(`indicator/${ind.id}/${display.district}/${lang()}`, `<div id="figures" class="figures"></div>
      <h2>${esc(t().series)}</h2><div class="chart"><canvas id="chart-series"></canvas></div>
      <div class="columns"><div id="age-box"><h2>${esc(t().by_age)}</h2><div class="chart small"><canvas id="chart-age"></canvas></div></div>
      <div id="gender-box"><h2>${esc(t().by_gender)}</h2><div class="chart small"><canvas id="chart-gender"></canvas></div></div></div>
      <p class="note">${esc(t().simulated_data)}</p>`);
    const good = data.change_pct >= 0 === ind.higher_is_better;
    $("figures").innerHTML = figure(`${num(data.latest, 2)} ${unit(ind.unit)}`, `${name(ind)} · ${data.month}`) +
      figure(`${data.change_pct >= 0 ? "▲" : "▼"} ${num(Math.abs(data.change_pct))}%`, t().vs_last_year,
        `<small class="${good ? "good" : "bad"}">${esc(t().last_year)} ${num(data.last_year, 2)} ${esc(unit(ind.unit))}</small>`);
    const label = (p) => `${p.year}-${String(p.month).padStart(2, "0")}`;
    const datasets = [{ label: t().city_series, data: data.series.map((p) => p.value), borderColor: "#3fa9f5", pointRadius: 0 }];
    if (data.district_series) datasets.push({ label: SCPM.districtName(data.district), data: data.district_series.map((p) => p.value), borderColor: "#ffcc66", pointRadius: 0 });
    chart("chart-series", { type: "line", data: { labels: data.series.map(label), datasets } });
    $("age-box").hidden = !data.by_age.length;
    $("gender-box").hidden = !data.by_gender.length;
    const groups = (rows, colour) => ({ labels: rows.map((r) => t().groups[r.group] || r.group), datasets: [{ label: unit(ind.unit), data: rows.map((r) => r.value), backgroundColor: colour }] });
    const noLegend = { plugins: { legend: { display: false } } };
    if (data.by_age.length) chart("chart-age", { type: "bar", options: noLegend, data: groups(data.by_age, "#3fb36b") });
    if (data.by_gender.length) chart("chart-gender", { type: "bar", options: noLegend, data: groups(data.by_gender, "#b07be0") });
    const values = new Map(data.by_district.map((d) => [d.code, d.value]));
    drawMap(display, ramp(values, ind.higher_is_better), [], (code) => values.has(code) ? `${SCPM.districtName(code).replace(/-gu$/, "")} ${num(values.get(code))}` : SCPM.districtName(code));
  }

  // ---- Administration: pledges ----------------------------------------------------------------
  async function pledges(display) {
    const data = await api("/api/pledges");
    skeleton(`pledges/${lang()}`, `<div id="figures" class="figures"></div>
      <h2>${esc(t().pledge_progress)}</h2><div class="chart"><canvas id="chart-visions"></canvas></div>
      <ol id="pledges" class="list pledges"></ol>`);
    const s = data.summary;
    $("figures").innerHTML = figure(`${num(s.average_progress)}%`, t().average_progress) +
      ["done", "on_track", "delayed", "not_started"].map((k) => figure(s[k], t().pledge_status[k])).join("");
    chart("chart-visions", { type: "bar", options: { plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 100 } } }, data: {
      labels: data.visions.map(name), datasets: [{ label: "%", data: data.visions.map((v) => v.summary.average_progress), backgroundColor: "#3fa9f5" }] } });
    $("pledges").innerHTML = data.pledges.map(({ pledge: p, department }) =>
      `<li class="${p.status}"><span>${esc(lang() === "ko" ? p.title_ko : p.title_en)}</span>` +
      `<div class="bar"><i style="width:${p.progress}%"></i></div><small>${p.progress}% · ${esc(t().pledge_status[p.status])} · ${esc(department ? department[lang()] : "")} · ${esc(t().target)} ${esc(p.target_date)}</small></li>`).join("");
    drawMap(display, () => "#30445e", []);
  }

  // ---- Search ---------------------------------------------------------------------------------
  async function search(display) {
    const q = display.search || "";
    const data = q ? await api(`/api/search?q=${encodeURIComponent(q)}&limit=20`) : { hits: [] };
    skeleton(`search/${q}/${lang()}`, `<h2>${esc(t().search_results)}: “${esc(q)}”</h2><ol id="results" class="list"></ol>`);
    $("results").innerHTML = data.hits.length
      ? data.hits.map((h) => `<li>${esc(h.title)}<small>${esc(h.kind)}${h.district ? " · " + esc(SCPM.districtName(h.district)) : ""} · ${esc(h.snippet)}</small></li>`).join("")
      : `<li>${esc(t().no_results)}</li>`;
    drawMap(display, (code) => data.hits.some((h) => h.district === code) ? "#3fa9f5" : "#30445e", []);
  }

  const SCREENS = { overview, realtime, opinion, administration, pledges, search };
  // Takes every screen off the page (the wall locked): the next render draws it anew.
  function clear() {
    for (const c of charts.values()) c.destroy();
    charts.clear();
    skeletonKey = null;
    cameraKey = null;
    $("side").innerHTML = "";
  }

  return { render: (screen, display) => (SCREENS[screen] || overview)(display), clear };
})();
