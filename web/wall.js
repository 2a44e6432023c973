// The wall page: the office wall at "/", the public view at "/public". The office page follows the
// server's display state over /ws/display and sends touches there as actions (audited like voice);
// the public page navigates on its own and reads only public endpoints, which the server has
// already stripped of what is restricted. Everything is served by scpm: no CDN, no web fonts.
"use strict";

const SCPM = (() => {
  const PUBLIC = location.pathname.startsWith("/public");
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const state = {
    lang: localStorage.getItem("scpm.lang") || "ko",
    display: { screen: "overview", topic: "overview", district: null, indicator: null, zoom: 0, version: 0, call: null },
    token: null,
    socket: null,
    officials: [],  // /api/officials: who can be called, and the topics each answers for
    city: null,   // /api/districts summary, from /api/state
  };
  // The pages and the page of each topic: the server's table (/static/pages.js).
  const TABS = SCPM_PAGES.tabs;

  const t = () => SCPM_TEXT[state.lang];
  const $ = (id) => document.getElementById(id);
  // The page a display shows: the office's display says it; the public page navigates itself.
  const pageOf = (d) => d.page || SCPM_PAGES.of[d.screen] || "overview";
  const kst = (iso) => iso ? new Date(iso).toLocaleTimeString(state.lang === "ko" ? "ko-KR" : "en-GB", { timeZone: "Asia/Seoul", hour: "2-digit", minute: "2-digit" }) : "–";
  const num = (v, digits = 1) => v == null || Number.isNaN(v) ? "–" : Number(v).toLocaleString(state.lang === "ko" ? "ko-KR" : "en-GB", { maximumFractionDigits: digits });

  function districtName(code) {
    const d = state.city && state.city.districts.find((x) => x.code === code);
    return d ? (state.lang === "ko" ? d.name_ko : d.name_en) : t().city;
  }

  // GET with the office token when there is one; the server decides what each viewer gets.
  async function api(path) {
    const headers = !PUBLIC && state.token ? { Authorization: `Bearer ${state.token}` } : {};
    const response = await fetch(path, { headers });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return response.json();
  }

  // A touch on the page: the office sends it to the server (every wall follows, and it is
  // audited); the public page just moves itself.
  function act(action) {
    if (!PUBLIC && state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify({ action }));
    } else {
      const d = state.display;
      if (action.type === "show") {
        state.display = { ...d, screen: action.topic, topic: action.topic, page: SCPM_PAGES.of[action.topic], district: action.district ?? null,
                          indicator: action.indicator ?? null, period: action.period ?? null, zoom: action.district ? 1 : 0, search: null };
      } else if (action.type === "zoom") {
        state.display = { ...d, zoom: Math.max(0, Math.min(4, d.zoom + (action.direction === "in" ? 1 : -1))) };
      }
      render();
    }
  }

  function show(topic, district, indicator, period) {
    act({ type: "show", topic, district: district ?? null, indicator: indicator ?? null, period: period ?? null });
  }

  // The city at a glance (/api/state), as it is now or at the replayed time.
  const cityPath = (d) => d.replay ? `/api/state?at=${encodeURIComponent(d.replay)}` : "/api/state";
  let cityAt = null;

  // Seoul's calendar day of a time, as [its midnight, the next midnight] (ms).
  function seoulDay(ms) {
    const day = 86400e3, offset = 9 * 3600e3;
    const start = Math.floor((ms + offset) / day) * day - offset;
    return [start, start + day];
  }

  // The time bar under the tabs: in a replay, the badge, the replayed time, a slider through
  // that day (every quarter hour, up to now) and "back to live"; on the opinion screen, the
  // window (a touch on it shows the chosen period, as saying it would).
  function renderTimebar(d) {
    const replay = !PUBLIC && d.replay ? new Date(d.replay).getTime() : null;
    // The window picker: the opinion screen's window, the real-time screen's incidents.
    const opinion = !replay && (pageOf(d) === "opinion" || pageOf(d) === "realtime");
    $("timebar").hidden = !replay && !opinion;
    document.body.dataset.replay = replay ? d.replay : "";
    $("replay-badge").hidden = !replay;
    $("replay-controls").hidden = !replay;
    $("back-to-live").hidden = !replay;
    $("period-controls").hidden = !opinion;
    if (replay) {
      const [start, end] = seoulDay(replay);
      const slider = $("replay-slider");
      slider.min = String(start / 1000);
      slider.max = String(Math.floor(Math.min(end, Date.now()) / 1000));
      slider.value = String(Math.floor(replay / 1000));
      slider.setAttribute("aria-label", t().replay_slider);
      const when = new Date(replay).toLocaleString(state.lang === "ko" ? "ko-KR" : "en-GB",
        { timeZone: "Asia/Seoul", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
      $("replay-badge").textContent = t().replay;
      $("replay-time").textContent = when;
      $("back-to-live").textContent = t().back_to_live;
    }
    if (opinion) {
      $("period-label").textContent = t().period_pick;
      const periods = ["last_24h", "today", "yesterday", "this_week", "last_week", "this_month", "last_month"];
      const current = d.period || "last_24h";
      $("period-picker").innerHTML = periods.map((p) => `<option value="${p}"${p === current ? " selected" : ""}>${esc(t().periods[p])}</option>`).join("");
    }
  }

  // Short, quiet sounds as the voice overlay changes: rising when the wall starts listening, two
  // notes when it understood, one low note when it did not. Made with Web Audio (no files); the
  // 🔔 button in the header turns them off and on (kept in this browser).
  let lastHeard = "";
  let audio = null;
  function chime(heard) {
    const key = heard ? `${heard.state}/${heard.understood}/${heard.transcript}` : "";
    const opened = lastHeard === "";
    if (key === lastHeard) return;
    lastHeard = key;
    if (!heard || PUBLIC || localStorage.getItem("scpm.sounds") === "off") return;
    // Listening: once, as the overlay opens (not again for each partial transcript).
    const notes = heard.state !== "heard" ? (opened ? [660, 880] : []) : heard.understood ? [880, 1175] : [330];
    if (!notes.length) return;
    try {
      audio = audio || new AudioContext();
      notes.forEach((f, i) => {
        const osc = audio.createOscillator(), gain = audio.createGain();
        const at = audio.currentTime + i * 0.09;
        osc.frequency.value = f;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.05, at + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.08);
        osc.connect(gain).connect(audio.destination);
        osc.start(at);
        osc.stop(at + 0.09);
      });
      window.scpmChimes = (window.scpmChimes || 0) + 1;
    } catch (e) { console.error(e); }
  }

  // Locked, the page shows the lock and nothing else (the server sends it nothing of the city);
  // in public mode, a badge and the way out. Either way out is the PIN, typed here.
  let askingPin = false;
  function renderLock(d) {
    const locked = !PUBLIC && !!d.locked;
    const publicMode = !PUBLIC && !!d.public_mode;
    if (!publicMode) askingPin = false;
    document.body.classList.toggle("locked", locked);
    document.body.classList.toggle("public-mode", publicMode);
    $("lock").hidden = !(locked || askingPin);
    $("lock-title").textContent = locked ? t().locked : t().leave_public_title;
    $("unlock-button").textContent = t().unlock;
    $("unlock-cancel").textContent = t().cancel;
    $("unlock-cancel").hidden = locked;
    $("leave-public").hidden = !publicMode;
    $("leave-public").textContent = t().leave_public;
    if (locked) {
      SCPM_SCREENS.clear();
      $("call").hidden = true;
    }
    if (!$("lock").hidden) $("pin").focus();
  }

  async function unlock(event) {
    event.preventDefault();
    const response = await fetch("/api/unlock", {
      method: "POST",
      headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ pin: $("pin").value }),
    }).catch(() => null);
    $("pin").value = "";
    if (response && response.ok) {
      askingPin = false;
      $("lock-message").textContent = "";
      return; // the display state that follows redraws the wall
    }
    $("lock-message").textContent = response && response.status === 429 ? t().pin_wait : t().pin_wrong;
  }

  // The help overlay: the server's list for this page and language (GET /api/help).
  let helpShown = "";
  async function renderHelp(d) {
    const open = !PUBLIC && !!d.help && !d.locked;
    $("help").hidden = !open;
    const key = open ? `${pageOf(d)}/${state.lang}` : "";
    if (!open || key === helpShown) { helpShown = key; return; }
    helpShown = key;
    const help = await api(`/api/help?page=${encodeURIComponent(pageOf(d))}&lang=${state.lang}`);
    const list = (items) => items.map((s) => `<li>${esc(s)}</li>`).join("");
    const gestures = help.gestures.map((g) => `<li><b>${esc(t().gesture_names[g.gesture] || g.gesture)}</b> — ${esc(t().gesture_does[g.does] || g.does)}</li>`).join("");
    $("help").innerHTML = `<h2 id="help-title">${esc(t().help_title)}</h2><div class="columns">
      <div><h3>${esc(t().help_here)}</h3><ul class="say" id="help-here">${list(help.here)}</ul></div>
      <div><h3>${esc(t().help_anywhere)}</h3><ul class="say" id="help-anywhere">${list(help.anywhere)}</ul></div>
      <div><h3>${esc(t().help_gestures)}</h3><ul id="help-gestures">${gestures}</ul></div></div>
      <p class="close">${esc(t().help_close)}</p>`;
  }

  function renderChrome() {
    const d = state.display;
    document.documentElement.lang = state.lang;
    document.title = t().title;
    $("title").textContent = t().title;
    $("mode").textContent = PUBLIC ? t().public : d.public_mode ? t().public_mode : t().office;
    renderLock(d);
    $("lang").textContent = t().other;
    // Push-to-talk: the office listens to what is said next, as after "시장실" (a wave does the same).
    $("talk").hidden = PUBLIC;
    $("talk").textContent = t().talk;
    $("sounds").hidden = PUBLIC;
    $("sounds").textContent = localStorage.getItem("scpm.sounds") === "off" ? t().sounds_off : t().sounds_on;
    const topic = d.screen === "search" ? t().topics.search : (t().topics[d.topic] || d.topic);
    $("screen").textContent = `${topic} · ${districtName(d.district)}`;
    $("screen").dataset.topic = d.screen === "search" ? "search" : d.topic;
    $("screen").dataset.district = d.district || "";
    $("screen").dataset.screen = pageOf(d);
    document.body.dataset.version = d.version;
    document.body.dataset.layout = PUBLIC ? "split" : d.layout || "split";
    const current = pageOf(d);
    $("tabs").innerHTML = TABS.map(([screen, topic]) =>
      `<button type="button" data-topic="${topic}" class="${screen === current ? "active" : ""}">${esc(t().screens[screen])}</button>`).join("") +
      (d.district ? `<button type="button" data-city="1">${esc(t().whole_city)}</button>` : "");
    $("tabs").querySelectorAll("button[data-topic]").forEach((b) => b.addEventListener("click", () => show(b.dataset.topic, d.district)));
    $("tabs").querySelectorAll("button[data-city]").forEach((b) => b.addEventListener("click", () => show(d.topic === "search" ? "overview" : d.topic, null, d.indicator)));
    const heard = d.listening;
    chime(heard);
    $("listening").hidden = !heard;
    if (heard) {
      $("listening").className = heard.state === "heard" ? (heard.understood ? "heard" : "missed") : "live";
      // While speaking: the recognizer's partial text as it comes; then what was heard.
      $("listening").textContent = heard.state === "heard" ? `“${heard.transcript}”`
        : heard.transcript ? `${t().listening} ${heard.transcript}` : t().listening;
    }
    renderTimebar(d);
    renderOfficials(d);
    renderCall(d);
  }

  // The call panel: who, the state of each official's leg, and their video (call.js attaches
  // the streams to #call-videos, which is never re-rendered so playback is not interrupted).
  function renderCall(d) {
    // A locked wall or one in public mode shows no call controls.
    const call = d.locked || d.public_mode ? null : d.call;
    $("call").hidden = !call;
    if (!call) return;
    const title = (o) => esc(state.lang === "ko" ? (o || {}).title_ko : (o || {}).title_en);
    const legs = call.legs || [{ official: call.official, state: call.state }];
    let html = `<h2>${esc(t().call_title)} · ${esc(t().call_states[call.state] || call.state)}</h2>`;
    if (call.state === "confirming") html += `<p class="who">${title(call.official)}</p><p>${esc(t().call_confirm)}</p>`;
    else html += `<ul class="legs">${legs.map((l) => `<li class="leg ${esc(l.state)}" data-leg="${esc(l.leg || "")}"><span class="who">${title(l.official)}</span> <span class="state">${esc(l.state === "ended" ? (t().call_reasons[l.reason] || l.reason || "") : t().call_states[l.state] || l.state)}</span></li>`).join("")}</ul>`;
    if (call.muted) html += `<p class="muted">${esc(t().call_muted)}</p>`;
    if (call.office_media === "test_pattern" && call.state !== "confirming") html += `<p class="note">${esc(call.office_audio === "microphone" ? t().call_test_pattern_mic : t().call_test_pattern)}</p>`;
    // Touch: the same actions as "네" / "취소" / "전화 끊어", audited as touches.
    if (call.state === "confirming") html += `<div class="buttons"><button type="button" data-do="place">${esc(t().call_place)}</button><button type="button" class="stop" data-do="cancel">${esc(t().call_cancel)}</button></div>`;
    else if (call.state !== "ended") html += `<div class="buttons"><button type="button" class="stop" data-do="hang_up">${esc(t().call_hang_up)}</button></div>`;
    $("call-info").innerHTML = html;
    $("call").dataset.state = call.state;
    $("call-info").querySelectorAll("button[data-do]").forEach((b) => b.addEventListener("click", () => {
      const what = b.dataset.do;
      act(what === "place" ? { type: "call", official: call.official, needs_confirmation: false } : { type: what });
    }));
    if (typeof SCPM_CALL !== "undefined") SCPM_CALL.volume((d.volume ?? 6) / 10);
  }

  // What the cursor rests on ("district:11680", "official:transportation"), told to the server
  // when it changes: a "show this" or "call this one" said then means it. Outlined on the wall.
  let pointedKey = "";
  function reportPointing(d) {
    const cursor = d.cursor;
    let key = "";
    if (cursor && cursor.mode === "point") {
      const at = document.elementFromPoint(cursor.x * window.innerWidth, cursor.y * window.innerHeight);
      const target = at && at.closest("[data-point]");
      key = target ? target.dataset.point : "";
    }
    if (key === pointedKey) return;
    document.querySelectorAll(".pointed").forEach((e) => e.classList.remove("pointed"));
    if (key) document.querySelectorAll(`[data-point="${CSS.escape(key)}"]`).forEach((e) => e.classList.add("pointed"));
    pointedKey = key;
    document.body.dataset.pointed = key;
    if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify({ pointing: key }));
  }

  // The officials to call about what is on the wall: those who answer for its topic, and the
  // head of the district shown. Each can be pointed at ("call this one") or touched.
  function renderOfficials(d) {
    const show = !PUBLIC && !d.public_mode && !d.locked && state.officials.length > 0;
    const mine = show ? state.officials.filter((o) => o.topics.includes(d.topic) || (d.district && o.district === d.district)).slice(0, 5) : [];
    $("officials").hidden = mine.length === 0;
    const key = mine.map((o) => o.official.id).join(",") + state.lang;
    if ($("officials").dataset.key === key) return;
    $("officials").dataset.key = key;
    $("officials").setAttribute("aria-label", t().officials);
    $("officials").innerHTML = `<h2>${esc(t().officials)}</h2>` + mine.map((o) =>
      `<button type="button" data-point="official:${esc(o.official.id)}" data-official="${esc(o.official.id)}">${esc(state.lang === "ko" ? o.official.title_ko : o.official.title_en)}</button>`).join("");
    $("officials").querySelectorAll("button[data-official]").forEach((b) => b.addEventListener("click", () => {
      const o = state.officials.find((x) => x.official.id === b.dataset.official);
      if (o) act({ type: "call", official: o.official, needs_confirmation: true });
    }));
  }

  // The gesture cursor follows the server's display state; it changes many times a second and
  // never re-renders the screen.
  function renderCursor(d) {
    const cursor = d.cursor;
    $("cursor").hidden = !cursor || PUBLIC;
    if (!PUBLIC) reportPointing(d);
    if (!cursor) return;
    $("cursor").style.left = `${(cursor.x * 100).toFixed(2)}%`;
    $("cursor").style.top = `${(cursor.y * 100).toFixed(2)}%`;
    $("cursor").classList.toggle("grab", cursor.mode === "grab");
    $("cursor").classList.toggle("hand", cursor.mode === "hand");
  }

  // A gesture's select clicks what is at that point of the wall, once per select: the click then
  // goes the way of any touch (a tab, a district on the map, a call button).
  // The select already there when the page connects is an old one, not to be clicked again.
  let lastSelect = undefined;
  function clickSelected(d) {
    const select = d.select;
    if (lastSelect === undefined) { lastSelect = select ? select.id : 0; return; }
    if (!select || PUBLIC || select.id === lastSelect) return;
    lastSelect = select.id;
    const x = select.x * window.innerWidth, y = select.y * window.innerHeight;
    const target = document.elementFromPoint(x, y);
    $("cursor").classList.remove("select");
    void $("cursor").offsetWidth;
    $("cursor").classList.add("select");
    if (!target) return;
    document.body.dataset.selected = target.id || target.dataset.topic || target.dataset.district || target.tagName.toLowerCase();
    target.dispatchEvent(new MouseEvent("click", { bubbles: true, clientX: x, clientY: y }));
  }

  let rendering = Promise.resolve();
  // Renders the current display; renders are serialised so two quick changes cannot interleave.
  function render() {
    rendering = rendering.then(async () => {
      renderChrome();
      await renderHelp(state.display).catch((e) => console.error(e));
      if (!PUBLIC && state.display.locked) {
        document.body.dataset.rendered = state.display.version;
        return;
      }
      try {
        // A replay (or its end) changes the city the screens read.
        const at = state.display.replay || null;
        if (at !== cityAt) {
          cityAt = at;
          state.city = await api(cityPath(state.display)).catch(() => state.city);
        }
        await SCPM_SCREENS.render(pageOf(state.display), state.display);
        const connected = PUBLIC || (state.socket && state.socket.readyState === WebSocket.OPEN);
        $("status").textContent = !connected ? t().connecting : state.display.replay ? t().replay : t().live;
      } catch (e) {
        console.error(e);
        $("status").textContent = t().offline;
      }
      if (!performance.getEntriesByName("scpm-first-render").length) performance.mark("scpm-first-render");
      document.body.dataset.rendered = state.display.version;
    });
    return rendering;
  }

  function connect() {
    const fromUrl = new URLSearchParams(location.search).get("token");
    if (fromUrl) { localStorage.setItem("scpm.token", fromUrl); history.replaceState(null, "", location.pathname); }
    state.token = localStorage.getItem("scpm.token");
    if (!state.token) {
      state.token = prompt("Office token (var/office_token on the server)") || "";
      localStorage.setItem("scpm.token", state.token);
    }
    const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/display?token=${encodeURIComponent(state.token)}`);
    state.socket = socket;
    socket.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type !== "display") return;
      if (msg.state.language && msg.state.language !== state.display.language) state.lang = msg.state.language;
      const moved = msg.state.version === state.display.version;
      state.display = msg.state;
      renderCursor(msg.state);
      if (moved) return; // only the cursor moved
      render().then(() => clickSelected(msg.state));
    };
    socket.onclose = () => { $("status").textContent = t().offline; setTimeout(connect, 1000); };
  }

  async function start() {
    $("talk").addEventListener("click", () => act({ type: "listen" }));
    $("unlock").addEventListener("submit", unlock);
    $("sounds").addEventListener("click", () => {
      localStorage.setItem("scpm.sounds", localStorage.getItem("scpm.sounds") === "off" ? "on" : "off");
      render();
    });
    $("leave-public").addEventListener("click", () => { askingPin = true; renderLock(state.display); });
    $("unlock-cancel").addEventListener("click", () => { askingPin = false; renderLock(state.display); });
    $("replay-slider").addEventListener("change", (e) => act({ type: "replay", at: new Date(Number(e.target.value) * 1000).toISOString() }));
    $("back-to-live").addEventListener("click", () => act({ type: "live" }));
    $("period-picker").addEventListener("change", (e) => {
      const d = state.display;
      show(d.topic, d.district, null, e.target.value === "last_24h" ? null : e.target.value);
    });
    $("lang").addEventListener("click", () => {
      state.lang = state.lang === "ko" ? "en" : "ko";
      localStorage.setItem("scpm.lang", state.lang);
      render();
    });
    SCPM_MAP.setGeo(await (await fetch("/api/geo")).json());
    state.city = await api("/api/state").catch(() => null);
    if (!PUBLIC) {
      connect();
      state.officials = (await api("/api/officials").catch(() => ({ officials: [] }))).officials;
      if (typeof SCPM_CALL !== "undefined") SCPM_CALL.start(state.token);
    }
    await render();
    // Live figures: re-read the current screen's data every few seconds.
    setInterval(async () => {
      if (!PUBLIC && state.display.locked) return;
      state.city = await api(cityPath(state.display)).catch(() => state.city);
      render();
    }, 5000);
  }

  return { PUBLIC, state, esc, t, $, api, act, show, kst, num, districtName, start, render };
})();

window.addEventListener("DOMContentLoaded", () => SCPM.start());
