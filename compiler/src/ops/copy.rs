//! The element types each data-movement op takes (those of TFLM's kernel for it that embedml
//! can represent), and the copy kernels by element type: the kernels only move elements, so one
//! generic kernel serves every type and the compiler picks its wrapper here.

use crate::kernel::{self, Element, Kernel, kernels};

use Element::{Bool, F32, I8, I16, I32};

/// TRANSPOSE (TFLM: float32, int8, int16).
pub const TRANSPOSE: &[Element] = &[I8, I16, F32];
/// STRIDED_SLICE and SLICE (TFLM: float32, int8, int16, int32, bool; SLICE's int64 input is not
/// represented).
pub const SLICE: &[Element] = &[I8, I16, I32, F32, Bool];
/// SPLIT, SPLIT_V and UNPACK (TFLM: float32, int8, int16, int32).
pub const SPLIT: &[Element] = &[I8, I16, I32, F32];
/// PACK (TFLM: float32, int8, int16, int32, int64; int64 is not represented).
pub const PACK: &[Element] = &[I8, I16, I32, F32];
/// PAD and PADV2 (TFLM: float32, int8, int16, int32).
pub const PAD: &[Element] = &[I8, I16, I32, F32];
/// CONCATENATION (TFLM: float32, int8, int16, int32, int64, bool; int64 is not represented).
pub const CONCATENATION: &[Element] = &[I8, I16, I32, F32, Bool];

/// TFLite's name of an element type.
pub fn type_name(element: Element) -> &'static str {
    match element {
        I8 => "INT8",
        I16 => "INT16",
        I32 => "INT32",
        F32 => "FLOAT32",
        Element::U8 => "UINT8",
        Element::U32 => "UINT32",
        Element::U64 => "UINT64",
        Bool => "BOOL",
    }
}

/// The error for an element type a copy kernel does not have (the checks keep it from
/// happening).
fn missing(what: &str, element: Element) -> String {
    format!(
        "no {what} kernel for {} (a bug in embedml)",
        type_name(element)
    )
}

/// The strided copy `Gather4` of `element`.
pub fn gather4(element: Element) -> Result<&'static Kernel<kernel::Gather4>, String> {
    Ok(match element {
        I8 => &kernels::gather4_i8,
        I16 => &kernels::gather4_i16,
        I32 => &kernels::gather4_i32,
        F32 => &kernels::gather4_f32,
        Bool => &kernels::gather4_bool,
        other => return Err(missing("strided copy", other)),
    })
}

/// CONCATENATION of `element`.
pub fn concatenation(element: Element) -> Result<&'static Kernel<kernel::Concatenation>, String> {
    Ok(match element {
        I8 => &kernels::concatenation_i8,
        I16 => &kernels::concatenation_i16,
        I32 => &kernels::concatenation_i32,
        F32 => &kernels::concatenation_f32,
        Bool => &kernels::concatenation_bool,
        other => return Err(missing("concatenation", other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_type_has_its_kernels() {
        for &e in SLICE.iter().chain(TRANSPOSE).chain(SPLIT) {
            assert!(gather4(e).is_ok(), "{e:?}");
        }
        for &e in CONCATENATION.iter().chain(PACK) {
            assert!(concatenation(e).is_ok(), "{e:?}");
        }
    }
}
