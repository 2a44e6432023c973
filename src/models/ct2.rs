//! Reads a CTranslate2 `model.bin` (format version 6): the only form in which Whisper reaches
//! this machine (from PyPI). Layout, little-endian: u32 version, string spec name, u32 revision,
//! u32 variable count, then per variable: string name, u8 rank, u32 × rank shape, u8 dtype,
//! u32 byte size, the bytes; then u32 alias count and (alias, target) string pairs. A string is
//! u16 length (including a trailing NUL) and the bytes.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
}

impl DType {
    fn from_id(id: u8) -> Option<DType> {
        Some(match id {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            _ => return None,
        })
    }

    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub data: Vec<u8>,
}

impl Variable {
    /// A scalar integer (head counts are stored as i16 or i32 scalars).
    pub fn as_int(&self) -> Option<i64> {
        match (self.dtype, self.data.as_slice()) {
            (DType::I8, [a]) => Some(i64::from(*a as i8)),
            (DType::I16, [a, b]) => Some(i64::from(i16::from_le_bytes([*a, *b]))),
            (DType::I32, [a, b, c, d]) => Some(i64::from(i32::from_le_bytes([*a, *b, *c, *d]))),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct Ct2Model {
    pub spec: String,
    pub variables: BTreeMap<String, Variable>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a CTranslate2 model ({0}); delete models/ and run `scpm models prepare` again")]
pub struct Ct2Error(pub String);

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Ct2Error> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| Ct2Error(format!("truncated at byte {}", self.at)))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, Ct2Error> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Ct2Error> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, Ct2Error> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self) -> Result<String, Ct2Error> {
        let n = self.u16()? as usize;
        let b = self.take(n)?;
        let b = b.strip_suffix(&[0]).unwrap_or(b);
        String::from_utf8(b.to_vec()).map_err(|_| Ct2Error(format!("a name is not UTF-8 near byte {}", self.at)))
    }
}

pub fn parse(bytes: &[u8]) -> Result<Ct2Model, Ct2Error> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.u32()?;
    if version != 6 {
        return Err(Ct2Error(format!("format version {version}, this reader knows version 6")));
    }
    let spec = r.string()?;
    let _revision = r.u32()?;
    let count = r.u32()?;
    let mut variables = BTreeMap::new();
    for _ in 0..count {
        let name = r.string()?;
        let rank = r.u8()? as usize;
        let shape = (0..rank).map(|_| r.u32().map(|d| d as usize)).collect::<Result<Vec<_>, _>>()?;
        let id = r.u8()?;
        let dtype = DType::from_id(id).ok_or_else(|| Ct2Error(format!("{name}: unknown dtype {id}")))?;
        let size = r.u32()? as usize;
        let elements: usize = shape.iter().product();
        if elements * dtype.size() != size {
            return Err(Ct2Error(format!("{name}: {size} bytes for shape {shape:?} of {dtype:?}")));
        }
        let data = r.take(size)?.to_vec();
        variables.insert(name, Variable { shape, dtype, data });
    }
    Ok(Ct2Model { spec, variables })
}
