// An official's call page, /official/<id>?token=…: stays connected to the mayor's office, rings
// on an incoming call, and answers with the browser's camera and microphone (nothing to
// install). Signaling is JSON over /ws/official/<id> with trickle ICE; the office offers.
"use strict";

const OFFICIAL = (() => {
  const TEXT = {
    ko: { presence: "상태", available: "통화 가능", busy: "다른 업무 중", idle: "시장실의 호출을 기다리고 있습니다. 이 창을 열어 두세요.",
          ring: "시장실에서 영상 통화 요청", accept: "받기", decline: "거절", mute: "음소거", unmute: "음소거 해제", hangup: "끊기",
          connecting: "연결 중…", connected: "통화 중", reconnecting: "네트워크 재연결 중…", online: "● 연결됨", offline: "● 연결 끊김 — 다시 연결 중…",
          ended: "통화가 끝났습니다", nocamera: "카메라나 마이크를 쓸 수 없어 소리와 화면 없이 연결합니다" },
    en: { presence: "Status", available: "Available", busy: "Busy", idle: "Waiting for calls from the Mayor's Office. Keep this page open.",
          ring: "Video call from the Mayor's Office", accept: "Answer", decline: "Decline", mute: "Mute", unmute: "Unmute", hangup: "Hang up",
          connecting: "Connecting…", connected: "In call", reconnecting: "Reconnecting…", online: "● Connected", offline: "● Disconnected — reconnecting…",
          ended: "The call has ended", nocamera: "No camera or microphone available: joining without them" },
  };
  // Korean first, like the wall; "English" on the page switches and is remembered.
  const lang = new URLSearchParams(location.search).get("lang") || localStorage.getItem("scpm.lang") || "ko";
  const t = TEXT[lang] || TEXT.ko;
  const $ = (id) => document.getElementById(id);
  const id = decodeURIComponent(location.pathname.split("/").pop());
  const token = new URLSearchParams(location.search).get("token") || "";
  const state = { socket: null, pc: null, call: null, local: null, iceServers: [], queue: Promise.resolve(), ringer: null, muted: false, states: [] };

  const send = (message) => { if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message)); };

  function view(name) {
    for (const s of ["idle", "ringing", "incall"]) $(s).hidden = s !== name;
  }

  // A soft two-tone ring from WebAudio (no sound file to fetch).
  function ring(on) {
    if (state.ringer) { clearInterval(state.ringer); state.ringer = null; }
    if (!on) return;
    const beep = () => {
      try {
        const ctx = ring.ctx || (ring.ctx = new AudioContext());
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = 620;
        gain.gain.value = 0.08;
        osc.connect(gain).connect(ctx.destination);
        osc.start();
        osc.stop(ctx.currentTime + 0.4);
      } catch (e) { /* no audio output: the page still shows the call */ }
    };
    beep();
    state.ringer = setInterval(beep, 1500);
  }

  function end(reason) {
    ring(false);
    if (state.pc) state.pc.close();
    state.pc = null;
    state.call = null;
    state.connectedAt = null;
    state.answeredAt = null;
    state.firstFrameAt = null;
    $("remote").srcObject = null;
    view("idle");
    $("message").textContent = `${t.ended} (${reason})`;
  }

  async function offer(message) {
    if (!state.pc) {
      const pc = new RTCPeerConnection({ iceServers: state.iceServers });
      state.pc = pc;
      const remote = new MediaStream();
      $("remote").srcObject = remote;
      // When the office's picture first shows (for tests and the benchmark).
      if ($("remote").requestVideoFrameCallback) $("remote").requestVideoFrameCallback(() => { state.firstFrameAt = Date.now(); });
      pc.ontrack = (event) => { remote.addTrack(event.track); $("remote").play().catch(() => {}); };
      pc.onconnectionstatechange = () => { if (pc.connectionState === "connected" && !state.connectedAt) state.connectedAt = Date.now(); };
      pc.onicecandidate = (event) => { if (event.candidate) send({ type: "candidate", call: state.call, candidate: event.candidate.toJSON() }); };
      if (!state.local) {
        try {
          state.local = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
          $("local").srcObject = state.local;
        } catch (e) {
          $("message").textContent = t.nocamera;
        }
      }
      await pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
      // The office's offer has a video and an audio section: our tracks go into them.
      if (state.local) for (const track of state.local.getTracks()) pc.addTrack(track, state.local);
    } else {
      await state.pc.setRemoteDescription({ type: "offer", sdp: message.sdp });   // an ICE restart
    }
    const answer = await state.pc.createAnswer();
    await state.pc.setLocalDescription(answer);
    send({ type: "answer", call: state.call, sdp: answer.sdp });
  }

  async function handle(message) {
    switch (message.type) {
      case "hello":
        $("who").textContent = message.official ? (lang === "ko" ? message.official.title_ko : message.official.title_en) : id;
        $("presence").value = message.presence;
        state.iceServers = message.ice_servers || [];
        break;
      case "ring":
        state.call = message.call;
        $("ring-text").textContent = t.ring;
        $("message").textContent = "";
        view("ringing");
        ring(true);
        break;
      case "offer":
        if (message.call === state.call) await offer(message);
        break;
      case "candidate":
        if (state.pc && message.call === state.call && message.candidate.candidate) await state.pc.addIceCandidate(message.candidate).catch((e) => console.warn(e));
        break;
      case "state":
        if (message.call === state.call) {
          $("call-state").textContent = t[message.state] || message.state;
          state.states.push(message.state);
        }
        break;
      case "ended":
        if (message.call === state.call) end(message.reason);
        break;
      case "error":
        $("message").textContent = message.message;
        break;
    }
  }

  function connect() {
    const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/official/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`);
    state.socket = socket;
    socket.onopen = () => { $("connection").textContent = t.online; $("connection").className = "online"; };
    // One message at a time: a candidate must not overtake the offer it belongs to.
    socket.onmessage = (event) => { const message = JSON.parse(event.data); state.queue = state.queue.then(() => handle(message)).catch((e) => console.error(e)); };
    socket.onclose = () => { $("connection").textContent = t.offline; $("connection").className = "offline"; setTimeout(connect, 1000); };
  }

  function start() {
    $("presence-label").textContent = t.presence;
    $("presence").options[0].textContent = t.available;
    $("presence").options[1].textContent = t.busy;
    $("idle-text").textContent = t.idle;
    $("accept").textContent = t.accept;
    $("decline").textContent = t.decline;
    $("mute").textContent = t.mute;
    $("hangup").textContent = t.hangup;
    $("lang").textContent = lang === "ko" ? "English" : "한국어";
    $("lang").addEventListener("click", () => { localStorage.setItem("scpm.lang", lang === "ko" ? "en" : "ko"); location.reload(); });
    $("presence").addEventListener("change", () => send({ type: "presence", status: $("presence").value }));
    $("accept").addEventListener("click", () => { state.answeredAt = Date.now(); ring(false); view("incall"); $("call-state").textContent = t.connecting; send({ type: "accept", call: state.call }); });
    $("decline").addEventListener("click", () => { ring(false); send({ type: "decline", call: state.call }); });
    $("hangup").addEventListener("click", () => send({ type: "hang_up", call: state.call }));
    $("mute").addEventListener("click", () => {
      state.muted = !state.muted;
      if (state.local) for (const track of state.local.getAudioTracks()) track.enabled = !state.muted;
      $("mute").textContent = state.muted ? t.unmute : t.mute;
    });
    view("idle");
    connect();
  }

  // Stats for tests and the benchmark.
  async function stats() {
    const entry = {
      framesDecoded: 0, keyFramesDecoded: 0, framesReceived: 0, pliCount: 0, audioPackets: 0, state: state.pc ? state.pc.connectionState : "none", call: state.call,
      answeredAt: state.answeredAt || null, connectedAt: state.connectedAt || null, firstFrameAt: state.firstFrameAt || null,
    };
    if (state.pc) (await state.pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") { Object.assign(entry, { framesDecoded: s.framesDecoded || 0, keyFramesDecoded: s.keyFramesDecoded || 0, framesReceived: s.framesReceived || 0, pliCount: s.pliCount || 0 }); }
      if (s.type === "inbound-rtp" && s.kind === "audio") entry.audioPackets = s.packetsReceived || 0;
    });
    return entry;
  }

  return { start, stats, state };
})();

window.addEventListener("DOMContentLoaded", () => OFFICIAL.start());
