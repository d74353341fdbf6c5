//! QUANTIZE (float32 to int8, and int8 to int8 with another scale: a table) and DEQUANTIZE
//! (int8 to float32).

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Table, kernels};
use crate::plan::{Access, InPlace};
use crate::program::KernelCall;
use crate::quant::activation as args;

use super::{Check, Lower, Operator};

/// A checked QUANTIZE.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantize {
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// For an int8 input, the rescale as a table; `None` for a float32 input.
    pub requantize: Option<Table>,
}

/// A checked DEQUANTIZE.
#[derive(Clone, Debug, PartialEq)]
pub struct Dequantize {
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
}

/// The input and output of a quantization op: activations of one size.
fn tensors(cx: &Check) -> Result<(usize, usize), Error> {
    let input = cx.input(0, "input")?;
    let output = cx.output()?;
    let (i, o) = (cx.tensor(input), cx.tensor(output));
    if i.len() != o.len() || i.data.is_some() {
        return Err(cx.error("input and output must be activations of the same size"));
    }
    Ok((input, output))
}

impl Operator for Quantize {
    const NAMES: &'static [&'static str] = &["QUANTIZE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let (input, output) = tensors(cx)?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        cx.per_tensor_quantized(o)?;
        let requantize = match (i.element_type, o.element_type) {
            (ElementType::Float32, ElementType::Int8) => None,
            (ElementType::Int8, ElementType::Int8) => {
                cx.per_tensor_quantized(i)?;
                let args = args::requantize_table_args(
                    cx.scale(input),
                    cx.zero_point(input),
                    cx.scale(output),
                    cx.zero_point(output),
                );
                cx.check_shift(args[2], "rescale")?;
                Some(Table {
                    function: &kernels::requantize_table,
                    args: args.to_vec(),
                })
            }
            (a, b) => {
                return Err(cx.error(format!(
                    "{} to {} is not supported (FLOAT32 or INT8 to INT8)",
                    a.name(),
                    b.name()
                )));
            }
        };
        Ok(Quantize {
            input,
            output,
            requantize,
        })
    }

    fn access(&self) -> Access {
        // An int8 rescale is a table lookup, which may overwrite its input.
        Access::Kernel {
            in_place: self.requantize.is_some().then_some(InPlace {
                input: self.input,
                output: self.output,
            }),
        }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (input, output) = (self.input, self.output);
        match &self.requantize {
            Some(table) => cx.call(
                &kernels::lookup_i8,
                kernel::LookupI8 {
                    table: table.clone(),
                },
                &[input],
                output,
            ),
            None => cx.call(
                &kernels::quantize_f32_i8,
                kernel::QuantizeF32 {
                    scale: cx.scale(output),
                    zero_point: cx.zero_point(output),
                },
                &[input],
                output,
            ),
        }
    }
}

impl Operator for Dequantize {
    const NAMES: &'static [&'static str] = &["DEQUANTIZE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let (input, output) = tensors(cx)?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        if (i.element_type, o.element_type) != (ElementType::Int8, ElementType::Float32) {
            return Err(cx.error(format!(
                "{} to {} is not supported (INT8 to FLOAT32)",
                i.element_type.name(),
                o.element_type.name()
            )));
        }
        cx.per_tensor_quantized(i)?;
        Ok(Dequantize { input, output })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let params = kernel::DequantizeI8 {
            scale: cx.scale(self.input),
            zero_point: cx.zero_point(self.input),
        };
        cx.call(
            &kernels::dequantize_i8_f32,
            params,
            &[self.input],
            self.output,
        )
    }
}
