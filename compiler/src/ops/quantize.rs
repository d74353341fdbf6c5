//! QUANTIZE (float32 to int8 or int16; int8 to int8 with another scale, a table; and between
//! integer types, TFLM's `Requantize`: int8 and uint8 both ways, int8 to int16, int16 to int8,
//! int16 and int32, int32 to int16) and DEQUANTIZE (int8, uint8 or int16 to float32).

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Kernel, Table, kernels};
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
    /// How the input's values become the output's.
    pub conversion: Conversion,
}

/// How a QUANTIZE converts.
#[derive(Clone, Debug, PartialEq)]
pub enum Conversion {
    /// float32 to int8 or int16.
    FromFloat,
    /// int8 to int8 with another scale: a lookup table.
    Table(Table),
    /// Between integer types (TFLM's `Requantize`): the input and output types (which have a
    /// kernel, [`rescale_kernel`]) and the rescale.
    Rescale(ElementType, ElementType, kernel::Rescale),
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

/// A quantized integer activation of any width: one scale, a zero point its type holds.
fn quantized(cx: &Check, t: usize) -> Result<(), Error> {
    let tensor = cx.tensor(t);
    if tensor.element_type == ElementType::Int8 {
        return cx.per_tensor_quantized(tensor);
    }
    let range = match tensor.element_type {
        ElementType::UInt8 => 0..=255,
        ElementType::Int16 => -32768..=32767,
        _ => i64::from(i32::MIN)..=i64::from(i32::MAX),
    };
    match &tensor.quantization {
        Some(q) if q.scales.len() == 1 => match q.zero_points.first() {
            Some(z) if !range.contains(z) => Err(cx.tensor_error(
                tensor,
                format!("zero point {z} is outside {}", tensor.element_type.name()),
            )),
            _ => Ok(()),
        },
        Some(_) => Err(cx.tensor_error(
            tensor,
            "per-channel quantization of an activation is not supported",
        )),
        None => Err(cx.tensor_error(
            tensor,
            format!(
                "a {} activation must be quantized",
                tensor.element_type.name()
            ),
        )),
    }
}

/// The integer requantization kernel of an input and output type, if embedml has one.
pub fn rescale_kernel(
    from: ElementType,
    to: ElementType,
) -> Option<&'static Kernel<kernel::Rescale>> {
    match (from, to) {
        (ElementType::Int8, ElementType::UInt8) => Some(&kernels::requantize_i8_u8),
        (ElementType::UInt8, ElementType::Int8) => Some(&kernels::requantize_u8_i8),
        (ElementType::Int16, ElementType::Int8) => Some(&kernels::requantize_i16_i8),
        (ElementType::Int16, ElementType::Int32) => Some(&kernels::requantize_i16_i32),
        (ElementType::Int16, ElementType::Int16) => Some(&kernels::requantize_i16_i16),
        (ElementType::Int8, ElementType::Int16) => Some(&kernels::requantize_i8_i16),
        (ElementType::Int32, ElementType::Int16) => Some(&kernels::requantize_i32_i16),
        _ => None,
    }
}

impl Operator for Quantize {
    const NAMES: &'static [&'static str] = &["QUANTIZE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let (input, output) = tensors(cx)?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        let pair = (i.element_type, o.element_type);
        let conversion = match pair {
            (ElementType::Float32, ElementType::Int8) => {
                cx.per_tensor_quantized(o)?;
                Conversion::FromFloat
            }
            (ElementType::Float32, ElementType::Int16) => {
                quantized(cx, output)?;
                Conversion::FromFloat
            }
            (ElementType::Int8, ElementType::Int8) => {
                cx.per_tensor_quantized(o)?;
                cx.per_tensor_quantized(i)?;
                let args = args::requantize_table_args(
                    cx.scale(input),
                    cx.zero_point(input),
                    cx.scale(output),
                    cx.zero_point(output),
                );
                cx.check_shift(args[2], "rescale")?;
                Conversion::Table(Table {
                    function: &kernels::requantize_table,
                    args: args.to_vec(),
                })
            }
            (a, b) => {
                if rescale_kernel(a, b).is_none() {
                    return Err(cx.error(format!(
                        "{} to {} is not supported: embedml runs QUANTIZE from FLOAT32 to INT8 or \
                         INT16, INT8 to INT8, UINT8 or INT16, UINT8 to INT8, INT16 to INT8, INT16 or \
                         INT32, and INT32 to INT16; \
                         convert the model with its inputs and outputs in one of these types",
                        a.name(),
                        b.name()
                    )));
                }
                quantized(cx, input)?;
                quantized(cx, output)?;
                // TFLM's Prepare: `QuantizeMultiplier(double(input_scale) / double(output_scale))`.
                let real = f64::from(cx.scale(input)) / f64::from(cx.scale(output));
                let (multiplier, shift) = crate::quant::quantize_multiplier(real);
                cx.check_shift(shift, "rescale")?;
                Conversion::Rescale(
                    a,
                    b,
                    kernel::Rescale {
                        multiplier,
                        shift,
                        input_zero_point: cx.zero_point(input),
                        output_zero_point: cx.zero_point(output),
                    },
                )
            }
        };
        Ok(Quantize {
            input,
            output,
            conversion,
        })
    }

    fn access(&self) -> Access {
        // An int8 rescale is a table lookup, which may overwrite its input.
        Access::Kernel {
            in_place: matches!(self.conversion, Conversion::Table(_)).then_some(InPlace {
                input: self.input,
                output: self.output,
            }),
        }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (input, output) = (self.input, self.output);
        match &self.conversion {
            Conversion::Table(table) => cx.call(
                &kernels::lookup_i8,
                kernel::LookupI8 {
                    table: table.clone(),
                },
                &[input],
                output,
            ),
            Conversion::FromFloat => {
                let params = kernel::QuantizeF32 {
                    scale: cx.scale(output),
                    zero_point: cx.zero_point(output),
                };
                if cx.tensor(output).element_type == ElementType::Int16 {
                    cx.call(&kernels::quantize_f32_i16, params, &[input], output)
                } else {
                    cx.call(&kernels::quantize_f32_i8, params, &[input], output)
                }
            }
            Conversion::Rescale(from, to, params) => {
                let kernel = rescale_kernel(*from, *to).ok_or_else(|| {
                    cx.error("no requantization kernel for its types (a bug in embedml)")
                })?;
                cx.call(kernel, params.clone(), &[input], output)
            }
        }
    }
}

impl Operator for Dequantize {
    const NAMES: &'static [&'static str] = &["DEQUANTIZE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let (input, output) = tensors(cx)?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        if !matches!(
            (i.element_type, o.element_type),
            (
                ElementType::Int8 | ElementType::UInt8 | ElementType::Int16,
                ElementType::Float32
            )
        ) {
            return Err(cx.error(format!(
                "{} to {} is not supported: embedml runs DEQUANTIZE from INT8, UINT8 or INT16 to FLOAT32",
                i.element_type.name(),
                o.element_type.name()
            )));
        }
        quantized(cx, input)?;
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
        let kernel = match cx.tensor(self.input).element_type {
            ElementType::UInt8 => &kernels::dequantize_u8_f32,
            ElementType::Int16 => &kernels::dequantize_i16_f32,
            _ => &kernels::dequantize_i8_f32,
        };
        cx.call(kernel, params, &[self.input], self.output)
    }
}
