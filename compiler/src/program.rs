//! The program: the kernel calls of `invoke`, in order, with every operand placed; and the check
//! that makes the generated code sound.
//!
//! Generated code hands each call its operands through `embedml::__private`'s checked views,
//! whose const evaluation proves in the user's crate what [`Program::verify`] proves here: every
//! arena operand is aligned and inside the arena, and a call's output overlaps none of the
//! operands it reads, unless the call is declared in place (then it is exactly its first input).
//! The compiler runs `verify` before emitting; the tests and fuzzers call it on every accepted
//! model, with the host's and with a 32-bit target's address space.

use crate::error::Error;
use crate::kernel::{Element, Kernel, KernelInfo, Params, ParamsValue, Reads};

/// Elements of one tensor inside the arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// Byte offset in the arena.
    pub offset: usize,
    /// Number of elements.
    pub len: usize,
    /// Element type.
    pub element: Element,
}

impl View {
    /// The bytes it covers, `[start, end)`, or `None` if the end overflows.
    pub fn bytes(&self) -> Option<(u128, u128)> {
        let start = self.offset as u128;
        Some((
            start,
            start + self.len as u128 * self.element.size() as u128,
        ))
    }
}

/// A kernel input: activations in the arena, or a constant tensor in flash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// In the arena.
    Arena(View),
    /// A constant tensor.
    Constant {
        /// Its index.
        tensor: usize,
        /// Its element type.
        element: Element,
    },
}

impl Operand {
    fn element(&self) -> Element {
        match *self {
            Operand::Arena(view) => view.element,
            Operand::Constant { element, .. } => element,
        }
    }
}

/// One kernel call of `invoke`.
#[derive(Debug)]
pub struct KernelCall {
    /// The operator's index in the model.
    pub op_index: usize,
    /// The kernel.
    pub kernel: &'static KernelInfo,
    /// Its parameters.
    pub params: Box<dyn ParamsValue>,
    /// The inputs it reads, in the kernel's order.
    pub reads: Vec<Operand>,
    /// The output it writes.
    pub write: View,
    /// The output overwrites the first input: the call uses the kernel's in-place form.
    pub in_place: bool,
    /// The kernel's scratch buffer (its last argument), if it takes one.
    pub scratch: Option<View>,
    /// The output overlaps the (one arena) input as this says (the input begins at least `gap`
    /// bytes after it): the call uses the kernel's shared form.
    pub overlap: Option<crate::plan::Overlap>,
    /// The state slots ([`crate::state::Slot`]) it takes after everything else, as the
    /// kernel's `state` declares them.
    pub state: Vec<usize>,
    /// The path of the user-supplied function it calls instead of `kernel.function` of
    /// `embedml::kernels` (an operator of `include_model!`'s `custom = { .. }`).
    pub user_function: Option<String>,
}

impl KernelCall {
    /// A call of `kernel` with its parameters (typed by the kernel, so they cannot be another
    /// kernel's), not in place.
    pub fn new<P: Params>(
        op_index: usize,
        kernel: &'static Kernel<P>,
        params: P,
        reads: Vec<Operand>,
        write: View,
    ) -> KernelCall {
        KernelCall {
            op_index,
            kernel: &kernel.info,
            params: Box::new(params),
            reads,
            write,
            in_place: false,
            scratch: None,
            overlap: None,
            state: Vec::new(),
            user_function: None,
        }
    }
}

/// The address space a program must fit: the largest byte count (and offset) a target's `isize`
/// holds, since Rust objects are at most `isize::MAX` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressSpace {
    /// The largest object size in bytes.
    pub max_bytes: u128,
}

impl AddressSpace {
    /// A target with `bits`-bit pointers.
    pub const fn bits(bits: u32) -> AddressSpace {
        AddressSpace {
            max_bytes: (1u128 << (bits - 1)) - 1,
        }
    }

    /// The machine the compiler runs on.
    pub const HOST: AddressSpace = AddressSpace {
        max_bytes: isize::MAX as u128,
    };
}

/// The kernel calls of a model, in order, and the arena they share.
#[derive(Debug)]
pub struct Program {
    /// The calls of `invoke`.
    pub calls: Vec<KernelCall>,
    /// Bytes of the arena.
    pub arena_bytes: usize,
    /// The model's inputs and outputs, where the accessors find them.
    pub io: Vec<View>,
}

impl Program {
    /// Checks what the generated code's checked views check again at build time of the user's
    /// crate, for a target with the given address space: the arena and every operand fit it;
    /// every arena operand is aligned and inside the arena; no call's output overlaps an operand
    /// it reads, except an in-place call's first input, which must be exactly its output; each
    /// call's operands have the kernel's element types. `op_name` names operators in errors.
    pub fn verify(
        &self,
        space: AddressSpace,
        op_name: impl Fn(usize) -> String,
    ) -> Result<(), Error> {
        let arena = self.arena_bytes as u128;
        if arena > space.max_bytes {
            return Err(Error::model(format!(
                "the arena needs {arena} bytes, more than the target's address space allows ({} bytes)",
                space.max_bytes
            )));
        }
        let fits = |view: &View| -> Result<(u128, u128), String> {
            let (start, end) = view.bytes().ok_or("a view's size overflows")?;
            if !view.offset.is_multiple_of(view.element.size()) {
                return Err(format!(
                    "the view at byte {} is not aligned for {:?}",
                    view.offset, view.element
                ));
            }
            if end > arena {
                return Err(format!(
                    "the view of bytes {start}..{end} is outside the {arena}-byte arena"
                ));
            }
            Ok((start, end))
        };
        for (i, view) in self.io.iter().enumerate() {
            fits(view).map_err(|e| Error::model(format!("model input/output {i}: {e}")))?;
        }
        for call in &self.calls {
            let fail = |message: String| {
                Error::op(
                    call.op_index,
                    &op_name(call.op_index),
                    format!("{message} (the program is unsound: a bug in embedml)"),
                )
            };
            let kernel = call.kernel;
            let reads_fit = match kernel.reads {
                Reads::Each(elements) => {
                    elements.len() == call.reads.len()
                        && elements
                            .iter()
                            .zip(&call.reads)
                            .all(|(e, r)| *e == r.element())
                }
                Reads::Many(element) => call.reads.iter().all(|r| r.element() == element),
            };
            if !reads_fit || call.write.element != kernel.write {
                return Err(fail(format!(
                    "the operands of `{}` do not have the kernel's element types",
                    kernel.function
                )));
            }
            let write = fits(&call.write).map_err(|e| fail(format!("its output: {e}")))?;
            match (kernel.scratch, call.scratch) {
                (None, None) => {}
                (Some(element), Some(scratch)) if scratch.element == element => {
                    let (start, end) =
                        fits(&scratch).map_err(|e| fail(format!("its scratch: {e}")))?;
                    let apart =
                        |(s, e): (u128, u128)| start == end || s == e || e <= start || end <= s;
                    let reads_apart = call.reads.iter().all(|r| match r {
                        Operand::Arena(view) => view.bytes().is_some_and(apart),
                        Operand::Constant { .. } => true,
                    });
                    if !apart(write) || !reads_apart {
                        return Err(fail("its scratch overlaps an operand".into()));
                    }
                }
                _ => {
                    return Err(fail(format!(
                        "`{}` and its call disagree on the scratch buffer",
                        kernel.function
                    )));
                }
            }
            if call.in_place {
                if kernel.in_place.is_none() {
                    return Err(fail(format!("`{}` has no in-place form", kernel.function)));
                }
                if call.reads.first() != Some(&Operand::Arena(call.write)) {
                    return Err(fail(
                        "an in-place output is not exactly its first input".into(),
                    ));
                }
            }
            let skip = usize::from(call.in_place);
            for (i, read) in call.reads.iter().enumerate().skip(skip) {
                let Operand::Arena(view) = read else {
                    continue;
                };
                let (start, end) = fits(view).map_err(|e| fail(format!("input {i}: {e}")))?;
                let empty = start == end || write.0 == write.1;
                // A shared form's input may overlap the output from `gap` bytes after its start.
                let ahead = call
                    .overlap
                    .is_some_and(|o| start >= write.0.saturating_add(o.gap as u128));
                if call.overlap.is_some() && kernel.shared.is_none() {
                    return Err(fail(format!("`{}` has no shared form", kernel.function)));
                }
                if !empty && !ahead && start < write.1 && write.0 < end {
                    return Err(fail(format!(
                        "its output (bytes {}..{}) overlaps input {i} (bytes {start}..{end})",
                        write.0, write.1
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{self, kernels};

    fn view(offset: usize, len: usize) -> View {
        View {
            offset,
            len,
            element: Element::I8,
        }
    }

    fn lookup(reads: Vec<Operand>, write: View) -> KernelCall {
        let params = kernel::LookupI8 {
            table: kernel::Table {
                function: &kernels::requantize_table,
                args: vec![0; 6],
            },
        };
        KernelCall::new(3, &kernels::lookup_i8, params, reads, write)
    }

    fn program(calls: Vec<KernelCall>, arena_bytes: usize) -> Program {
        Program {
            calls,
            arena_bytes,
            io: vec![],
        }
    }

    fn verify(p: &Program) -> Result<(), String> {
        p.verify(AddressSpace::HOST, |_| "LOGISTIC".into())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn disjoint_operands_inside_the_arena_pass() {
        let p = program(
            vec![lookup(vec![Operand::Arena(view(0, 16))], view(16, 16))],
            32,
        );
        assert_eq!(verify(&p), Ok(()));
    }

    #[test]
    fn an_output_overlapping_its_input_fails_naming_the_op() {
        let p = program(
            vec![lookup(vec![Operand::Arena(view(0, 16))], view(8, 16))],
            32,
        );
        let error = verify(&p).unwrap_err();
        assert!(
            error.starts_with("operator #3 (LOGISTIC): its output (bytes 8..24) overlaps input 0"),
            "{error}"
        );
    }

    #[test]
    fn a_view_past_the_arena_fails() {
        let p = program(
            vec![lookup(vec![Operand::Arena(view(0, 16))], view(16, 16))],
            31,
        );
        assert!(
            verify(&p)
                .unwrap_err()
                .contains("outside the 31-byte arena")
        );
    }

    #[test]
    fn a_misaligned_view_fails() {
        let mut call = lookup(vec![Operand::Arena(view(0, 4))], view(4, 4));
        call.kernel = &kernels::clamp_f32.info;
        call.reads = vec![Operand::Arena(View {
            offset: 2,
            len: 1,
            element: Element::F32,
        })];
        call.write = View {
            offset: 8,
            len: 1,
            element: Element::F32,
        };
        assert!(
            verify(&program(vec![call], 16))
                .unwrap_err()
                .contains("not aligned")
        );
    }

    #[test]
    fn in_place_needs_the_same_bytes_and_an_in_place_form() {
        let mut call = lookup(vec![Operand::Arena(view(0, 16))], view(0, 16));
        call.in_place = true;
        assert_eq!(verify(&program(vec![call], 16)), Ok(()));
        let mut shifted = lookup(vec![Operand::Arena(view(0, 16))], view(1, 15));
        shifted.in_place = true;
        assert!(verify(&program(vec![shifted], 16)).is_err());
        let mut softmax = KernelCall::new(
            0,
            &kernels::softmax_i8,
            kernel::SoftmaxI8 {
                input_multiplier: 0,
                input_left_shift: 0,
                diff_min: 0,
                depth: 1,
            },
            vec![Operand::Arena(view(0, 16))],
            view(0, 16),
        );
        softmax.in_place = true;
        assert!(
            verify(&program(vec![softmax], 16))
                .unwrap_err()
                .contains("no in-place form")
        );
    }

    #[test]
    fn wrong_element_types_fail() {
        let call = lookup(
            vec![Operand::Arena(View {
                offset: 0,
                len: 4,
                element: Element::F32,
            })],
            view(16, 4),
        );
        assert!(
            verify(&program(vec![call], 32))
                .unwrap_err()
                .contains("element types")
        );
    }

    #[test]
    fn a_32_bit_target_rejects_what_the_host_accepts() {
        let p = program(vec![], (1usize << 32) + 32);
        assert_eq!(verify(&p), Ok(()));
        let error = p
            .verify(AddressSpace::bits(32), |_| String::new())
            .unwrap_err();
        assert!(error.to_string().contains("address space"));
    }
}
