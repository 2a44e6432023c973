// The office wall's side of a call: the service offers each official in the call over
// /ws/call (office token); the wall answers, receive-only, and shows the official's video with
// sound. Media comes from the service (it forwards the official's packets), never from the
// official's browser directly, so the wall needs no route to the officials.
"use strict";

const SCPM_CALL = (() => {
  const peers = new Map();   // leg id → { pc, video }
  let socket = null;
  let volume = 0.6;
  let queue = Promise.resolve();

  const send = (message) => { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message)); };

  function close(leg) {
    const peer = peers.get(leg);
    if (!peer) return;
    peer.pc.close();
    peer.video.remove();
    peers.delete(leg);
  }

  async function offer(leg, sdp) {
    let peer = peers.get(leg);
    if (!peer) {
      peer = {};
      const pc = new RTCPeerConnection({ iceServers: [] });
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      video.dataset.leg = leg;
      video.volume = volume;
      document.getElementById("call-videos").appendChild(video);
      const stream = new MediaStream();
      video.srcObject = stream;
      pc.ontrack = (event) => { stream.addTrack(event.track); video.play().catch(() => {}); };
      // Moments (epoch ms) for the benchmark: connection up, first frame shown.
      pc.onconnectionstatechange = () => { if (pc.connectionState === "connected" && !peer.connectedAt) peer.connectedAt = Date.now(); };
      if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => { peer.firstFrameAt = Date.now(); });
      pc.onicecandidate = (event) => { if (event.candidate) send({ type: "candidate", call: leg, candidate: event.candidate.toJSON() }); };
      peer.pc = pc;
      peer.video = video;
      peers.set(leg, peer);
    }
    await peer.pc.setRemoteDescription({ type: "offer", sdp });
    const answer = await peer.pc.createAnswer();
    await peer.pc.setLocalDescription(answer);
    send({ type: "answer", call: leg, sdp: answer.sdp });
  }

  async function handle(message) {
    if (message.type === "offer") await offer(message.call, message.sdp);
    else if (message.type === "candidate") {
      const peer = peers.get(message.call);
      if (peer && message.candidate.candidate) await peer.pc.addIceCandidate(message.candidate).catch((e) => console.warn(e));
    } else if (message.type === "ended") close(message.call);
    else if (message.type === "error") console.warn("call:", message.message);
  }

  function start(token) {
    socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/call?token=${encodeURIComponent(token || "")}`);
    // Messages are handled one after another: a candidate must not overtake its offer.
    socket.onmessage = (event) => { const message = JSON.parse(event.data); queue = queue.then(() => handle(message)).catch((e) => console.error(e)); };
    socket.onclose = () => { for (const leg of [...peers.keys()]) close(leg); setTimeout(() => start(token), 1000); };
  }

  // Stats for tests and the benchmark: frames decoded and audio received, per leg.
  async function stats() {
    const out = {};
    for (const [leg, peer] of peers) {
      const report = await peer.pc.getStats();
      const entry = { framesDecoded: 0, audioPackets: 0, state: peer.pc.connectionState, connectedAt: peer.connectedAt || null, firstFrameAt: peer.firstFrameAt || null };
      report.forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video") entry.framesDecoded = s.framesDecoded || 0;
        if (s.type === "inbound-rtp" && s.kind === "audio") entry.audioPackets = s.packetsReceived || 0;
      });
      out[leg] = entry;
    }
    return out;
  }

  return {
    start,
    stats,
    volume(v) { volume = v; for (const peer of peers.values()) peer.video.volume = v; },
  };
})();
