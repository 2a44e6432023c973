//! The media pumps of a call, one task each: the office's encoded frames into an official's
//! connection, an official's RTP into a forwarding channel, and that channel into each wall's
//! connection (no transcoding: packets are re-stamped with the wall track's SSRC and payload
//! type). Every pump ends by itself when its connection or source goes away.

use super::media::Encoded;
use super::peer::{OPUS_PT, VP8_PT};
use rtc::media::Sample;
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::media_stream::Track;

/// An official's packets, for every wall that shows them.
#[derive(Clone)]
pub struct Forward {
    pub video: broadcast::Sender<rtp::Packet>,
    pub audio: broadcast::Sender<rtp::Packet>,
    /// A wall asks for a key frame (it joined, or lost the picture): the official's video
    /// pump sends a PLI upstream.
    pub keyframe: broadcast::Sender<()>,
}

impl Forward {
    pub fn new() -> Forward {
        Forward {
            video: broadcast::channel(512).0,
            audio: broadcast::channel(256).0,
            keyframe: broadcast::channel(4).0,
        }
    }
}

impl Default for Forward {
    fn default() -> Self {
        Self::new()
    }
}

/// The track's SSRC and payload type, once the connection is up: packets written before DTLS is
/// done are refused (and logged) by webrtc-rs, and old frames are useless anyway. None if the
/// connection goes away first.
async fn when_connected(
    track: &dyn Track,
    kind: RtpCodecKind,
    connected: &mut watch::Receiver<bool>,
) -> Option<(u32, u8)> {
    let ssrc = track.ssrcs().await.first().copied()?;
    let pt = if kind == RtpCodecKind::Audio { OPUS_PT } else { VP8_PT };
    connected.wait_for(|up| *up).await.ok()?;
    Some((ssrc, pt))
}

/// Whether RTCP from a browser asks for a key frame (PLI or FIR).
fn asks_for_key_frame(packets: &[Box<dyn rtc::rtcp::Packet>]) -> bool {
    packets.iter().any(|p| p.as_any().is::<PictureLossIndication>() || p.as_any().is::<FullIntraRequest>())
}

/// Office frames → an official's track, from the moment the connection is up until the
/// subscription or the track closes. `on_keyframe_request` is called when the connection comes up
/// and whenever the official's browser asks for a key frame.
pub fn office_to_official(
    mut connected: watch::Receiver<bool>,
    mut frames: broadcast::Receiver<Encoded>,
    track: Arc<TrackLocalStaticSample>,
    kind: RtpCodecKind,
    on_keyframe_request: impl Fn() + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Some((ssrc, pt)) = when_connected(track.as_ref(), kind, &mut connected).await else { return };
        frames = frames.resubscribe();
        // The key frame asked for when the call subscribed went out before the connection was
        // up, and was dropped: without a new one the official saw nothing until the encoder's
        // own next key frame, 8.5 s later.
        if kind == RtpCodecKind::Video {
            on_keyframe_request();
        }
        let feedback = track.clone();
        // The official's browser asks for a key frame (PLI/FIR) when it joins or loses one.
        // webrtc-rs routes a compound RTCP packet by its first report's SSRC, so a request may
        // come on either of the office's tracks: both listen. (Chromium's requests were still not
        // seen here in the browser test; the key frames on connect and every 4 s do not rely on them.)
        let rtcp = tokio::spawn(async move {
            while let Some(event) = feedback.poll().await {
                if let TrackLocalEvent::OnRtcpPacket(packets) = event {
                    if asks_for_key_frame(&packets) {
                        on_keyframe_request();
                    }
                }
            }
        });
        loop {
            let frame = match frames.recv().await {
                Ok(frame) => frame,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            };
            let sample = Sample {
                data: frame.data,
                timestamp: frame.at,
                duration: frame.duration,
                packet_timestamp: 0,
                prev_dropped_packets: 0,
                prev_padding_packets: 0,
            };
            // Not bound yet (before the answer) or closed: both drop the frame, nothing more.
            let _ = track.write_sample(ssrc, pt, &sample, &[]).await;
        }
        rtcp.abort();
    })
}

/// An official's remote track → the forwarding channel. For video, a PLI goes upstream when
/// a wall asks and every 3 s, so that a wall joining late gets a picture quickly. RTCP that
/// webrtc-rs hands to this track and that asks for a key frame is about the office's video (the
/// official sends no feedback about its own tracks): `on_keyframe_request` passes it on.
pub fn official_to_forward(
    track: Arc<dyn TrackRemote>,
    kind: RtpCodecKind,
    forward: Forward,
    on_keyframe_request: impl Fn() + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let sender = if kind == RtpCodecKind::Audio { forward.audio.clone() } else { forward.video.clone() };
        let pli = if kind == RtpCodecKind::Video {
            let (track, mut asks) = (track.clone(), forward.keyframe.subscribe());
            Some(tokio::spawn(async move {
                let Some(media_ssrc) = track.ssrcs().await.first().copied() else { return };
                loop {
                    let _ = tokio::time::timeout(Duration::from_secs(3), asks.recv()).await;
                    let pli = PictureLossIndication { sender_ssrc: 0, media_ssrc };
                    if track.write_rtcp(vec![Box::new(pli)]).await.is_err() {
                        return;
                    }
                }
            }))
        } else {
            None
        };
        while let Some(event) = track.poll().await {
            match event {
                TrackRemoteEvent::OnRtpPacket(packet) => {
                    let _ = sender.send(packet);
                }
                TrackRemoteEvent::OnRtcpPacket(packets) if asks_for_key_frame(&packets) => on_keyframe_request(),
                _ => {}
            }
        }
        if let Some(pli) = pli {
            pli.abort();
        }
    })
}

/// The forwarding channel → a wall's track, re-stamped with that track's SSRC and payload type.
pub fn forward_to_wall(
    mut connected: watch::Receiver<bool>,
    mut packets: broadcast::Receiver<rtp::Packet>,
    track: Arc<TrackLocalStaticRTP>,
    kind: RtpCodecKind,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Some((ssrc, pt)) = when_connected(track.as_ref(), kind, &mut connected).await else { return };
        packets = packets.resubscribe();
        loop {
            let mut packet = match packets.recv().await {
                Ok(packet) => packet,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            };
            packet.header.ssrc = ssrc;
            packet.header.payload_type = pt;
            // Header extensions were negotiated with the official, not with the wall.
            packet.header.extension = false;
            packet.header.extensions.clear();
            let _ = track.write_rtp(packet).await;
        }
    })
}
