//! The engine that runs the two hand models on one core: ONNX Runtime (the default: about four
//! times OpenCV's speed on the landmark model, measured by `cargo bench --bench gestures`) or
//! OpenCV's DNN module (always there, the fallback). ONNX Runtime is not linked: its library is
//! loaded at run time from `models/lib/`, where `scpm models prepare` puts it (taken from PyPI's
//! `onnxruntime` wheel). Both engines take the same input blob (NCHW float32, from OpenCV) and
//! give the models' outputs in the models' own order (Identity, Identity_1, …).

use super::hands::HandsError;
use opencv::core::{Mat, Scalar, Vector};
use opencv::dnn;
use opencv::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

pub use crate::models::hands::Engine;

/// One loaded model.
pub enum Net {
    OpenCv(dnn::Net),
    OnnxRuntime(ort::session::Session),
}

/// ONNX Runtime's environment, made once per process from the first library path given.
static ORT: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

fn onnxruntime(library: &Path) -> Result<&'static ort::environment::Environment, HandsError> {
    let made = ORT.get_or_init(|| {
        if !library.exists() {
            return Err(format!(
                "{} is missing; run `scpm models prepare` (scripts/setup.sh does) to fetch it",
                library.display()
            ));
        }
        let builder = ort::init_from(library).map_err(|e| e.to_string())?;
        builder.with_name("scpm-hands").build().map_err(|e| e.to_string())
    });
    made.as_ref().map_err(|e| HandsError::Runtime(e.clone()))
}

impl Net {
    /// Loads a model file on an engine (`library`: ONNX Runtime's shared library).
    pub fn load(engine: Engine, path: &Path, library: &Path) -> Result<Net, HandsError> {
        if !path.exists() {
            return Err(HandsError::Missing(path.to_path_buf()));
        }
        let failed = |message: String| HandsError::Load { path: path.to_path_buf(), message };
        match engine {
            Engine::OpenCv => {
                let mut net = dnn::read_net_from_onnx(path).map_err(|e| failed(e.message))?;
                net.set_preferable_backend(dnn::DNN_BACKEND_OPENCV)?;
                net.set_preferable_target(dnn::DNN_TARGET_CPU)?;
                Ok(Net::OpenCv(net))
            }
            Engine::OnnxRuntime => {
                let environment = onnxruntime(library)?;
                // One thread: the camera has one core; the other is for voice and the server.
                let session = ort::session::Session::builder(environment)
                    .and_then(|b| b.with_intra_threads(1).map_err(Into::into))
                    .and_then(|b| b.with_inter_threads(1).map_err(Into::into))
                    .and_then(|b| {
                        b.with_optimization_level(ort::session::builder::GraphOptimizationLevel::All)
                            .map_err(Into::into)
                    })
                    .and_then(|mut b| b.commit_from_file(path))
                    .map_err(|e| failed(e.to_string()))?;
                Ok(Net::OnnxRuntime(session))
            }
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Net::OpenCv(_) => Engine::OpenCv,
            Net::OnnxRuntime(_) => Engine::OnnxRuntime,
        }
    }

    /// Runs the model on a blob (NCHW float32) and returns its outputs flattened, in the
    /// model's order (Identity, Identity_1, …).
    pub fn run(&mut self, blob: &Mat) -> Result<Vec<Vec<f32>>, HandsError> {
        let mut named: Vec<(String, Vec<f32>)> = Vec::new();
        match self {
            Net::OpenCv(net) => {
                net.set_input(blob, "", 1.0, Scalar::default())?;
                let names = net.get_unconnected_out_layers_names()?;
                let mut outputs: Vector<Mat> = Vector::new();
                net.forward(&mut outputs, &names)?;
                for (name, mat) in names.iter().zip(outputs.iter()) {
                    let mat = if mat.is_continuous() { mat } else { mat.try_clone()? };
                    named.push((name, mat.data_typed::<f32>()?.to_vec()));
                }
            }
            Net::OnnxRuntime(session) => {
                let shape: Vec<i64> =
                    (0..blob.dims()).map(|d| blob.mat_size().get(d).map(i64::from)).collect::<Result<_, _>>()?;
                let data = blob.data_typed::<f32>()?;
                let runtime = |e: ort::Error| HandsError::Runtime(e.to_string());
                let input = ort::value::TensorRef::from_array_view((shape, data)).map_err(runtime)?;
                let outputs = session.run(ort::inputs![input]).map_err(runtime)?;
                for (name, value) in outputs.iter() {
                    let (_, values) = value.try_extract_tensor::<f32>().map_err(runtime)?;
                    named.push((name.to_string(), values.to_vec()));
                }
            }
        }
        // Identity, Identity_1, …: the models' own order.
        named.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
        Ok(named.into_iter().map(|(_, v)| v).collect())
    }
}
