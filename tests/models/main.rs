//! The tests that run the real models: Whisper and Vosk on recordings (the voice path and the
//! speech-to-intent guard), the hand models on photos and video, and `scpm serve` hearing files.

#[path = "../common/mod.rs"]
mod common;

mod gesture_models;
mod gesture_serve;
mod korean_whisper;
mod serve;
mod speech_to_intent;
mod voice;
