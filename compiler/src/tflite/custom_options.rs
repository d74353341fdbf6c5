//! A custom operator's options: the flexbuffer map in its `custom_options` bytes, read with the
//! `flexbuffers` crate after checks that make every read the crate does lie inside the bytes.
//!
//! TFLM's signal kernels do not look values up by key: they read the map's values as a vector,
//! by position, each as an integer of the vector's byte width (`FlexbufferWrapper`). Keys are
//! stored sorted, so the position of a key is its rank among the keys present. Reading by key
//! gives the same values only for a map that has exactly the keys the kernel expects, each an
//! inline integer or boolean stored at the vector's width (what flexbuffer builders write), so
//! [`CustomOptions::expect_keys`] and the value reads require exactly that; anything else is a
//! named error, never a guess.
//!
//! The crate indexes its buffer without checking in a few places (reading an offset, a key, a
//! boolean), so a hostile model could make it panic, which inside `include_model!` is a compiler
//! crash: [`CustomOptions::parse`] walks the map's layout first with checked arithmetic (root,
//! map header, keys vector, type bytes, every key's terminator, every value's bytes) and calls
//! into the crate only for reads it has proved in bounds.

use flexbuffers::{FlexBufferType, Reader};

/// Bytes of custom options embedml reads: far more than any real operator's few dozen.
const MAX_BYTES: usize = 1 << 16;
/// Entries of an options map embedml reads: real operators have at most about ten.
const MAX_ENTRIES: usize = 64;

/// One option's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// An inline integer (signed or unsigned), as TFLM reads it.
    Int(i64),
    /// An inline boolean.
    Bool(bool),
    /// An inline float (32 or 64 bits, as TFLM's `AsFloat` reads it).
    Float(f64),
    /// Any other flexbuffer type, by name (a float, a string, a vector, an indirect number).
    Other(&'static str),
}

/// A custom operator's options, read and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomOptions {
    /// Key and value, in key order (the order TFLM reads them in).
    entries: Vec<(String, Value)>,
}

/// Reads `width` bytes at `at` as an unsigned little-endian number, if they are inside `bytes`.
fn read_uint(bytes: &[u8], at: usize, width: usize) -> Option<u64> {
    let slot = bytes.get(at..at.checked_add(width)?)?;
    Some(
        slot.iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    )
}

/// The address an offset at `at` (of `width` bytes) points back to.
fn deref(bytes: &[u8], at: usize, width: usize) -> Option<usize> {
    let offset = usize::try_from(read_uint(bytes, at, width)?).ok()?;
    at.checked_sub(offset)
}

fn width_bytes(packed: u8) -> usize {
    1 << (packed & 3)
}

fn type_name(t: FlexBufferType) -> &'static str {
    match t {
        FlexBufferType::Null => "null",
        FlexBufferType::Float => "a float",
        FlexBufferType::Key | FlexBufferType::String => "a string",
        FlexBufferType::IndirectInt | FlexBufferType::IndirectUInt => "an indirect integer",
        FlexBufferType::IndirectFloat => "an indirect float",
        FlexBufferType::Map => "a map",
        FlexBufferType::Blob => "a blob",
        _ => "a vector",
    }
}

impl CustomOptions {
    /// No options (an operator without `custom_options`).
    pub fn empty() -> Self {
        CustomOptions {
            entries: Vec::new(),
        }
    }

    /// Reads a flexbuffer map; an error message saying what is malformed otherwise.
    pub fn parse(bytes: &[u8]) -> Result<CustomOptions, String> {
        let corrupt =
            |what: &str| format!("its custom options are not a valid flexbuffer map: {what}");
        if bytes.len() > MAX_BYTES {
            return Err(format!(
                "its custom options have {} bytes; embedml reads at most {MAX_BYTES}",
                bytes.len()
            ));
        }
        // The root: its width in the last byte, its packed type before, the value before that.
        let end = bytes.len();
        let (Some(&root_width), Some(&root_type)) = (
            bytes.get(end.wrapping_sub(1)),
            bytes.get(end.wrapping_sub(2)),
        ) else {
            return Err(corrupt("too short"));
        };
        let root_width = usize::from(root_width);
        if !matches!(root_width, 1 | 2 | 4 | 8) {
            return Err(corrupt("the root width is not 1, 2, 4 or 8"));
        }
        if root_type >> 2 != FlexBufferType::Map as u8 {
            return Err(corrupt("the root is not a map"));
        }
        let width = width_bytes(root_type);
        let map = (end - 2)
            .checked_sub(root_width)
            .and_then(|at| deref(bytes, at, root_width))
            .ok_or_else(|| corrupt("the root offset points outside the buffer"))?;
        // The map header: keys offset, keys width, length, each `width` bytes before the values.
        let header = |back: usize| map.checked_sub(back * width);
        let (Some(keys_at), Some(keys_width_at), Some(len_at)) = (header(3), header(2), header(1))
        else {
            return Err(corrupt("the map header is outside the buffer"));
        };
        let keys = deref(bytes, keys_at, width)
            .ok_or_else(|| corrupt("the keys offset points outside the buffer"))?;
        let keys_width = read_uint(bytes, keys_width_at, width)
            .and_then(|w| usize::try_from(w).ok())
            .filter(|w| matches!(w, 1 | 2 | 4 | 8))
            .ok_or_else(|| corrupt("the keys width is not 1, 2, 4 or 8"))?;
        let len = read_uint(bytes, len_at, width)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| corrupt("the map length is outside the buffer"))?;
        if len > MAX_ENTRIES {
            return Err(format!(
                "its custom options map has {len} entries; embedml reads at most {MAX_ENTRIES}"
            ));
        }
        // Values, then one type byte per value; keys: one offset each. (`len` is small, so the
        // products cannot overflow.)
        let types = map + len * width;
        if types + len > end || keys + len * keys_width > end {
            return Err(corrupt("the map's values or keys run past the end"));
        }
        for i in 0..len {
            let at = keys + i * keys_width;
            let key = deref(bytes, at, keys_width)
                .ok_or_else(|| corrupt("a key offset points outside the buffer"))?;
            if !bytes.get(key..).is_some_and(|rest| rest.contains(&0)) {
                return Err(corrupt("a key has no terminating zero byte"));
            }
            let Some(&packed) = bytes.get(types + i) else {
                return Err(corrupt("a type byte is outside the buffer"));
            };
            let value_width = width_bytes(packed);
            let value = map + i * width;
            // An inline scalar is read in place with its own width; TFLM reads it with the
            // map's, so the two must agree (as every builder writes them).
            let t = packed >> 2;
            let inline = [
                FlexBufferType::Int,
                FlexBufferType::UInt,
                FlexBufferType::Bool,
                FlexBufferType::Float,
            ]
            .map(|t| t as u8);
            if inline.contains(&t) && (value_width != width || value + value_width > end) {
                return Err(corrupt(
                    "a value's width differs from the map's (TFLM reads every value at the map's width)",
                ));
            }
        }
        // Every read below is inside the bytes, as checked above.
        let root = Reader::get_root(bytes).map_err(|e| corrupt(&e.to_string()))?;
        let reader = root.get_map().map_err(|e| corrupt(&e.to_string()))?;
        if reader.len() != len {
            return Err(corrupt("the map length is inconsistent"));
        }
        let keys_vector = reader.keys_vector();
        let mut entries: Vec<(String, Value)> = Vec::with_capacity(len);
        for i in 0..len {
            let key = keys_vector
                .index(i)
                .and_then(|k| k.get_key().map(|s| s.to_owned()))
                .map_err(|e| corrupt(&format!("key {i}: {e}")))?;
            let value = reader
                .index(i)
                .map_err(|e| corrupt(&format!("the value of `{key}`: {e}")))?;
            let value = match value.flexbuffer_type() {
                FlexBufferType::Int => {
                    Value::Int(value.get_i64().map_err(|e| corrupt(&e.to_string()))?)
                }
                FlexBufferType::UInt => {
                    let v = value.get_u64().map_err(|e| corrupt(&e.to_string()))?;
                    // TFLM reads the bytes as signed: a value with the top bit of its width set
                    // would read negative there.
                    let top = 1u64 << (width * 8 - 1);
                    if v & top != 0 {
                        return Err(format!(
                            "its custom option `{key}` is the unsigned value {v}, which TFLM reads as a negative number; store it as a signed integer"
                        ));
                    }
                    Value::Int(v as i64)
                }
                FlexBufferType::Bool => {
                    Value::Bool(value.get_bool().map_err(|e| corrupt(&e.to_string()))?)
                }
                FlexBufferType::Float => {
                    Value::Float(value.get_f64().map_err(|e| corrupt(&e.to_string()))?)
                }
                other => Value::Other(type_name(other)),
            };
            if entries
                .last()
                .is_some_and(|(k, _)| k.as_str() >= key.as_str())
            {
                return Err(corrupt("its keys are not sorted and unique"));
            }
            entries.push((key, value));
        }
        Ok(CustomOptions { entries })
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// Checks the map has exactly `keys` (in any order given): TFLM reads values by position,
    /// which are these keys' values only if no key is missing or extra.
    pub fn expect_keys(&self, keys: &[&str]) -> Result<(), String> {
        let mut want: Vec<&str> = keys.to_vec();
        want.sort_unstable();
        let have: Vec<&str> = self.keys().collect();
        if have == want {
            return Ok(());
        }
        let missing: Vec<&str> = want.iter().filter(|k| !have.contains(k)).copied().collect();
        let extra: Vec<&str> = have.iter().filter(|k| !want.contains(k)).copied().collect();
        let list = |v: &[&str]| {
            v.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("lack {}", list(&missing)));
        }
        if !extra.is_empty() {
            problems.push(format!("have {} too", list(&extra)));
        }
        Err(format!(
            "its custom options {}: it takes exactly {} (TFLM reads them by position, so any other key set gives it other values)",
            problems.join(" and "),
            list(&want)
        ))
    }

    fn value(&self, key: &str) -> Result<Value, String> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| format!("its custom option `{key}` is missing"))
    }

    /// Integer option `key`, which must lie in `range` (TFLM reads it as an `int32`).
    pub fn int(&self, key: &str, range: std::ops::RangeInclusive<i64>) -> Result<i32, String> {
        match self.value(key)? {
            Value::Int(v) if range.contains(&v) => Ok(v as i32),
            Value::Int(v) => Err(format!(
                "its custom option `{key}` is {v}; it must be in {}..={}",
                range.start(),
                range.end()
            )),
            Value::Bool(_) => Err(format!(
                "its custom option `{key}` is a boolean; it must be an integer"
            )),
            Value::Float(v) => Err(format!(
                "its custom option `{key}` is the float {v}; it must be an integer"
            )),
            Value::Other(what) => Err(format!(
                "its custom option `{key}` is {what}; it must be an inline integer"
            )),
        }
    }

    /// Boolean option `key` (an integer reads as `value != 0`, as TFLM reads it).
    pub fn bool(&self, key: &str) -> Result<bool, String> {
        match self.value(key)? {
            Value::Bool(b) => Ok(b),
            Value::Int(v) => Ok(v != 0),
            Value::Float(_) => Err(format!(
                "its custom option `{key}` is a float; it must be a boolean"
            )),
            Value::Other(what) => Err(format!(
                "its custom option `{key}` is {what}; it must be a boolean"
            )),
        }
    }

    /// Whether the map has option `key` (TFLM reads an absent key as null).
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == key)
    }

    /// Float option `key`, as TFLM's `AsFloat` reads it into a `float` (an integer converted).
    pub fn float(&self, key: &str) -> Result<f32, String> {
        match self.value(key)? {
            Value::Float(v) => Ok(v as f32),
            Value::Int(v) => Ok(v as f32),
            Value::Bool(_) => Err(format!(
                "its custom option `{key}` is a boolean; it must be a number"
            )),
            Value::Other(what) => Err(format!(
                "its custom option `{key}` is {what}; it must be an inline number"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(build: impl FnOnce(&mut flexbuffers::MapBuilder)) -> Vec<u8> {
        let mut builder = flexbuffers::Builder::default();
        let mut m = builder.start_map();
        build(&mut m);
        m.end_map();
        builder.view().to_vec()
    }

    #[test]
    fn reads_the_signal_ops_options() {
        // SignalWindow's options in the audio preprocessor, as the converter wrote them.
        let window = [
            0x73, 0x68, 0x69, 0x66, 0x74, 0x00, 0x01, 0x07, 0x01, 0x01, 0x01, 0x0c, 0x04, 0x02,
            0x24, 0x01,
        ];
        let options = CustomOptions::parse(&window).unwrap();
        assert_eq!(options.expect_keys(&["shift"]), Ok(()));
        assert_eq!(options.int("shift", 0..=31), Ok(12));
        let bytes = map(|m| {
            m.push("fft_length", 512i64);
            m.push("T", 7i64);
            m.push("clamping", true);
        });
        let options = CustomOptions::parse(&bytes).unwrap();
        assert_eq!(
            options.keys().collect::<Vec<_>>(),
            ["T", "clamping", "fft_length"]
        );
        assert_eq!(options.int("fft_length", 2..=4096), Ok(512));
        assert_eq!(options.bool("clamping"), Ok(true));
        assert!(
            options
                .int("fft_length", 2..=256)
                .unwrap_err()
                .contains("512")
        );
        assert!(
            options
                .int("missing", 0..=1)
                .unwrap_err()
                .contains("missing")
        );
        assert!(
            options
                .expect_keys(&["T", "fft_length"])
                .unwrap_err()
                .contains("`clamping` too")
        );
        assert!(
            options
                .expect_keys(&["T", "clamping", "x", "fft_length"])
                .unwrap_err()
                .contains("lack `x`")
        );
    }

    #[test]
    fn rejects_other_value_types() {
        let bytes = map(|m| {
            m.push("a", 1.5f64);
            m.push("b", "text");
        });
        let options = CustomOptions::parse(&bytes).unwrap();
        assert!(options.int("a", 0..=1).unwrap_err().contains("float 1.5"));
        assert_eq!(options.float("a"), Ok(1.5));
        assert!(options.bool("b").unwrap_err().contains("a string"));
    }

    #[test]
    fn never_panics_on_hostile_bytes() {
        // Every truncation and every single-byte change of real options, then random bytes.
        let base = map(|m| {
            m.push("end_index", 241i64);
            m.push("start_index", 5i64);
            m.push("clamping", false);
        });
        for cut in 0..=base.len() {
            let _ = CustomOptions::parse(&base[cut..]);
            let _ = CustomOptions::parse(&base[..cut]);
        }
        for at in 0..base.len() {
            for value in [0u8, 1, 2, 3, 0x24, 0x25, 0x27, 0x7f, 0x80, 0xfe, 0xff] {
                let mut bytes = base.clone();
                bytes[at] = value;
                let _ = CustomOptions::parse(&bytes);
            }
        }
        let mut state = 0x1234_5678_9abc_def0u64;
        for len in 0..2000 {
            let bytes: Vec<u8> = (0..len % 64 + 3)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let _ = CustomOptions::parse(&bytes);
        }
    }
}
