//! CAST: each element converted as TFLM's `static_cast` converts it, one kernel per pair of
//! element types TFLM's kernel takes (from INT8, INT16, INT32, UINT32, FLOAT32 or BOOL to INT8,
//! INT16, INT32, UINT32 or FLOAT32).
//!
//! Integer to integer wraps (two's complement), integer to float rounds to nearest, BOOL gives
//! 0 or 1 (any non-zero byte is true). Float to integer truncates toward zero; where the result
//! does not fit, C++ leaves it undefined, and these kernels give what TFLM compiled for Arm
//! gives: `vcvt` saturates to the 32-bit range (NaN gives 0), and a narrower integer then keeps
//! the low bits.

use super::NoParams;

macro_rules! casts {
    ($( $name:ident: $from:ty => $to:ty, $from_name:literal, $to_name:literal, $how:literal, |$x:ident| $e:expr; )*) => {$(
        #[doc = concat!("CAST from ", $from_name, " to ", $to_name, ": each element ", $how, ".")]
        #[allow(clippy::unnecessary_cast)]
        pub fn $name(_: &NoParams, input: &[$from], output: &mut [$to]) {
            for (o, &$x) in output.iter_mut().zip(input) {
                *o = $e;
            }
        }
    )*};
}

casts! {
    cast_i8_i8: i8 => i8, "int8", "int8", "unchanged", |x| x as i8;
    cast_i8_i16: i8 => i16, "int8", "int16", "wrapped", |x| x as i16;
    cast_i8_i32: i8 => i32, "int8", "int32", "wrapped", |x| x as i32;
    cast_i8_u32: i8 => u32, "int8", "uint32", "wrapped", |x| x as u32;
    cast_i8_f32: i8 => f32, "int8", "float32", "rounded to nearest", |x| x as f32;
    cast_i16_i8: i16 => i8, "int16", "int8", "wrapped", |x| x as i8;
    cast_i16_i16: i16 => i16, "int16", "int16", "unchanged", |x| x as i16;
    cast_i16_i32: i16 => i32, "int16", "int32", "wrapped", |x| x as i32;
    cast_i16_u32: i16 => u32, "int16", "uint32", "wrapped", |x| x as u32;
    cast_i16_f32: i16 => f32, "int16", "float32", "rounded to nearest", |x| x as f32;
    cast_i32_i8: i32 => i8, "int32", "int8", "wrapped", |x| x as i8;
    cast_i32_i16: i32 => i16, "int32", "int16", "wrapped", |x| x as i16;
    cast_i32_i32: i32 => i32, "int32", "int32", "unchanged", |x| x as i32;
    cast_i32_u32: i32 => u32, "int32", "uint32", "wrapped", |x| x as u32;
    cast_i32_f32: i32 => f32, "int32", "float32", "rounded to nearest", |x| x as f32;
    cast_u32_i8: u32 => i8, "uint32", "int8", "wrapped", |x| x as i8;
    cast_u32_i16: u32 => i16, "uint32", "int16", "wrapped", |x| x as i16;
    cast_u32_i32: u32 => i32, "uint32", "int32", "wrapped", |x| x as i32;
    cast_u32_u32: u32 => u32, "uint32", "uint32", "unchanged", |x| x as u32;
    cast_u32_f32: u32 => f32, "uint32", "float32", "rounded to nearest", |x| x as f32;
    cast_f32_i8: f32 => i8, "float32", "int8", "truncated toward zero, saturated to int32, then wrapped", |x| x as i32 as i8;
    cast_f32_i16: f32 => i16, "float32", "int16", "truncated toward zero, saturated to int32, then wrapped", |x| x as i32 as i16;
    cast_f32_i32: f32 => i32, "float32", "int32", "truncated toward zero, saturated", |x| x as i32;
    cast_f32_u32: f32 => u32, "float32", "uint32", "truncated toward zero, saturated", |x| x as u32;
    cast_f32_f32: f32 => f32, "float32", "float32", "unchanged", |x| x as f32;
    cast_bool_i8: u8 => i8, "BOOL", "int8", "0 or 1", |x| u8::from(x != 0) as i8;
    cast_bool_i16: u8 => i16, "BOOL", "int16", "0 or 1", |x| u8::from(x != 0) as i16;
    cast_bool_i32: u8 => i32, "BOOL", "int32", "0 or 1", |x| u8::from(x != 0) as i32;
    cast_bool_u32: u8 => u32, "BOOL", "uint32", "0 or 1", |x| u8::from(x != 0) as u32;
    cast_bool_f32: u8 => f32, "BOOL", "float32", "0 or 1", |x| u8::from(x != 0) as f32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_convert_as_static_cast_on_arm() {
        let mut i8_out = [0i8; 4];
        cast_i32_i8(&NoParams {}, &[300, -129, 127, -1], &mut i8_out);
        assert_eq!(i8_out, [44, 127, 127, -1]);
        let mut u32_out = [0u32; 3];
        cast_i32_u32(&NoParams {}, &[-1, 5, i32::MIN], &mut u32_out);
        assert_eq!(u32_out, [u32::MAX, 5, 1 << 31]);
        let mut i32_out = [0i32; 2];
        cast_u32_i32(&NoParams {}, &[u32::MAX, 7], &mut i32_out);
        assert_eq!(i32_out, [-1, 7]);
        let mut i32_out = [0i32; 5];
        cast_f32_i32(
            &NoParams {},
            &[-2.7, 2.7, f32::NAN, 3e9, -3e9],
            &mut i32_out,
        );
        assert_eq!(i32_out, [-2, 2, 0, i32::MAX, i32::MIN]);
        let mut i16_out = [0i16; 2];
        cast_f32_i16(&NoParams {}, &[40000.5, -1.5], &mut i16_out);
        assert_eq!(i16_out, [-25536, -1]);
        let mut f32_out = [0f32; 3];
        cast_bool_f32(&NoParams {}, &[0, 1, 7], &mut f32_out);
        assert_eq!(f32_out, [0.0, 1.0, 1.0]);
        cast_i32_f32(&NoParams {}, &[16_777_217, -3, 0], &mut f32_out);
        assert_eq!(f32_out, [16_777_216.0, -3.0, 0.0]);
        let mut u32_out = [0u32; 2];
        cast_f32_u32(&NoParams {}, &[-1.0, 7.9], &mut u32_out);
        assert_eq!(u32_out, [0, 7]);
    }
}
