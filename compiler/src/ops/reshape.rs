//! RESHAPE, SQUEEZE and EXPAND_DIMS: a new shape over the same bytes. No code runs; the planner
//! gives the output its input's storage.

use crate::error::Error;
use crate::ir::ElementType;
use crate::plan::Access;
use crate::program::KernelCall;

use super::{Check, Lower, Operator};

/// A checked RESHAPE, SQUEEZE or EXPAND_DIMS.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
}

impl Operator for View {
    const NAMES: &'static [&'static str] = &["RESHAPE", "SQUEEZE", "EXPAND_DIMS"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        if i.element_type != o.element_type || i.len() != o.len() {
            return Err(cx.error(format!(
                "input {} {:?} and output {} {:?} differ in type or size",
                i.element_type.name(),
                i.shape,
                o.element_type.name(),
                o.shape
            )));
        }
        // TFLM's EXPAND_DIMS kernel copies FLOAT32, INT8 and INT16 only (RESHAPE and SQUEEZE
        // take any type); its Eval fails on the rest.
        let copies = matches!(
            i.element_type,
            ElementType::Float32 | ElementType::Int8 | ElementType::Int16
        );
        if cx.op.name == "EXPAND_DIMS" && !copies {
            return Err(cx.error(format!(
                "{} EXPAND_DIMS is not supported (TFLM's kernel takes FLOAT32, INT8 and INT16 only; RESHAPE takes any type)",
                i.element_type.name()
            )));
        }
        Ok(View { input, output })
    }

    fn access(&self) -> Access {
        Access::View {
            input: self.input,
            output: self.output,
        }
    }

    fn lower(&self, _: &Lower) -> Result<Option<KernelCall>, Error> {
        Ok(None)
    }
}
