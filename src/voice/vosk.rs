//! libvosk, loaded at run time from `models/lib/libvosk.so` (the PyPI wheel's library).
//!
//! Why not link it: the library is a downloaded model artefact, not a build input. Linked, a
//! missing or damaged file would stop `scpm` from starting at all ("error while loading shared
//! libraries"), with no word about `scpm models prepare`; loaded here, the service starts, says
//! what is missing and how to fetch it, and runs without Korean voice. This is the one module
//! with `unsafe` (besides Whisper's decoding callback in `english`): the C calls, each wrapped so that the rest of the program cannot misuse them.
#![allow(unsafe_code)]

use libloading::{Library, Symbol};
use std::ffi::{c_char, c_float, c_int, c_short, c_void, CStr, CString};
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum VoskError {
    #[error("cannot load {path}: {message}; run `scpm models prepare` to fetch libvosk")]
    Library { path: String, message: String },
    #[error("libvosk lacks `{0}`: wrong library version (want vosk 0.3.45); run `scpm models prepare`")]
    Symbol(String),
    #[error("cannot load the Vosk model {0}; run `scpm models prepare` (or delete models/vosk-ko and run it again)")]
    Model(String),
    #[error("Vosk refused the grammar ({0} phrases)")]
    Grammar(usize),
    #[error("text for Vosk contains a NUL byte")]
    Nul,
}

type ModelNew = unsafe extern "C" fn(*const c_char) -> *mut c_void;
type ModelFree = unsafe extern "C" fn(*mut c_void);
type FindWord = unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int;
type RecNew = unsafe extern "C" fn(*mut c_void, c_float) -> *mut c_void;
type RecNewGrm = unsafe extern "C" fn(*mut c_void, c_float, *const c_char) -> *mut c_void;
type RecSetInt = unsafe extern "C" fn(*mut c_void, c_int);
type RecAccept = unsafe extern "C" fn(*mut c_void, *const c_short, c_int) -> c_int;
type RecText = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type RecVoid = unsafe extern "C" fn(*mut c_void);
type SetLogLevel = unsafe extern "C" fn(c_int);

/// The library and the functions we call, resolved once.
pub struct Vosk {
    _lib: Library,
    model_new: ModelNew,
    model_free: ModelFree,
    find_word: FindWord,
    rec_new: RecNew,
    rec_new_grm: RecNewGrm,
    set_max_alternatives: RecSetInt,
    accept: RecAccept,
    partial: RecText,
    final_result: RecText,
    reset: RecVoid,
    rec_free: RecVoid,
}

fn symbol<T: Copy>(lib: &Library, name: &str) -> Result<T, VoskError> {
    // SAFETY: the type matches the declaration in vosk_api.h for vosk 0.3.45.
    let s: Symbol<T> = unsafe { lib.get(name.as_bytes()) }.map_err(|_| VoskError::Symbol(name.into()))?;
    Ok(*s)
}

impl Vosk {
    pub fn load(path: &Path) -> Result<Arc<Vosk>, VoskError> {
        let err = |message: String| VoskError::Library { path: path.display().to_string(), message };
        if !path.exists() {
            return Err(err("no such file".into()));
        }
        // SAFETY: loading runs the library's initialisers; libvosk's have no preconditions.
        let lib = unsafe { Library::new(path) }.map_err(|e| err(e.to_string()))?;
        let set_log_level: SetLogLevel = symbol(&lib, "vosk_set_log_level")?;
        // SAFETY: a plain setter; -1 silences Kaldi's stderr chatter (we log ourselves).
        unsafe { set_log_level(-1) };
        Ok(Arc::new(Vosk {
            model_new: symbol(&lib, "vosk_model_new")?,
            model_free: symbol(&lib, "vosk_model_free")?,
            find_word: symbol(&lib, "vosk_model_find_word")?,
            rec_new: symbol(&lib, "vosk_recognizer_new")?,
            rec_new_grm: symbol(&lib, "vosk_recognizer_new_grm")?,
            set_max_alternatives: symbol(&lib, "vosk_recognizer_set_max_alternatives")?,
            accept: symbol(&lib, "vosk_recognizer_accept_waveform_s")?,
            partial: symbol(&lib, "vosk_recognizer_partial_result")?,
            final_result: symbol(&lib, "vosk_recognizer_final_result")?,
            reset: symbol(&lib, "vosk_recognizer_reset")?,
            rec_free: symbol(&lib, "vosk_recognizer_free")?,
            _lib: lib,
        }))
    }
}

/// A loaded acoustic model and vocabulary (~520 MB; load once).
pub struct Model {
    vosk: Arc<Vosk>,
    ptr: *mut c_void,
}

// SAFETY: a VoskModel is immutable after loading and reference-counted inside libvosk; its API
// is documented as thread-safe for sharing between recognizers.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Model {
    pub fn load(vosk: Arc<Vosk>, dir: &Path) -> Result<Model, VoskError> {
        let failed = || VoskError::Model(dir.display().to_string());
        let c = CString::new(dir.display().to_string()).map_err(|_| VoskError::Nul)?;
        // SAFETY: `c` is a valid C string for the duration of the call.
        let ptr = unsafe { (vosk.model_new)(c.as_ptr()) };
        if ptr.is_null() {
            return Err(failed());
        }
        Ok(Model { vosk, ptr })
    }

    /// Whether the model's vocabulary has this word.
    pub fn knows(&self, word: &str) -> bool {
        let Ok(c) = CString::new(word) else { return false };
        // SAFETY: `ptr` is a live model; `c` outlives the call.
        unsafe { (self.vosk.find_word)(self.ptr, c.as_ptr()) >= 0 }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: created by vosk_model_new, freed once.
        unsafe { (self.vosk.model_free)(self.ptr) }
    }
}

/// A recognizer at 16 kHz, in grammar mode or free. Not shared between threads.
pub struct Recognizer {
    vosk: Arc<Vosk>,
    ptr: *mut c_void,
    // Keeps the model alive as long as the recognizer that uses it.
    _model: Arc<Model>,
}

// SAFETY: a recognizer is used by one thread at a time (`&mut self` everywhere); moving it
// between threads is fine for libvosk.
unsafe impl Send for Recognizer {}

impl Recognizer {
    pub fn new(model: Arc<Model>, phrases: &[String], alternatives: i32) -> Result<Recognizer, VoskError> {
        if phrases.is_empty() {
            return Err(VoskError::Grammar(0)); // libvosk would fall back to free-form decoding
        }
        let json = serde_json::to_string(phrases).map_err(|_| VoskError::Nul)?;
        let c = CString::new(json).map_err(|_| VoskError::Nul)?;
        let vosk = model.vosk.clone();
        // SAFETY: live model pointer, valid C string.
        let ptr = unsafe { (vosk.rec_new_grm)(model.ptr, 16_000.0, c.as_ptr()) };
        if ptr.is_null() {
            return Err(VoskError::Grammar(phrases.len()));
        }
        // SAFETY: live recognizer.
        unsafe { (vosk.set_max_alternatives)(ptr, alternatives) };
        Ok(Recognizer { vosk, ptr, _model: model })
    }

    /// Free decoding with the model's own language model: what was said, as the model hears it
    /// (the partial transcript on the wall while Whisper decides), without the memory a phrase
    /// list's graph takes (~250 MB for the city's 30,000 phrases).
    pub fn free(model: Arc<Model>) -> Result<Recognizer, VoskError> {
        let vosk = model.vosk.clone();
        // SAFETY: live model pointer.
        let ptr = unsafe { (vosk.rec_new)(model.ptr, 16_000.0) };
        if ptr.is_null() {
            return Err(VoskError::Grammar(0));
        }
        Ok(Recognizer { vosk, ptr, _model: model })
    }

    fn text(&self, f: RecText) -> String {
        // SAFETY: libvosk returns a NUL-terminated string owned by the recognizer, valid until
        // the next call on it; we copy it at once.
        unsafe {
            let p = f(self.ptr);
            if p.is_null() {
                String::new()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        }
    }

    /// Feeds 16 kHz samples in [-1, 1]; true when Vosk detected the end of an utterance.
    pub fn accept(&mut self, samples: &[f32]) -> bool {
        let pcm: Vec<i16> = samples.iter().map(|v| (v.clamp(-1.0, 1.0) * 32767.0) as i16).collect();
        let len = c_int::try_from(pcm.len()).unwrap_or(c_int::MAX);
        // SAFETY: `pcm` holds `len` samples and outlives the call.
        unsafe { (self.vosk.accept)(self.ptr, pcm.as_ptr(), len) == 1 }
    }

    /// The partial hypothesis so far (JSON `{"partial": "..."}`).
    pub fn partial_json(&self) -> String {
        self.text(self.vosk.partial)
    }

    /// Forgets the utterance without decoding its end; the recognizer is ready again.
    pub fn reset(&mut self) {
        // SAFETY: live recognizer.
        unsafe { (self.vosk.reset)(self.ptr) };
    }

    /// Ends the utterance and returns the n-best result JSON; the recognizer is ready again.
    pub fn finish_json(&mut self) -> String {
        let out = self.text(self.vosk.final_result);
        self.reset();
        out
    }
}

impl Drop for Recognizer {
    fn drop(&mut self) {
        // SAFETY: created by vosk_recognizer_new_grm, freed once.
        unsafe { (self.vosk.rec_free)(self.ptr) }
    }
}
