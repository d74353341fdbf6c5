//! Resource variables and the init subgraph: VAR_HANDLE, CALL_ONCE, READ_VARIABLE,
//! ASSIGN_VARIABLE. [`crate::state`] resolved every handle to a state slot and evaluated the
//! init subgraph at build time, so VAR_HANDLE and CALL_ONCE run no code, and the other two are
//! copies between the arena and the variable's slot.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Kernel, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::{Check, Lower, Operator};

/// A checked VAR_HANDLE or CALL_ONCE: resolved at build time, no code at run time.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved;

impl Operator for Resolved {
    const NAMES: &'static [&'static str] = &["VAR_HANDLE", "CALL_ONCE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        // `state::resolve` read their options and reported their errors; a handle no variable
        // came of (a VAR_HANDLE nothing reads or assigns) has no slot and needs none.
        if cx.op.name == "CALL_ONCE" && !(cx.op.inputs.is_empty() && cx.op.outputs.is_empty()) {
            return Err(cx.error("CALL_ONCE has no inputs or outputs"));
        }
        Ok(Resolved)
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, _: &Lower) -> Result<Option<KernelCall>, Error> {
        Ok(None)
    }
}

/// A checked READ_VARIABLE or ASSIGN_VARIABLE.
#[derive(Clone, Debug, PartialEq)]
pub struct Copy {
    /// Whether it assigns (else it reads).
    pub assign: bool,
    /// The handle tensor (VAR_HANDLE's output).
    pub handle: usize,
    /// The arena tensor: READ's output, ASSIGN's value.
    pub tensor: usize,
}

impl Operator for Copy {
    const NAMES: &'static [&'static str] = &["READ_VARIABLE", "ASSIGN_VARIABLE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let assign = cx.op.name == "ASSIGN_VARIABLE";
        let handle = cx.input(0, "variable handle")?;
        let tensor = if assign {
            if !cx.op.outputs.is_empty() {
                return Err(cx.error("ASSIGN_VARIABLE has no outputs"));
            }
            cx.input(1, "value")?
        } else {
            cx.output()?
        };
        let Some(slot) = cx.state.slot(handle) else {
            return Err(cx.error(format!(
                "its handle (tensor #{handle}) refers to no variable embedml resolved"
            )));
        };
        let value = cx.tensor(tensor);
        if value.data.is_some() {
            // A constant would need its own copy source; converters assign computed values.
            return Err(
                cx.tensor_error(value, "assigning a constant in subgraph 0 is not supported")
            );
        }
        if !matches!(
            value.element_type,
            ElementType::Int8 | ElementType::Int16 | ElementType::Int32 | ElementType::Float32
        ) {
            return Err(cx.tensor_error(
                value,
                format!(
                    "variables of {} are not supported (INT8, INT16, INT32, FLOAT32)",
                    value.element_type.name()
                ),
            ));
        }
        let bytes = cx.state.slots[slot].bytes();
        if value.byte_len() != Some(bytes) {
            return Err(cx.tensor_error(
                value,
                format!("has {:?} bytes; the variable has {bytes}", value.byte_len()),
            ));
        }
        Ok(Copy {
            assign,
            handle,
            tensor,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let slot = cx.state_slot(self.handle)?;
        let kernel: &'static Kernel<kernel::NoParams> =
            match (self.assign, cx.tensor(self.tensor).element_type) {
                (false, ElementType::Int8) => &kernels::read_variable_i8,
                (false, ElementType::Int16) => &kernels::read_variable_i16,
                (false, ElementType::Int32) => &kernels::read_variable_i32,
                (false, _) => &kernels::read_variable_f32,
                (true, ElementType::Int8) => &kernels::assign_variable_i8,
                (true, ElementType::Int16) => &kernels::assign_variable_i16,
                (true, ElementType::Int32) => &kernels::assign_variable_i32,
                (true, _) => &kernels::assign_variable_f32,
            };
        // ASSIGN's value is its one arena operand (only read): passed where an output goes.
        cx.call_with_state(kernel, kernel::NoParams {}, &[], self.tensor, &[slot])
    }
}
