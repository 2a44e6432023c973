//! Converts a CTranslate2 Whisper model into whisper.cpp's ggml file, which whisper-rs loads.
//!
//! The ggml file: magic "ggml", eleven i32 hyper-parameters, the 80×201 mel filter bank (f32),
//! the vocabulary (ordinary tokens below `<|endoftext|>` as raw bytes; whisper.cpp adds the
//! special ones), then tensors: i32 rank, name length, type (0 f32, 1 f16), dims innermost first,
//! name, data. The tensors are the same numbers under other names, except that CTranslate2 fuses
//! the attention projections (q|k|v for self-attention, k|v for cross-attention): they are split
//! back by rows, and the key bias, which Whisper does not have (CTranslate2 stores zeros), is dropped.

use super::ct2::{Ct2Model, DType, Variable};
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Debug, thiserror::Error)]
pub enum GgmlError {
    #[error("the model lacks `{0}`; is it a Whisper model?")]
    Missing(String),
    #[error("`{name}` has shape {shape:?}, expected {expected}")]
    Shape { name: String, shape: Vec<usize>, expected: String },
    #[error("tokenizer.json: {0}")]
    Tokenizer(String),
    #[error("writing the ggml model: {0}")]
    Write(#[from] std::io::Error),
}

const MAGIC: u32 = 0x6767_6d6c;
const SAMPLE_RATE: f64 = 16_000.0;
const N_FFT: usize = 400;

/// One tensor to write: f16 keeps its bytes; f32 tensors are converted from f16 if needed.
struct Tensor {
    dims: Vec<usize>,
    f16: bool,
    data: Vec<u8>,
}

fn half_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exp = u32::from((bits >> 10) & 0x1f);
    let mant = u32::from(bits & 0x3ff);
    let value = match (exp, mant) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: renormalise.
            let shift = m.leading_zeros() - 21;
            sign | ((113 - shift) << 23) | (((m << shift) & 0x3ff) << 13)
        }
        (31, m) => sign | 0x7f80_0000 | (m << 13),
        (e, m) => sign | ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(value)
}

fn to_f32_bytes(v: &Variable) -> Vec<u8> {
    match v.dtype {
        DType::F16 => {
            v.data.chunks_exact(2).flat_map(|c| half_to_f32(u16::from_le_bytes([c[0], c[1]])).to_le_bytes()).collect()
        }
        _ => v.data.clone(),
    }
}

struct Converter<'a> {
    model: &'a Ct2Model,
    out: BTreeMap<String, Tensor>,
}

impl Converter<'_> {
    fn var(&self, name: &str) -> Result<&Variable, GgmlError> {
        self.model.variables.get(name).ok_or_else(|| GgmlError::Missing(name.into()))
    }

    /// Copies a weight (kept f16 when 2-D or more) or a 1-D vector (always f32: whisper.cpp
    /// reads biases and norms as f32).
    fn copy(&mut self, from: &str, to: &str) -> Result<(), GgmlError> {
        let v = self.var(from)?;
        let tensor = if v.shape.len() >= 2 && v.dtype == DType::F16 {
            Tensor { dims: v.shape.clone(), f16: true, data: v.data.clone() }
        } else {
            Tensor { dims: v.shape.clone(), f16: false, data: to_f32_bytes(v) }
        };
        self.out.insert(to.into(), tensor);
        Ok(())
    }

    fn copy_f32(&mut self, from: &str, to: &str, dims: Vec<usize>) -> Result<(), GgmlError> {
        let data = to_f32_bytes(self.var(from)?);
        self.out.insert(to.into(), Tensor { dims, f16: false, data });
        Ok(())
    }

    /// Rows `part` of `parts` of a fused projection (weight and, when `with_bias`, bias).
    fn split(&mut self, from: &str, to: &str, part: usize, parts: usize, with_bias: bool) -> Result<(), GgmlError> {
        let w = self.var(&format!("{from}/weight"))?;
        let [rows, cols] = w.shape[..] else {
            return Err(GgmlError::Shape { name: from.into(), shape: w.shape.clone(), expected: "2-D".into() });
        };
        if rows % parts != 0 {
            return Err(GgmlError::Shape {
                name: from.into(),
                shape: w.shape.clone(),
                expected: format!("rows ÷ {parts}"),
            });
        }
        let n = rows / parts;
        let row_bytes = cols * w.dtype.size();
        let data = w.data[part * n * row_bytes..(part + 1) * n * row_bytes].to_vec();
        let tensor = if w.dtype == DType::F16 {
            Tensor { dims: vec![n, cols], f16: true, data }
        } else {
            Tensor { dims: vec![n, cols], f16: false, data }
        };
        self.out.insert(format!("{to}.weight"), tensor);
        if with_bias {
            let b = self.var(&format!("{from}/bias"))?;
            let all = to_f32_bytes(b);
            self.out.insert(
                format!("{to}.bias"),
                Tensor { dims: vec![n], f16: false, data: all[part * n * 4..(part + 1) * n * 4].to_vec() },
            );
        }
        Ok(())
    }

    fn linear(&mut self, from: &str, to: &str) -> Result<(), GgmlError> {
        self.copy(&format!("{from}/weight"), &format!("{to}.weight"))?;
        self.copy(&format!("{from}/bias"), &format!("{to}.bias"))
    }

    fn norm(&mut self, from: &str, to: &str) -> Result<(), GgmlError> {
        self.copy(&format!("{from}/gamma"), &format!("{to}.weight"))?;
        self.copy(&format!("{from}/beta"), &format!("{to}.bias"))
    }

    fn self_attention(&mut self, from: &str, to: &str) -> Result<(), GgmlError> {
        self.norm(&format!("{from}/self_attention/layer_norm"), &format!("{to}.attn_ln"))?;
        let fused = format!("{from}/self_attention/linear_0");
        self.split(&fused, &format!("{to}.attn.query"), 0, 3, true)?;
        self.split(&fused, &format!("{to}.attn.key"), 1, 3, false)?;
        self.split(&fused, &format!("{to}.attn.value"), 2, 3, true)?;
        self.linear(&format!("{from}/self_attention/linear_1"), &format!("{to}.attn.out"))
    }

    fn mlp(&mut self, from: &str, to: &str) -> Result<(), GgmlError> {
        self.norm(&format!("{from}/ffn/layer_norm"), &format!("{to}.mlp_ln"))?;
        self.linear(&format!("{from}/ffn/linear_0"), &format!("{to}.mlp.0"))?;
        self.linear(&format!("{from}/ffn/linear_1"), &format!("{to}.mlp.2"))
    }

    fn layers(&self, side: &str) -> usize {
        (0..)
            .take_while(|i| self.model.variables.contains_key(&format!("{side}/layer_{i}/ffn/linear_0/weight")))
            .count()
    }
}

/// The GPT-2 byte ↔ printable-character table, inverted: tokenizer.json spells bytes as chars.
fn unicode_to_byte() -> BTreeMap<char, u8> {
    let mut printable: Vec<u32> = (u32::from('!')..=u32::from('~')).collect();
    printable.extend(u32::from('¡')..=u32::from('¬'));
    printable.extend(u32::from('®')..=u32::from('ÿ'));
    let mut map = BTreeMap::new();
    let mut extra = 0;
    for b in 0..=255u32 {
        let c = if printable.contains(&b) {
            b
        } else {
            extra += 1;
            255 + extra
        };
        if let Some(c) = char::from_u32(c) {
            map.insert(c, b as u8);
        }
    }
    map
}

/// Ordinary tokens (ids below `<|endoftext|>`) as raw bytes, in id order.
fn vocabulary(tokenizer_json: &str) -> Result<Vec<Vec<u8>>, GgmlError> {
    let json: serde_json::Value =
        serde_json::from_str(tokenizer_json).map_err(|e| GgmlError::Tokenizer(e.to_string()))?;
    let vocab = json["model"]["vocab"].as_object().ok_or_else(|| GgmlError::Tokenizer("no model.vocab".into()))?;
    let eot = vocab
        .get("<|endoftext|>")
        .and_then(|v| v.as_u64())
        .or_else(|| json["added_tokens"].as_array()?.iter().find(|t| t["content"] == "<|endoftext|>")?["id"].as_u64())
        .ok_or_else(|| GgmlError::Tokenizer("no <|endoftext|> token".into()))? as usize;
    let bytes_of = unicode_to_byte();
    let mut tokens = vec![None; eot];
    for (text, id) in vocab {
        let Some(id) = id.as_u64().map(|i| i as usize).filter(|i| *i < eot) else { continue };
        let raw: Option<Vec<u8>> = text.chars().map(|c| bytes_of.get(&c).copied()).collect();
        tokens[id] = Some(raw.ok_or_else(|| GgmlError::Tokenizer(format!("token {id} is not byte-level BPE")))?);
    }
    tokens
        .into_iter()
        .enumerate()
        .map(|(id, t)| t.ok_or_else(|| GgmlError::Tokenizer(format!("token id {id} missing"))))
        .collect()
}

/// The Slaney-style mel filter bank Whisper was trained with (librosa's default), 80 × 201.
pub fn mel_filters(n_mels: usize) -> Vec<f32> {
    let f_sp = 200.0 / 3.0;
    let (min_log_hz, min_log_mel, logstep) = (1000.0, 1000.0 / f_sp, (6.4f64).ln() / 27.0);
    let hz_to_mel = |f: f64| if f < min_log_hz { f / f_sp } else { min_log_mel + (f / min_log_hz).ln() / logstep };
    let mel_to_hz = |m: f64| if m < min_log_mel { f_sp * m } else { min_log_hz * (logstep * (m - min_log_mel)).exp() };
    let bins = N_FFT / 2 + 1;
    let fft_freqs: Vec<f64> = (0..bins).map(|i| i as f64 * SAMPLE_RATE / 2.0 / (bins - 1) as f64).collect();
    let top = hz_to_mel(SAMPLE_RATE / 2.0);
    let mel_f: Vec<f64> = (0..n_mels + 2).map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64)).collect();
    let mut out = Vec::with_capacity(n_mels * bins);
    for i in 0..n_mels {
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for f in &fft_freqs {
            let lower = (f - mel_f[i]) / (mel_f[i + 1] - mel_f[i]);
            let upper = (mel_f[i + 2] - f) / (mel_f[i + 2] - mel_f[i + 1]);
            out.push((lower.min(upper).max(0.0) * enorm) as f32);
        }
    }
    out
}

/// Writes the ggml form of `model` (with `tokenizer.json`'s text) to `out`.
pub fn convert(model: &Ct2Model, tokenizer_json: &str, out: &mut impl Write) -> Result<(), GgmlError> {
    let mut c = Converter { model, out: BTreeMap::new() };
    let (enc_layers, dec_layers) = (c.layers("encoder"), c.layers("decoder"));
    let embeddings = c.var("decoder/embeddings/weight")?.shape.clone();
    let audio_pos = c.var("encoder/position_encodings/encodings")?.shape.clone();
    let text_pos = c.var("decoder/position_encodings/encodings")?.shape.clone();
    let conv1 = c.var("encoder/conv1/weight")?.shape.clone();
    let heads = |name: &str| -> Result<i64, GgmlError> {
        c.var(name)?.as_int().ok_or_else(|| GgmlError::Shape {
            name: name.into(),
            shape: vec![],
            expected: "an integer".into(),
        })
    };
    let (audio_heads, text_heads) = (heads("encoder/num_heads")?, heads("decoder/num_heads")?);
    if enc_layers == 0 || dec_layers == 0 || embeddings.len() != 2 || conv1.len() != 3 {
        return Err(GgmlError::Missing("encoder/decoder layers".into()));
    }
    let n_mels = conv1[1];

    c.copy_f32("encoder/position_encodings/encodings", "encoder.positional_embedding", audio_pos.clone())?;
    c.copy("encoder/conv1/weight", "encoder.conv1.weight")?;
    c.copy_f32("encoder/conv1/bias", "encoder.conv1.bias", vec![conv1[0], 1])?;
    c.copy("encoder/conv2/weight", "encoder.conv2.weight")?;
    let conv2 = c.var("encoder/conv2/weight")?.shape[0];
    c.copy_f32("encoder/conv2/bias", "encoder.conv2.bias", vec![conv2, 1])?;
    c.norm("encoder/layer_norm", "encoder.ln_post")?;
    for i in 0..enc_layers {
        let (from, to) = (format!("encoder/layer_{i}"), format!("encoder.blocks.{i}"));
        c.self_attention(&from, &to)?;
        c.mlp(&from, &to)?;
    }
    c.copy_f32("decoder/position_encodings/encodings", "decoder.positional_embedding", text_pos.clone())?;
    c.copy("decoder/embeddings/weight", "decoder.token_embedding.weight")?;
    c.norm("decoder/layer_norm", "decoder.ln")?;
    for i in 0..dec_layers {
        let (from, to) = (format!("decoder/layer_{i}"), format!("decoder.blocks.{i}"));
        c.self_attention(&from, &to)?;
        c.norm(&format!("{from}/attention/layer_norm"), &format!("{to}.cross_attn_ln"))?;
        c.linear(&format!("{from}/attention/linear_0"), &format!("{to}.cross_attn.query"))?;
        c.split(&format!("{from}/attention/linear_1"), &format!("{to}.cross_attn.key"), 0, 2, false)?;
        c.split(&format!("{from}/attention/linear_1"), &format!("{to}.cross_attn.value"), 1, 2, true)?;
        c.linear(&format!("{from}/attention/linear_2"), &format!("{to}.cross_attn.out"))?;
        c.mlp(&from, &to)?;
    }

    let i32s = |w: &mut dyn Write, values: &[i64]| -> std::io::Result<()> {
        values.iter().try_for_each(|v| w.write_all(&(*v as i32).to_le_bytes()))
    };
    out.write_all(&MAGIC.to_le_bytes())?;
    let n_state = embeddings[1] as i64;
    i32s(
        out,
        &[
            embeddings[0] as i64,
            audio_pos[0] as i64,
            audio_pos[1] as i64,
            audio_heads,
            enc_layers as i64,
            text_pos[0] as i64,
            n_state,
            text_heads,
            dec_layers as i64,
            n_mels as i64,
            1, // f16 weights
        ],
    )?;
    let filters = mel_filters(n_mels);
    i32s(out, &[n_mels as i64, (N_FFT / 2 + 1) as i64])?;
    for f in filters {
        out.write_all(&f.to_le_bytes())?;
    }
    let vocab = vocabulary(tokenizer_json)?;
    i32s(out, &[vocab.len() as i64])?;
    for token in &vocab {
        i32s(out, &[token.len() as i64])?;
        out.write_all(token)?;
    }
    for (name, t) in &c.out {
        i32s(out, &[t.dims.len() as i64, name.len() as i64, i64::from(t.f16)])?;
        let dims: Vec<i64> = t.dims.iter().rev().map(|d| *d as i64).collect();
        i32s(out, &dims)?;
        out.write_all(name.as_bytes())?;
        out.write_all(&t.data)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_convert() {
        assert_eq!(half_to_f32(0x3c00), 1.0);
        assert_eq!(half_to_f32(0xc000), -2.0);
        assert_eq!(half_to_f32(0x0000), 0.0);
        assert_eq!(half_to_f32(0x3555), 0.33325195);
        assert!((half_to_f32(0x0001) - 5.960_464_5e-8).abs() < 1e-12, "subnormal");
    }

    #[test]
    fn mel_bank_matches_librosa_shape() {
        let m = mel_filters(80);
        assert_eq!(m.len(), 80 * 201);
        // Each filter is a triangle: non-negative, with some weight, and the first starts at DC.
        assert!(m.iter().all(|v| *v >= 0.0));
        assert!((0..80).all(|i| m[i * 201..(i + 1) * 201].iter().any(|v| *v > 0.0)));
        assert_eq!(m[0], 0.0);
        assert!(m[1] > 0.0);
    }

    #[test]
    fn byte_table_is_a_bijection() {
        let t = unicode_to_byte();
        assert_eq!(t.len(), 256);
        assert_eq!(t[&'Ġ'], b' ');
        assert_eq!(t[&'a'], b'a');
    }
}
