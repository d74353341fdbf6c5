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

/// The largest value of the `int16_t` fields TFLM keeps op parameters in.
const TFLM_I16_MAX: usize = i16::MAX as usize;

/// A positive option that TFLM narrows to `int16_t` in its op data, so that from 2^15 on TFLM
/// computes with another value than the model states: `ConvParams` and `DepthwiseParams` keep
/// strides, dilations and the depth multiplier in 16 bits (`kernels/internal/types.h`; the pooling
/// ops keep their strides and window as `int`).
pub fn tflm_i16(what: &str, value: Option<i32>) -> Result<usize, String> {
    let value = positive(what, value)?;
    if value > TFLM_I16_MAX {
        return Err(format!(
            "{what} is {value}; TFLM stores it in 16 bits, so embedml accepts 1 to {TFLM_I16_MAX}"
        ));
    }
    Ok(value)
}

/// The implicit padding of a window, which TFLM keeps in 16 bits (`PaddingValues`, for
/// convolutions and pooling alike): 0 to 32767 rows above and columns left of the input.
pub fn tflm_padding([h, w]: [usize; 2]) -> Result<(), String> {
    for (what, value) in [
        ("the padding above the input (padding_h)", h),
        ("the padding left of the input (padding_w)", w),
    ] {
        if value > TFLM_I16_MAX {
            return Err(format!(
                "{what} is {value}; TFLM stores it in 16 bits, so embedml accepts 0 to {TFLM_I16_MAX}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tflm_i16_fields_take_1_to_32767() {
        assert_eq!(tflm_i16("stride_h", Some(1)), Ok(1));
        assert_eq!(tflm_i16("stride_h", Some(32767)), Ok(32767));
        assert_eq!(
            tflm_i16("stride_h", Some(32768)),
            Err(
                "stride_h is 32768; TFLM stores it in 16 bits, so embedml accepts 1 to 32767"
                    .into()
            )
        );
        assert!(tflm_i16("stride_h", Some(0)).is_err());
        assert!(tflm_i16("stride_h", None).is_err());
    }

    #[test]
    fn tflm_padding_takes_0_to_32767() {
        assert_eq!(tflm_padding([0, 32767]), Ok(()));
        assert!(
            tflm_padding([32768, 0])
                .unwrap_err()
                .contains("padding_h) is 32768")
        );
        assert!(
            tflm_padding([0, 40000])
                .unwrap_err()
                .contains("padding_w) is 40000")
        );
    }
}
