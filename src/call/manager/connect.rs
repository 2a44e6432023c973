//! The WebRTC side of a call's legs: the official's peer connection and the walls' (one per wall
//! and leg), their events, and ICE restarts with backoff when the network drops.

use super::*;

impl Manager {
    pub(super) async fn peer_event(&mut self, leg_id: &str, wall: Option<u64>, event: PeerEvent) {
        let Some(i) = self.leg_index(leg_id) else { return };
        match (wall, event) {
            (None, PeerEvent::Candidate(candidate)) => {
                let official = self.leg(i).official.id.clone();
                self.tell_official(&official, ServerMessage::Candidate { call: leg_id.into(), candidate });
            }
            (Some(wall), PeerEvent::Candidate(candidate)) => {
                if let Some(out) = self.walls.get(&wall) {
                    let _ = out.send(ServerMessage::Candidate { call: leg_id.into(), candidate });
                }
            }
            (None, PeerEvent::State(state)) => self.official_connection(i, state).await,
            (Some(wall), PeerEvent::State(RTCPeerConnectionState::Connected)) => {
                if let Some(peer) = self.leg(i).walls.get(&wall) {
                    peer.connected.send_replace(true);
                }
                let _ = self.leg(i).forward.keyframe.send(());
            }
            (Some(wall), PeerEvent::State(RTCPeerConnectionState::Failed)) => {
                if let Some(peer) = self.leg_mut(i).walls.remove(&wall) {
                    close_later(peer.pc);
                }
            }
            (None, PeerEvent::Track(track)) => {
                let kind = track.kind().await;
                let media = self.media.clone();
                let task = pumps::official_to_forward(track, kind, self.leg(i).forward.clone(), move || {
                    media.request_keyframe()
                });
                self.leg_mut(i).tasks.push(task);
            }
            _ => {}
        }
    }

    pub(super) async fn official_connection(&mut self, i: usize, state: RTCPeerConnectionState) {
        let leg_state = self.leg(i).state;
        match state {
            RTCPeerConnectionState::Connected => {
                self.leg_mut(i).retry = None;
                self.leg(i).connected.send_replace(true);
                if leg_state == LegState::Reconnecting {
                    // The picture was lost with the network: the official sees the office again
                    // with the next frame, not the encoder's next own key frame.
                    self.media.request_keyframe();
                }
                if matches!(leg_state, LegState::Connecting | LegState::Reconnecting) {
                    if let Some(answered) = self.leg(i).answered.filter(|_| leg_state == LegState::Connecting) {
                        crate::metrics::Metrics::observe(&self.wiring.metrics.call_setup, answered.elapsed());
                    }
                    self.leg_mut(i).state = LegState::Connected;
                    let (official, call) = (self.leg(i).official.id.clone(), self.leg(i).id.clone());
                    self.tell_official(&official, ServerMessage::State { call, state: "connected".into() });
                }
            }
            RTCPeerConnectionState::Disconnected | RTCPeerConnectionState::Failed
                if leg_state == LegState::Connected =>
            {
                tracing::warn!(leg = %self.leg(i).id, "the call's network was lost; restarting ICE");
                let now = Instant::now();
                let leg = self.leg_mut(i);
                leg.state = LegState::Reconnecting;
                leg.retry = Some(Retry { since: now, next: now + backoff(0), attempt: 0 });
                let (official, call) = (leg.official.id.clone(), leg.id.clone());
                self.tell_official(&official, ServerMessage::State { call, state: "reconnecting".into() });
            }
            RTCPeerConnectionState::Failed if leg_state == LegState::Connecting => {
                self.end_leg(i, "failed", "system").await;
            }
            _ => {}
        }
    }

    pub(super) async fn official_peer(&mut self, i: usize) -> Result<String, peer::PeerError> {
        let (pc, events) = peer::connect(&self.wiring.config).await?;
        let leg_id = self.leg(i).id.clone();
        let video = Arc::new(TrackLocalStaticSample::new(
            Instant::now(),
            peer::local_track(RtpCodecKind::Video, "office", "office-video"),
        )?);
        let audio = Arc::new(TrackLocalStaticSample::new(
            Instant::now(),
            peer::local_track(RtpCodecKind::Audio, "office", "office-audio"),
        )?);
        pc.add_track(video.clone() as Arc<dyn TrackLocal>).await?;
        pc.add_track(audio.clone() as Arc<dyn TrackLocal>).await?;
        let (video_frames, audio_frames) = self.media.subscribe();
        let media = self.media.clone();
        let connected = self.leg(i).connected.subscribe();
        let tasks = vec![
            pumps::office_to_official(connected.clone(), video_frames, video, RtpCodecKind::Video, {
                let media = media.clone();
                move || media.request_keyframe()
            }),
            pumps::office_to_official(connected, audio_frames, audio, RtpCodecKind::Audio, move || {
                media.request_keyframe()
            }),
            self.relay(events, leg_id, None),
        ];
        let offer = pc.create_offer(None).await?;
        pc.set_local_description(offer.clone()).await?;
        let leg = self.leg_mut(i);
        leg.tasks.extend(tasks);
        leg.pc = Some(pc);
        Ok(offer.sdp)
    }

    /// Offers leg `i`'s official (video and audio, forwarded as they come) to a wall.
    pub(super) async fn open_wall(&mut self, i: usize, wall: u64) {
        let result = async {
            let (pc, events) = peer::connect(&self.wiring.config).await?;
            let leg = self.leg(i);
            let stream = leg.id.clone();
            let video =
                Arc::new(TrackLocalStaticRTP::new(peer::local_track(RtpCodecKind::Video, &stream, "official-video")));
            let audio =
                Arc::new(TrackLocalStaticRTP::new(peer::local_track(RtpCodecKind::Audio, &stream, "official-audio")));
            pc.add_track(video.clone() as Arc<dyn TrackLocal>).await?;
            pc.add_track(audio.clone() as Arc<dyn TrackLocal>).await?;
            let connected = watch::channel(false).0;
            let tasks = vec![
                pumps::forward_to_wall(
                    connected.subscribe(),
                    leg.forward.video.subscribe(),
                    video,
                    RtpCodecKind::Video,
                ),
                pumps::forward_to_wall(
                    connected.subscribe(),
                    leg.forward.audio.subscribe(),
                    audio,
                    RtpCodecKind::Audio,
                ),
                self.relay(events, stream, Some(wall)),
            ];
            let offer = pc.create_offer(None).await?;
            pc.set_local_description(offer.clone()).await?;
            Ok::<_, peer::PeerError>((WallPeer { pc, connected }, tasks, offer.sdp))
        }
        .await;
        match result {
            Ok((peer, tasks, sdp)) => {
                let leg = self.leg_mut(i);
                leg.walls.insert(wall, peer);
                leg.tasks.extend(tasks);
                let call = leg.id.clone();
                if let Some(out) = self.walls.get(&wall) {
                    let _ = out.send(ServerMessage::Offer { call, sdp });
                }
            }
            Err(e) => tracing::error!("cannot show the call on wall {wall}: {e}"),
        }
    }

    /// Relays a connection's events into the manager's input, tagged.
    pub(super) fn relay(
        &self,
        mut events: mpsc::UnboundedReceiver<PeerEvent>,
        leg: String,
        wall: Option<u64>,
    ) -> JoinHandle<()> {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if tx.send(Input::Peer { leg: leg.clone(), wall, event }).is_err() {
                    break;
                }
            }
        })
    }

    pub(super) async fn restart_ice(&mut self, i: usize) {
        let Some(pc) = self.leg(i).pc.clone() else { return };
        let offer = async {
            pc.restart_ice().await?;
            let offer = pc.create_offer(None).await?;
            pc.set_local_description(offer.clone()).await?;
            Ok::<_, webrtc::error::Error>(offer.sdp)
        }
        .await;
        match offer {
            Ok(sdp) => {
                let (official, call) = (self.leg(i).official.id.clone(), self.leg(i).id.clone());
                self.tell_official(&official, ServerMessage::Offer { call, sdp });
            }
            Err(e) => tracing::warn!("ICE restart failed (will retry): {e}"),
        }
    }
}
