//! Audio in: WAV files (and bytes) as 16 kHz mono, the microphone through cpal, and the
//! endpointer that cuts a stream into utterances.

pub mod capture;
pub mod vad;
pub mod wav;
