//! The hand models: MediaPipe's palm detector and hand landmark model, taken from the
//! `mediapipe` wheel as TFLite and converted to ONNX by `scripts/hand-models.py` (one copy for
//! ONNX Runtime, one repaired for OpenCV), which runs in a virtual environment holding the pinned
//! converter (PyPI `tflite2onnx`, `onnx`). And ONNX Runtime's library, from its PyPI wheel.

use super::{io, read_member, ModelError, ModelPaths};
use crate::wheels::Wheel;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const MEDIAPIPE: Wheel = Wheel {
    package: "mediapipe",
    version: "0.10.21",
    file: "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
    sha256: "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    license: "Apache-2.0",
    platform: Some("manylinux_2_28_x86_64"),
};

/// Which engine runs the hand models (`gestures.engine`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Engine {
    #[default]
    #[serde(rename = "onnxruntime")]
    OnnxRuntime,
    #[serde(rename = "opencv")]
    OpenCv,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::OnnxRuntime => "onnxruntime",
            Engine::OpenCv => "opencv",
        }
    }

    /// The folder of this engine's model files under `models/hands/`: OpenCV 4.6 reads `Clip`
    /// only in its opset-10 form, which ONNX Runtime refuses in an opset-11 model, so each
    /// engine has its own conversion (scripts/hand-models.py writes both).
    pub fn model_dir(self, hands: &Path) -> PathBuf {
        match self {
            Engine::OnnxRuntime => hands.join("onnxruntime"),
            Engine::OpenCv => hands.to_path_buf(),
        }
    }
}

/// ONNX Runtime (MIT): only its shared library is used, loaded at run time by the `ort` crate.
pub const ONNXRUNTIME: Wheel = Wheel {
    package: "onnxruntime",
    version: "1.31.1",
    file: "onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl",
    sha256: "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
    license: "MIT",
    platform: Some("manylinux_2_28_x86_64"),
};
const ONNXRUNTIME_MEMBER: &str = "onnxruntime/capi/libonnxruntime.so.1.31.1";

/// The converter and what it needs, pinned to the versions the conversion was checked with.
const CONVERTER: &[&str] = &[
    "tflite2onnx==0.4.1",
    "tflite==2.18.0",
    "onnx==1.23.2",
    "numpy==2.4.6",
    "flatbuffers==25.12.19",
    "protobuf==7.36.2",
    "ml_dtypes==0.7.0",
    "typing_extensions==4.16.0",
];

/// The models taken from the wheel, by their path in it.
const MODELS: &[(&str, &str)] = &[
    ("mediapipe/modules/palm_detection/palm_detection_full.tflite", "palm_detection_full"),
    ("mediapipe/modules/hand_landmark/hand_landmark_full.tflite", "hand_landmark_full"),
];

impl ModelPaths {
    pub fn hands(&self) -> PathBuf {
        self.dir.join("hands")
    }
    pub fn onnxruntime(&self) -> PathBuf {
        self.dir.join("lib/libonnxruntime.so")
    }
}

/// The converter script: in the working folder (a clone), else where scpm is installed.
fn script() -> PathBuf {
    const SCRIPT: &str = "scripts/hand-models.py";
    let beside = PathBuf::from(SCRIPT);
    if beside.exists() {
        return beside;
    }
    crate::install::find(SCRIPT).unwrap_or(beside)
}

fn run(command: &mut Command, what: &str) -> Result<(), ModelError> {
    let status = command.status().map_err(|e| ModelError::Convert(format!("{what}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(ModelError::Convert(format!("{what} failed ({status}); see the lines above")))
    }
}

/// A virtual environment with the converter, made once under the models' cache.
fn converter(paths: &ModelPaths) -> Result<PathBuf, ModelError> {
    let venv = paths.dir.join("cache/hand-converter");
    let python = venv.join("bin/python");
    let stamp = venv.join("pinned.txt");
    let wanted = CONVERTER.join("\n");
    if python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    eprintln!("installing the hand-model converter (PyPI: {}) …", CONVERTER.join(" "));
    let _ = std::fs::remove_dir_all(&venv);
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv (install python3-venv; scripts/setup.sh does)",
    )?;
    run(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--no-deps", "--only-binary=:all:"])
            .args(CONVERTER),
        "pip install of the converter (check access to PyPI)",
    )?;
    std::fs::write(&stamp, wanted).map_err(io(&stamp))?;
    Ok(python)
}

/// Takes the TFLite models out of the wheel and converts them into `models/hands/`.
pub fn prepare(paths: &ModelPaths, wheel: &Path) -> Result<(PathBuf, String), ModelError> {
    let python = converter(paths)?;
    let target = paths.hands();
    let tmp = target.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    let for_onnxruntime = Engine::OnnxRuntime.model_dir(&tmp);
    std::fs::create_dir_all(&for_onnxruntime).map_err(io(&for_onnxruntime))?;
    for (member, name) in MODELS {
        let tflite = paths.dir.join("cache").join(format!("{name}.tflite"));
        std::fs::write(&tflite, read_member(wheel, member)?).map_err(io(&tflite))?;
        eprintln!("converting {name} from TFLite to ONNX …");
        let file = format!("{name}.onnx");
        run(
            Command::new(&python).arg(script()).arg(&tflite).arg(tmp.join(&file)).arg(for_onnxruntime.join(&file)),
            &format!("converting {name}"),
        )?;
    }
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&tmp, &target).map_err(io(&target))?;
    Ok((
        target,
        "MediaPipe palm detection + hand landmarks (full), TFLite converted to ONNX (for ONNX Runtime, and for OpenCV) by scripts/hand-models.py".into(),
    ))
}

/// Takes ONNX Runtime's shared library out of its wheel into `models/lib/`.
pub fn prepare_runtime(paths: &ModelPaths, wheel: &Path) -> Result<(PathBuf, String), ModelError> {
    let target = paths.onnxruntime();
    let dir = paths.dir.join("lib");
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let tmp = target.with_extension("partial");
    std::fs::write(&tmp, read_member(wheel, ONNXRUNTIME_MEMBER)?).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &target).map_err(io(&target))?;
    Ok((target, "ONNX Runtime's CPU library (runs the hand models), from the Python wheel".into()))
}
