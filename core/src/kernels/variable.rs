//! READ_VARIABLE and ASSIGN_VARIABLE: copies between the arena and a resource variable in the
//! model's state.
//!
//! The compiler resolves every VAR_HANDLE to its variable, so at run time these are plain copies.
//! Both take the arena tensor as their one arena operand (READ_VARIABLE's output, ASSIGN_VARIABLE's
//! value, which it only reads) and the variable's array last, like every stateful kernel.

use super::NoParams;

/// Copies `from` into `to`, as far as both go (the compiler makes their lengths equal).
#[inline(always)]
fn copy<T: Copy>(to: &mut [T], from: &[T]) {
    for (t, &f) in to.iter_mut().zip(from) {
        *t = f;
    }
}

macro_rules! variable_kernels {
    ($($t:ty => $read:ident, $assign:ident;)*) => {$(
        #[doc = concat!("READ_VARIABLE of `", stringify!($t), "`: the variable into `output`.")]
        pub fn $read(_: &NoParams, output: &mut [$t], variable: &mut [$t]) {
            copy(output, variable);
        }

        #[doc = concat!("ASSIGN_VARIABLE of `", stringify!($t), "`: `value` (only read) into the variable.")]
        pub fn $assign(_: &NoParams, value: &mut [$t], variable: &mut [$t]) {
            copy(variable, value);
        }
    )*};
}

variable_kernels! {
    i8 => read_variable_i8, assign_variable_i8;
    i16 => read_variable_i16, assign_variable_i16;
    i32 => read_variable_i32, assign_variable_i32;
    u32 => read_variable_u32, assign_variable_u32;
    f32 => read_variable_f32, assign_variable_f32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_assigned_is_read_back() {
        let mut variable = [0i16; 3];
        assign_variable_i16(&NoParams {}, &mut [1, -2, 3], &mut variable);
        let mut out = [0i16; 3];
        read_variable_i16(&NoParams {}, &mut out, &mut variable);
        assert_eq!(out, [1, -2, 3]);
    }
}
