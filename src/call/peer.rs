//! Building webrtc-rs peer connections the way calls need them: VP8 and Opus only, one UDP
//! socket on the configured address (a free port from the configured range), no mDNS, and the
//! configured STUN/TURN servers. The event handler turns webrtc-rs callbacks into [`PeerEvent`]s
//! on a channel, so the call manager sees one ordered stream of what happened.

use crate::config::CallsConfig;
use rtc::ice::mdns::MulticastDnsMode;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8};
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use serde_json::{json, Value};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    register_default_interceptors, MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceCandidateInit, RTCIceCandidateType, RTCIceServer, RTCPeerConnectionIceEvent,
    RTCPeerConnectionState, RTCSessionDescription, Registry, SettingEngineBuilder,
};

pub const VP8_PT: u8 = 96;
pub const OPUS_PT: u8 = 111;

#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error("WebRTC: {0}")]
    WebRtc(String),
    #[error("no free UDP port for a call on {address} in {range}; widen calls.udp_ports or end another call")]
    NoPort { address: IpAddr, range: String },
}

impl From<webrtc::error::Error> for PeerError {
    fn from(e: webrtc::error::Error) -> Self {
        PeerError::WebRtc(e.to_string())
    }
}

/// What a peer connection reports, tagged with the leg (and wall, for the wall's connections)
/// by the manager that owns the channel.
pub enum PeerEvent {
    Candidate(super::signal::Candidate),
    State(RTCPeerConnectionState),
    Track(Arc<dyn TrackRemote>),
}

struct Handler {
    events: mpsc::UnboundedSender<PeerEvent>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Ok(init) = event.candidate.to_json() {
            let candidate = super::signal::Candidate {
                candidate: init.candidate,
                sdp_mid: init.sdp_mid,
                sdp_mline_index: init.sdp_mline_index,
                username_fragment: init.username_fragment,
            };
            let _ = self.events.send(PeerEvent::Candidate(candidate));
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        let _ = self.events.send(PeerEvent::State(state));
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.events.send(PeerEvent::Track(track));
    }
}

pub fn codec(kind: RtpCodecKind) -> RTCRtpCodecParameters {
    let rtp_codec = match kind {
        RtpCodecKind::Audio => RTCRtpCodec {
            mime_type: MIME_TYPE_OPUS.to_owned(),
            clock_rate: 48000,
            channels: 2,
            sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
            rtcp_feedback: vec![],
        },
        _ => RTCRtpCodec {
            mime_type: MIME_TYPE_VP8.to_owned(),
            clock_rate: 90000,
            channels: 0,
            sdp_fmtp_line: String::new(),
            rtcp_feedback: vec![],
        },
    };
    let payload_type = if kind == RtpCodecKind::Audio { OPUS_PT } else { VP8_PT };
    RTCRtpCodecParameters { rtp_codec, payload_type }
}

/// A local track with one random SSRC, for `TrackLocalStaticSample` or `TrackLocalStaticRTP`.
pub fn local_track(kind: RtpCodecKind, stream: &str, id: &str) -> MediaStreamTrack {
    MediaStreamTrack::new(
        stream.to_string(),
        id.to_string(),
        id.to_string(),
        kind,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters { ssrc: Some(rand::random::<u32>()), ..Default::default() },
            codec: codec(kind).rtp_codec,
            ..Default::default()
        }],
    )
}

/// Picks the UDP port for a new connection: the first that binds in the configured range.
fn udp_address(config: &CallsConfig) -> Result<SocketAddr, PeerError> {
    let address: IpAddr =
        config.bind_address.parse().map_err(|_| PeerError::WebRtc("bad calls.bind_address".into()))?;
    let (lo, hi) = config.port_range().map_err(PeerError::WebRtc)?;
    if lo == 0 {
        return Ok(SocketAddr::new(address, 0));
    }
    for port in lo..=hi {
        // Probing then releasing races with other programs; webrtc-rs reports a bind failure
        // then, which ends the call with a clear reason.
        if UdpSocket::bind((address, port)).is_ok() {
            return Ok(SocketAddr::new(address, port));
        }
    }
    Err(PeerError::NoPort { address, range: config.udp_ports.clone() })
}

/// A new peer connection whose events arrive on the returned channel.
pub async fn connect(
    config: &CallsConfig,
) -> Result<(Arc<dyn PeerConnection>, mpsc::UnboundedReceiver<PeerEvent>), PeerError> {
    let mut media = MediaEngine::default();
    media.register_codec(codec(RtpCodecKind::Video), RtpCodecKind::Video)?;
    media.register_codec(codec(RtpCodecKind::Audio), RtpCodecKind::Audio)?;
    let registry = register_default_interceptors(Registry::new(), &mut media)?;
    let mut settings = SettingEngineBuilder::new().with_multicast_dns_mode(MulticastDnsMode::Disabled);
    if config.stun_urls.is_empty() && config.turn_urls.is_empty() {
        // A browser's connectivity check usually arrives before its trickled candidate, so the
        // pair is first "peer reflexive"; ICE waits 1 s by default for a better one to turn up.
        // With no STUN/TURN nothing better can come: take it at once.
        settings = settings.with_prflx_acceptance_min_wait(Some(Duration::ZERO));
    }
    if !config.public_address.is_empty() {
        settings = settings.with_nat_1to1_ips(vec![config.public_address.clone()], RTCIceCandidateType::Host);
    }
    let mut servers = Vec::new();
    if !config.stun_urls.is_empty() {
        servers.push(RTCIceServer { urls: config.stun_urls.clone(), ..Default::default() });
    }
    if !config.turn_urls.is_empty() {
        servers.push(RTCIceServer {
            urls: config.turn_urls.clone(),
            username: config.turn_username.clone(),
            credential: config.turn_credential.clone(),
        });
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let pc = PeerConnectionBuilder::new()
        .with_configuration(RTCConfigurationBuilder::new().with_ice_servers(servers).build())
        .with_media_engine(media)
        .with_setting_engine(settings.build())
        .with_interceptor_registry(registry)
        .with_handler(Arc::new(Handler { events: tx }))
        .with_udp_addrs(vec![udp_address(config)?.to_string()])
        .build()
        .await?;
    Ok((Arc::new(pc), rx))
}

/// Whether a remote candidate can reach this service: with the media socket on loopback only
/// loopback candidates can (and nothing else may be contacted, by the project's network rule).
pub fn reachable(config: &CallsConfig, candidate: &super::signal::Candidate) -> bool {
    let Some(address) = super::signal::candidate_address(candidate) else {
        return false;
    };
    if address.ends_with(".local") {
        return false; // mDNS names: resolution is disabled.
    }
    match (config.bind_address.parse::<IpAddr>(), address.parse::<IpAddr>()) {
        (Ok(local), Ok(remote)) => !local.is_loopback() || remote.is_loopback(),
        _ => false,
    }
}

pub(super) async fn apply_answer(pc: &Arc<dyn PeerConnection>, sdp: String) -> Result<(), String> {
    let answer = RTCSessionDescription::answer(sdp).map_err(|e| format!("the SDP answer is not valid: {e}"))?;
    pc.set_remote_description(answer).await.map_err(|e| format!("the SDP answer was not accepted: {e}"))
}

pub(super) fn candidate_init(c: super::signal::Candidate) -> RTCIceCandidateInit {
    RTCIceCandidateInit {
        candidate: c.candidate,
        sdp_mid: c.sdp_mid,
        sdp_mline_index: c.sdp_mline_index,
        username_fragment: c.username_fragment,
        ..Default::default()
    }
}

/// The configured STUN/TURN servers in the browser's `RTCIceServer` form.
pub(super) fn browser_ice_servers(config: &CallsConfig) -> Value {
    let mut servers = Vec::new();
    if !config.stun_urls.is_empty() {
        servers.push(json!({"urls": config.stun_urls}));
    }
    if !config.turn_urls.is_empty() {
        servers.push(
            json!({"urls": config.turn_urls, "username": config.turn_username, "credential": config.turn_credential}),
        );
    }
    Value::Array(servers)
}

pub(super) fn close_later(pc: Arc<dyn PeerConnection>) {
    tokio::spawn(async move {
        let _ = pc.close().await;
    });
}
