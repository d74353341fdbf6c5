//! Reading option fields the way TFLM reads them: codes that must be known, and sizes that TFLM
//! keeps in narrower integers than the file.

use crate::quant::Activation;

use super::Padding;

/// The implicit padding of a window op (`Padding` in the schema).
pub fn padding(code: Option<i8>) -> Result<Padding, String> {
    match code.unwrap_or(0) {
        0 => Ok(Padding::Same),
        1 => Ok(Padding::Valid),
        other => Err(format!("unknown padding code {other}")),
    }
}

/// A fused activation (`ActivationFunctionType`); absent means none.
pub fn activation(code: Option<i8>) -> Result<Activation, String> {
    match code.unwrap_or(0) {
        0 => Ok(Activation::None),
        1 => Ok(Activation::Relu),
        2 => Ok(Activation::ReluN1To1),
        3 => Ok(Activation::Relu6),
        4 => Err("fused activation TANH is not supported".into()),
        5 => Err("fused activation SIGN_BIT is not supported".into()),
        other => Err(format!("unknown fused activation code {other}")),
    }
}

/// A size that must be positive.
pub fn positive(what: &str, value: Option<i32>) -> Result<usize, String> {
    let value = value.unwrap_or(0);
    match usize::try_from(value) {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(format!("{what} is {value}; it must be positive")),
    }
}
