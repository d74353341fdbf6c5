//! Outputs that depend on no input values: ZEROS_LIKE (zeros of its input's shape) and SHAPE (the
//! input's dimensions, known when the model is compiled).

/// The values a [`constant_i32`] call writes.
#[derive(Clone, Copy, Debug)]
pub struct ConstantI32<'a> {
    /// The output, element for element; an output longer than this is left as it was.
    pub values: &'a [i32],
}

/// int8 ZEROS_LIKE: every element 0 (TFLM writes the raw value 0, not the zero point).
pub fn zeros_i8(_: &super::NoParams, output: &mut [i8]) {
    output.fill(0);
}

/// int32 ZEROS_LIKE: every element 0.
pub fn zeros_i32(_: &super::NoParams, output: &mut [i32]) {
    output.fill(0);
}

/// float32 ZEROS_LIKE: every element 0.0.
pub fn zeros_f32(_: &super::NoParams, output: &mut [f32]) {
    output.fill(0.0);
}

/// Writes compile-time values (SHAPE's dimensions) into the output.
pub fn constant_i32(p: &ConstantI32, output: &mut [i32]) {
    for (o, &v) in output.iter_mut().zip(p.values) {
        *o = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_zeros_and_constants() {
        let mut out = [7i8; 3];
        zeros_i8(&crate::kernels::NoParams {}, &mut out);
        assert_eq!(out, [0; 3]);
        let mut dims = [9i32; 4];
        constant_i32(&ConstantI32 { values: &[1, 4, 5] }, &mut dims);
        assert_eq!(dims, [1, 4, 5, 9]);
    }
}
