//! CAST: every element converted to another type as TFLM's `static_cast` converts it (see the
//! kernels' module for the cases C++ leaves undefined), from INT8, INT16, INT32, UINT32, FLOAT32
//! or BOOL to INT8, INT16, INT32, UINT32 or FLOAT32: the pairs TFLM's kernel takes. Quantization
//! is ignored, as TFLM ignores it: the raw values are converted.

use crate::error::Error;
use crate::kernel::{self, Element, Kernel, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::{Check, Lower, Operator, copy};

use Element::{Bool, F32, I8, I16, I32, U32};

/// Every pair of element types TFLM's CAST takes, with its kernel.
const CASTS: &[(Element, Element, &Kernel<kernel::NoParams>)] = &[
    (I8, I8, &kernels::cast_i8_i8),
    (I8, I16, &kernels::cast_i8_i16),
    (I8, I32, &kernels::cast_i8_i32),
    (I8, U32, &kernels::cast_i8_u32),
    (I8, F32, &kernels::cast_i8_f32),
    (I16, I8, &kernels::cast_i16_i8),
    (I16, I16, &kernels::cast_i16_i16),
    (I16, I32, &kernels::cast_i16_i32),
    (I16, U32, &kernels::cast_i16_u32),
    (I16, F32, &kernels::cast_i16_f32),
    (I32, I8, &kernels::cast_i32_i8),
    (I32, I16, &kernels::cast_i32_i16),
    (I32, I32, &kernels::cast_i32_i32),
    (I32, U32, &kernels::cast_i32_u32),
    (I32, F32, &kernels::cast_i32_f32),
    (U32, I8, &kernels::cast_u32_i8),
    (U32, I16, &kernels::cast_u32_i16),
    (U32, I32, &kernels::cast_u32_i32),
    (U32, U32, &kernels::cast_u32_u32),
    (U32, F32, &kernels::cast_u32_f32),
    (F32, I8, &kernels::cast_f32_i8),
    (F32, I16, &kernels::cast_f32_i16),
    (F32, I32, &kernels::cast_f32_i32),
    (F32, U32, &kernels::cast_f32_u32),
    (F32, F32, &kernels::cast_f32_f32),
    (Bool, I8, &kernels::cast_bool_i8),
    (Bool, I16, &kernels::cast_bool_i16),
    (Bool, I32, &kernels::cast_bool_i32),
    (Bool, U32, &kernels::cast_bool_u32),
    (Bool, F32, &kernels::cast_bool_f32),
];

/// A checked CAST.
#[derive(Clone, Debug, PartialEq)]
pub struct Cast {
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The input's element type.
    pub from: Element,
    /// The output's element type.
    pub to: Element,
}

/// The kernel for a pair, if TFLM casts it.
fn kernel(from: Element, to: Element) -> Option<&'static Kernel<kernel::NoParams>> {
    CASTS
        .iter()
        .find(|(f, t, _)| (*f, *t) == (from, to))
        .map(|(_, _, k)| *k)
}

impl Operator for Cast {
    const NAMES: &'static [&'static str] = &["CAST"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        let pair = super::lower::element(i.element_type)
            .ok()
            .zip(super::lower::element(o.element_type).ok())
            .filter(|&(from, to)| kernel(from, to).is_some());
        let Some((from, to)) = pair else {
            return Err(cx.error(format!(
                "a cast from {} to {} is not supported (TFLM casts from INT8, INT16, INT32, \
                 UINT32, FLOAT32 or BOOL to INT8, INT16, INT32, UINT32 or FLOAT32)",
                i.element_type.name(),
                o.element_type.name()
            )));
        };
        if i.shape != o.shape {
            return Err(cx.error(format!(
                "input shape {:?} and output shape {:?} differ",
                i.shape, o.shape
            )));
        }
        Ok(Cast {
            input,
            output,
            from,
            to,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let kernel = kernel(self.from, self.to).ok_or_else(|| {
            cx.error(format!(
                "no CAST kernel from {} to {} (a bug in embedml)",
                copy::type_name(self.from),
                copy::type_name(self.to)
            ))
        })?;
        cx.call(kernel, kernel::NoParams {}, &[self.input], self.output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_tflm_casts_has_one_kernel() {
        assert_eq!(CASTS.len(), 30);
        for from in [I8, I16, I32, U32, F32, Bool] {
            for to in [I8, I16, I32, U32, F32] {
                let k = kernel(from, to).expect("a kernel");
                let name = format!("cast_{}_{}", copy::type_name(from), copy::type_name(to))
                    .to_lowercase()
                    .replace("int", "i")
                    .replace("float", "f")
                    .replace("ui", "u");
                assert_eq!(k.info.function, name);
            }
        }
        assert!(kernel(I8, Bool).is_none());
        assert!(kernel(Element::U8, I8).is_none());
    }
}
