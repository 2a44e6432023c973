//! Voice: utterances in, commands out. Korean through Vosk in grammar mode, English through
//! Whisper; both end in the same command matcher as typed text.

pub mod english;
