//! The office below HTTP: its wall's display state, its conversation and its call bridge.
//!
//! Every command — typed, spoken, gestured or touched — changes the wall through one function,
//! [`Office::apply`]: the audit row is on disk first, then the display changes, then every wall is
//! told once, then the calls act. What the wall shows that is not a command (the gesture cursor,
//! the listening overlay, the call manager's view of a call) goes through [`Office::show`],
//! unaudited. The HTTP handlers (`server`), the microphone loop ([`microphone`]) and the camera
//! loop ([`camera`]) all hold an `Arc<Office>`; nothing else changes the wall.

pub mod camera;
pub mod help;
pub mod microphone;
mod shared;
mod touch;

use crate::action::Action;
pub use crate::action::Channel;
use crate::call::{Calls, ShowCall};
use crate::commands::{Answer, Commands, Meaning};
use crate::config::Config;
use crate::display::{CallView, Cursor, DisplayState, Listening};
use crate::gesture::{self, Catalog, Screen};
use crate::index::CityIndex;
use crate::metrics::Metrics;
use crate::readiness::{PartState, Parts};
use crate::resolve::{Context, Pointed};
use crate::store::{AuditRow, Store, StoreError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error("the audit log cannot be written, so nothing was changed: {0}")]
    Audit(#[from] StoreError),
    #[error("the office's state was left unusable by a thread that crashed; restart scpm")]
    Poisoned,
}

/// A command for the wall: what was asked, what it was understood as, what it does.
#[derive(Debug, Clone, Copy)]
pub struct Command<'a> {
    pub channel: Channel,
    /// What the person said, typed or did, as the audit log keeps it.
    pub input: &'a str,
    /// The intent's name ("" when none).
    pub intent: &'a str,
    pub actions: &'a [Action],
    /// "understood", or why not.
    pub outcome: &'a str,
}

/// A command applied: its audit row and the display version after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub audit_id: i64,
    pub version: u64,
    /// Why nothing changed: the wall is locked, or in public mode ([`display::refusal`]).
    pub refused: Option<String>,
}

/// A gesture or a touch applied, and why it did nothing when it was refused (audited so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub applied: Applied,
    pub refused: Option<String>,
}

/// What the wall shows that is not a command: neither audited nor in the wall's history.
#[derive(Debug, Clone)]
pub enum View {
    /// The gesture cursor (not counted in the version either: walls move it without
    /// re-rendering).
    Cursor(Option<Cursor>),
    /// The voice overlay.
    Listening(Option<Listening>),
    /// The call manager's view of the call. "No call" does not clear a call that waits for the
    /// mayor's yes: that one is the conversation's.
    Call(Option<CallView>),
}

struct Session {
    context: Context,
    display: DisplayState,
    /// Push-to-talk: the microphone acts on what is said until then, as after the wake phrase.
    listen_until: Option<Instant>,
    /// What the gesture cursor rests on, as the wall page says; and what it left, when.
    pointed: Option<Pointed>,
    left: Option<(Pointed, Instant)>,
}

/// How long after the cursor leaves a thing "show this" still means it (the hand drops as the
/// sentence ends).
const POINTED_FOR: Duration = Duration::from_secs(2);

impl Session {
    /// The conversation as a command sees it: what was said before, whether a call is on the
    /// wall now, and what the cursor points at (or did a moment ago).
    fn conversation(&self) -> Context {
        let recent = self.left.as_ref().filter(|(_, at)| at.elapsed() <= POINTED_FOR).map(|(p, _)| p.clone());
        Context {
            in_call: self.display.call.is_some(),
            pointed: self.pointed.clone().or(recent),
            ..self.context.clone()
        }
    }
}

pub struct Office {
    config: Arc<Config>,
    commands: Arc<Commands>,
    index: Arc<CityIndex>,
    /// The office's own connection for audit rows.
    audit: Mutex<Store>,
    calls: Calls,
    session: Mutex<Session>,
    display_tx: watch::Sender<DisplayState>,
    /// The voice's and the camera's state, for `/readyz`.
    parts: Parts,
    /// Set when the service stops: the microphone and camera loops end at their next chunk or
    /// frame, before the process tears down the models they run.
    stopping: std::sync::atomic::AtomicBool,
    metrics: Arc<Metrics>,
    /// Other processes of this office share the store: what the wall shows is shared too
    /// ([`shared`]), up to this sequence number.
    shares_display: bool,
    shown_seq: std::sync::atomic::AtomicI64,
    /// On a shared store: calls are off here, so their actions go to the office's process that
    /// places calls; or calls are on here, and this process places the others' ([`shared`]).
    forwards_calls: bool,
    places_forwarded: bool,
}

impl Office {
    /// The office, with the call bridge `start_calls` makes (given how to show a call; it is
    /// called once, at once).
    pub fn start(
        config: Arc<Config>,
        commands: Arc<Commands>,
        index: Arc<CityIndex>,
        audit: Store,
        metrics: Arc<Metrics>,
        start_calls: impl FnOnce(ShowCall) -> Calls,
    ) -> Arc<Office> {
        let display = DisplayState::new(&config.office.language);
        let display_tx = watch::channel(display.clone()).0;
        let parts = Parts::default();
        let shares_display = audit.is_shared();
        let forwards_calls = shares_display && !config.calls.enabled && !config.office.is_public();
        let places_forwarded = shares_display && config.calls.enabled && !config.office.is_public();
        let office = Arc::new_cyclic(|office: &std::sync::Weak<Office>| {
            let office = office.clone();
            let calls = start_calls(Box::new(move |view| {
                if let Some(office) = office.upgrade() {
                    office.show(View::Call(view));
                }
            }));
            Office {
                config,
                commands,
                index,
                audit: Mutex::new(audit),
                calls,
                session: Mutex::new(Session {
                    context: Context::default(),
                    display,
                    listen_until: None,
                    pointed: None,
                    left: None,
                }),
                display_tx,
                parts,
                stopping: std::sync::atomic::AtomicBool::new(false),
                metrics,
                shares_display,
                shown_seq: std::sync::atomic::AtomicI64::new(0),
                forwards_calls,
                places_forwarded,
            }
        });
        if shares_display {
            shared::spawn_follower(Arc::downgrade(&office));
        }
        office
    }

    fn session(&self) -> Result<MutexGuard<'_, Session>, OfficeError> {
        self.session.lock().map_err(|_| OfficeError::Poisoned)
    }

    /// The one way a command changes the wall: the audit row is on disk before the display
    /// changes; every wall is told once; then the calls act (every modality places, mutes and
    /// ends calls through here).
    pub fn apply(&self, command: Command) -> Result<Applied, OfficeError> {
        let Command { channel, input, intent, actions, outcome } = command;
        // The session is held across the audit write, so the log's order is the wall's order.
        let mut session = self.session()?;
        let refused = crate::display::refusal(&session.display, actions);
        let outcome = match &refused {
            Some(reason) => format!("refused: {reason}"),
            None => outcome.to_string(),
        };
        let row = AuditRow {
            at: chrono::Utc::now().to_rfc3339(),
            actor: "office".into(),
            channel: channel.as_str().into(),
            input: input.into(),
            intent: intent.into(),
            actions: serde_json::to_string(actions).unwrap_or_default(),
            outcome,
        };
        let written = self.audit.lock().map_err(|_| OfficeError::Poisoned)?.append_audit(&row);
        let audit_id = match written {
            Ok(id) => {
                self.parts.recovered("store");
                id
            }
            Err(e) => {
                self.parts.set("store", PartState::Failed(format!("the last audit row was refused: {e}")));
                return Err(e.into());
            }
        };
        if let Some(reason) = refused {
            // A call the wall refused to ask about leaves no question for a later "yes".
            if actions.iter().any(|a| matches!(a, Action::Call { .. })) {
                session.context.pending_call = None;
            }
            return Ok(Applied { audit_id, version: session.display.version, refused: Some(reason) });
        }
        // A call placed, cancelled or ended settles the question the wall asked by voice.
        if actions
            .iter()
            .any(|a| matches!(a, Action::Call { needs_confirmation: false, .. } | Action::Cancel | Action::HangUp))
        {
            session.context.pending_call = None;
        }
        // Push-to-talk (a wave, the wall's microphone button): the microphone acts on what is
        // said next, as after the wake phrase.
        if actions.iter().any(|a| matches!(a, Action::Listen)) {
            let window = Duration::from_secs_f64(self.config.voice.listen_window_s);
            session.listen_until = Some(Instant::now() + window);
        }
        let before = session.display.version;
        session.display.apply(actions);
        if session.display.version != before {
            self.display_tx.send_replace(session.display.clone());
            self.share(&session.display);
        }
        let version = session.display.version;
        drop(session);
        self.act_on_calls(actions, channel);
        Ok(Applied { audit_id, version, refused: None })
    }

    /// Applies an answer of the command pipeline (typed or spoken), audited with `input`.
    pub fn apply_answer(&self, channel: Channel, input: &str, answer: &Answer) -> Result<Applied, OfficeError> {
        let outcome = match (answer.understood, &answer.reason) {
            (true, _) => "understood".to_string(),
            (false, reason) => format!("not understood: {}", reason.clone().unwrap_or_default()),
        };
        let intent = answer.intent.clone().unwrap_or_default();
        self.apply(Command { channel, input, intent: &intent, actions: &answer.actions, outcome: &outcome })
    }

    /// The PIN typed on the locked wall: right, the wall unlocks (and leaves public mode);
    /// wrong, nothing changes. Audited either way, the PIN itself never.
    pub fn unlock(&self, pin_right: bool) -> Result<Applied, OfficeError> {
        let (actions, outcome) =
            if pin_right { (vec![Action::Unlock], "understood") } else { (Vec::new(), "refused: wrong PIN") };
        self.apply(Command {
            channel: Channel::Touch,
            input: "the PIN, typed on the wall",
            intent: "unlock",
            actions: &actions,
            outcome,
        })
    }

    /// A typed command: understood in the conversation, then applied.
    pub fn command(&self, text: &str, lang: Option<&str>, channel: Channel) -> Result<(Answer, Applied), OfficeError> {
        let mut answer = self.converse(|_, ctx| self.commands.answer(&self.index, text, lang, ctx))?;
        let applied = self.apply_answer(channel, text, &answer)?;
        if let Some(reason) = &applied.refused {
            answer.understood = false;
            answer.reason = Some(reason.clone());
            answer.actions.clear();
        }
        Ok((answer, applied))
    }

    /// A gesture event on the screen the wall shows now: its meaning, resolved as a spoken
    /// command's intent would be, applied. `None` when it does nothing here.
    pub fn gesture(&self, catalog: &Catalog, event: &gesture::Event) -> Result<Option<Done>, OfficeError> {
        let hand = if event.hand == gesture::Side::Left { "left" } else { "right" };
        let input = format!("{} ({hand} hand, {:.2})", event.gesture, event.confidence);
        self.act_on(Channel::Gesture, &input, |display, _| gesture::meaning(catalog, event, &Screen::of(display)))
    }

    /// A touch on the wall (`input`: the message as the page sent it): the intent the touched
    /// action stands for, resolved and checked like a spoken one, applied.
    pub fn touch(&self, input: &str, action: &Action) -> Result<Option<Done>, OfficeError> {
        self.act_on(Channel::Touch, input, |_, ctx| touch::meaning(action, ctx))
    }

    /// What a gesture or a touch means, in the conversation, resolved and applied.
    fn act_on(
        &self,
        channel: Channel,
        input: &str,
        meaning: impl FnOnce(&DisplayState, &Context) -> Meaning,
    ) -> Result<Option<Done>, OfficeError> {
        let acted = self.converse(|display, ctx| {
            let meaning = meaning(display, ctx);
            self.commands.act_on(&self.index, meaning, ctx)
        })?;
        let Some(acted) = acted else { return Ok(None) };
        let outcome = match &acted.refused {
            None => "understood".to_string(),
            Some(reason) => format!("not resolved: {reason}"),
        };
        let command = Command { channel, input, intent: &acted.intent, actions: &acted.actions, outcome: &outcome };
        let applied = self.apply(command)?;
        let refused = acted.refused.or_else(|| applied.refused.clone());
        Ok(Some(Done { applied, refused }))
    }

    /// Runs `f` on the conversation (and the display it is about), keeping what it leaves.
    pub fn converse<T>(&self, f: impl FnOnce(&DisplayState, &mut Context) -> T) -> Result<T, OfficeError> {
        let mut session = self.session()?;
        let mut ctx = session.conversation();
        let out = f(&session.display, &mut ctx);
        session.context = ctx;
        Ok(out)
    }

    /// The conversation now (what the microphone hears next is understood in it).
    pub fn conversation(&self) -> Context {
        self.session().map(|s| s.conversation()).unwrap_or_default()
    }

    /// Keeps the conversation after something heard elsewhere (the microphone's).
    pub fn remember(&self, ctx: Context) {
        if let Ok(mut session) = self.session() {
            session.context = ctx;
        }
    }

    /// Push-to-talk opened since last asked: until when.
    pub fn take_push_to_talk(&self) -> Option<Instant> {
        self.session().ok().and_then(|mut s| s.listen_until.take())
    }

    /// What the gesture cursor rests on now, as a wall page tells (None: nothing it can name).
    /// Not a command: nothing changes on the wall, nothing is audited; a command that follows
    /// ("show this") reads it.
    pub fn point(&self, target: Option<Pointed>) {
        let Ok(mut session) = self.session() else { return };
        if session.pointed == target {
            return;
        }
        if let Some(old) = session.pointed.take() {
            session.left = Some((old, Instant::now()));
        }
        session.pointed = target;
    }

    /// Shows what is not a command (see [`View`]).
    pub fn show(&self, view: View) {
        let Ok(mut session) = self.session() else { return };
        let display = &mut session.display;
        let changed = match view {
            View::Cursor(cursor) => {
                // Small moves are not worth a message to every wall.
                let moved = match (&display.cursor, &cursor) {
                    (Some(a), Some(b)) => a.mode != b.mode || (a.x - b.x).hypot(a.y - b.y) > 0.004,
                    (None, None) => false,
                    _ => true,
                };
                moved && display.set_cursor(cursor)
            }
            View::Listening(listening) => display.set_listening(listening),
            View::Call(None) if display.confirming_call() => false,
            View::Call(call) => display.set_call(call),
        };
        if changed {
            self.display_tx.send_replace(session.display.clone());
        }
    }

    /// What the wall shows now.
    pub fn display(&self) -> Result<DisplayState, OfficeError> {
        Ok(self.session()?.display.clone())
    }

    /// The display now and every change after it, for a wall page.
    pub fn subscribe(&self) -> watch::Receiver<DisplayState> {
        self.display_tx.subscribe()
    }

    pub fn calls(&self) -> &Calls {
        &self.calls
    }

    /// The voice's and the camera's state, which their loops set.
    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    /// Asks the microphone and camera loops to end (the service is stopping).
    pub fn stop_devices(&self) {
        self.stopping.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the device loops should end now.
    pub fn stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Where the loops record how long the office took to act.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    pub fn commands(&self) -> &Arc<Commands> {
        &self.commands
    }

    pub fn index(&self) -> &Arc<CityIndex> {
        &self.index
    }
}
