//! Model state: the bytes that persist from one `invoke` to the next, outside the arena.
//!
//! Two kinds of model keep state, and TFLM treats both the same way on `Reset()`:
//! - **Variable tensors** (`Tensor.is_variable`): SVDF's activation state, LSTM's output and
//!   cell state. TFLM sets them to their zero point (int8) or 0 when it allocates them and on
//!   `Reset()`.
//! - **Resource variables**: `VAR_HANDLE` names one (by container and shared name),
//!   `READ_VARIABLE` copies it out, `ASSIGN_VARIABLE` copies a tensor in. TFLM allocates each one
//!   when it prepares the first `ASSIGN_VARIABLE` of it (subgraph 0 first, in operator order,
//!   then the other subgraphs), with that value tensor's size, and fills it with the value's
//!   zero point as a byte (0 without quantization). A `CALL_ONCE` operator runs an init
//!   subgraph on the first `Invoke()` only, which assigns the variables their initial values;
//!   `Reset()` restores the zero-point fill and does not run it again.
//!
//! This module resolves both into [`Slot`]s: one array each in the generated model's state,
//! with the bytes it starts with (after the init subgraph, evaluated here at build time) and the
//! bytes `reset()` restores.

use std::collections::HashMap;

use crate::error::{Collector, Error, Errors};
use crate::ir::{ElementType, Graph, Op, OpCode};
use crate::tflite::options_table;

options_table!(
    /// Options of VAR_HANDLE.
    VarHandleOptions = 111 {
        /// The variable's container (may be empty).
        container: ::flatbuffers::ForwardsUOffset<&'a str> = 0,
        /// The variable's name within its container.
        shared_name: ::flatbuffers::ForwardsUOffset<&'a str> = 1,
    }
);

options_table!(
    /// Options of CALL_ONCE.
    CallOnceOptions = 103 {
        /// The subgraph to run on the first invocation.
        init_subgraph_index: i32 = 0,
    }
);

/// What a state slot holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotOwner {
    /// A variable tensor of subgraph 0.
    Tensor(usize),
    /// A resource variable, by its container and shared name.
    Variable {
        /// `VarHandleOptions.container`.
        container: String,
        /// `VarHandleOptions.shared_name`.
        shared_name: String,
    },
    /// State an operator's kernel keeps for itself (in TFLM, a persistent buffer its `Init`
    /// allocates and its `Reset` clears), not in any tensor: the noise estimates of TFLM's
    /// SignalFilterBankSpectralSubtraction.
    Operator {
        /// The operator's index.
        op: usize,
        /// What the state is, for docs.
        what: &'static str,
    },
}

/// State an operator keeps inside its kernel ([`SlotOwner::Operator`]), as its family declares
/// it ([`crate::ops::Operator::state`]).
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorState {
    /// What it is, for docs.
    pub what: &'static str,
    /// Its element type.
    pub element: ElementType,
    /// Its number of elements.
    pub len: usize,
    /// Its bytes when the model is created and after `reset()` (TFLM's `Prepare` and `Reset`
    /// both set them).
    pub reset: Vec<u8>,
}

/// One array of the model's state.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    /// What it holds.
    pub owner: SlotOwner,
    /// Its element type.
    pub element: ElementType,
    /// Its number of elements.
    pub len: usize,
    /// Its bytes when the model is created: what TFLM's first `Invoke()` sees after CALL_ONCE.
    pub initial: Vec<u8>,
    /// Its bytes after `reset()`: TFLM's `Reset()`.
    pub reset: Vec<u8>,
}

impl Slot {
    /// Its size in bytes.
    pub fn bytes(&self) -> usize {
        self.initial.len()
    }

    /// A name for messages and docs.
    pub fn describe(&self) -> String {
        match &self.owner {
            SlotOwner::Tensor(t) => format!("variable tensor #{t}"),
            SlotOwner::Variable {
                container,
                shared_name,
            } if container.is_empty() => format!("resource variable \"{shared_name}\""),
            SlotOwner::Variable {
                container,
                shared_name,
            } => format!("resource variable \"{container}/{shared_name}\""),
            SlotOwner::Operator { op, what } => format!("operator #{op}'s {what}"),
        }
    }
}

/// The model's state: its slots, and which tensors of subgraph 0 refer to them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// The slots, in the order the model first uses them.
    pub slots: Vec<Slot>,
    /// By tensor of subgraph 0: the slot of a variable tensor, or of the resource variable a
    /// handle tensor (VAR_HANDLE's output) refers to.
    pub of_tensor: Vec<Option<usize>>,
}

impl State {
    /// Bytes of state in all.
    pub fn bytes(&self) -> usize {
        self.slots.iter().map(Slot::bytes).sum()
    }

    /// The slot tensor `t` refers to, if any.
    pub fn slot(&self, t: usize) -> Option<usize> {
        self.of_tensor.get(t).copied().flatten()
    }

    /// Adds the state operator `op` keeps inside its kernel, one slot per array, after the
    /// slots of tensors and variables.
    pub fn add_operator(&mut self, op: usize, arrays: Vec<OperatorState>) {
        for array in arrays {
            self.slots.push(Slot {
                owner: SlotOwner::Operator {
                    op,
                    what: array.what,
                },
                element: array.element,
                len: array.len,
                initial: array.reset.clone(),
                reset: array.reset,
            });
        }
    }

    /// The slots operator `op` keeps inside its kernel, in the order its family declared them.
    pub fn operator_slots(&self, op: usize) -> Vec<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.owner, SlotOwner::Operator { op: o, .. } if o == op))
            .map(|(i, _)| i)
            .collect()
    }
}

/// TFLM's fill byte for state of a tensor's type: the zero point as a byte for int8 (variable
/// tensors) or for any quantized type (resource variables memset their buffer with it), else 0.
fn fill_byte(graph: &Graph, t: usize, any_quantized: bool) -> u8 {
    let tensor = &graph.tensors[t];
    let quantized = tensor.element_type == ElementType::Int8 || any_quantized;
    match tensor.quantization.as_ref() {
        Some(q) if quantized => q.zero_points.first().map_or(0, |&z| z as i8 as u8),
        _ => 0,
    }
}

fn is(op: &Op, name: &'static str) -> bool {
    op.code == OpCode::Builtin(name)
}

/// Resource variables of one subgraph: the variable id of each handle tensor.
fn handles(
    graph: &Graph,
    subgraph: usize,
    ids: &mut HashMap<(String, String), usize>,
    order: &mut Vec<(String, String)>,
    errors: &mut Collector,
) -> Vec<Option<usize>> {
    let mut of_tensor = vec![None; graph.tensors.len()];
    for op in graph.ops.iter().filter(|op| is(op, "VAR_HANDLE")) {
        let at = where_(subgraph, op);
        let options = match op.options.get::<VarHandleOptions>() {
            Ok(options) => options,
            Err(e) => {
                errors.push(Error::model(format!("{at}: {e}")));
                continue;
            }
        };
        let key = (
            options.and_then(|o| o.container()).unwrap_or("").to_owned(),
            options
                .and_then(|o| o.shared_name())
                .unwrap_or("")
                .to_owned(),
        );
        let [output] = op.outputs[..] else {
            errors.push(Error::model(format!(
                "{at}: has {} outputs; VAR_HANDLE has one",
                op.outputs.len()
            )));
            continue;
        };
        if graph.tensors[output].element_type != ElementType::Resource {
            errors.push(Error::model(format!(
                "{at}: its output is {}, not a RESOURCE handle",
                graph.tensors[output].element_type.name()
            )));
            continue;
        }
        let next = ids.len();
        let id = *ids.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            next
        });
        of_tensor[output] = Some(id);
    }
    of_tensor
}

/// "operator #3 (X)" in subgraph 0, "subgraph 1 operator #3 (X)" elsewhere.
fn where_(subgraph: usize, op: &Op) -> String {
    if subgraph == 0 {
        format!("operator #{} ({})", op.index, op.name)
    } else {
        format!("subgraph {subgraph} operator #{} ({})", op.index, op.name)
    }
}

/// What is known of a resource variable while the subgraphs are read.
#[derive(Clone)]
struct Variable {
    element: ElementType,
    bytes: usize,
    fill: u8,
    initial: Option<Vec<u8>>,
}

/// Resolves the state of a model with subgraph `main` and the `others` (subgraph `i` at `i - 1`).
pub fn resolve(main: &Graph, others: &[Graph]) -> Result<State, Errors> {
    let mut errors = Collector::default();
    let mut ids: HashMap<(String, String), usize> = HashMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    let main_handles = handles(main, 0, &mut ids, &mut order, &mut errors);

    // The init subgraphs CALL_ONCE runs, in order, each checked to be made of assignments.
    let mut inits: Vec<(usize, Vec<Option<usize>>)> = Vec::new();
    let mut first_variable_use = None;
    for op in &main.ops {
        if is(op, "READ_VARIABLE") || is(op, "ASSIGN_VARIABLE") {
            first_variable_use.get_or_insert(op.index);
        }
        if !is(op, "CALL_ONCE") {
            continue;
        }
        let at = where_(0, op);
        let index = match op.options.required::<CallOnceOptions>() {
            Ok(o) => o.init_subgraph_index().unwrap_or(0),
            Err(e) => {
                errors.push(Error::model(format!("{at}: {e}")));
                continue;
            }
        };
        let subgraph = match usize::try_from(index) {
            Ok(0) => {
                errors.push(Error::model(format!(
                    "{at}: its init subgraph is subgraph 0, the one that calls it: a recursion between subgraphs"
                )));
                continue;
            }
            Ok(i) if i <= others.len() => i,
            _ => {
                errors.push(Error::model(format!(
                    "{at}: its init subgraph index {index} names no subgraph (the model has {})",
                    others.len() + 1
                )));
                continue;
            }
        };
        if let Some(use_at) = first_variable_use {
            errors.push(Error::model(format!(
                "{at}: operator #{use_at} uses a variable before this CALL_ONCE initialises it; embedml evaluates init subgraphs at build time, which needs them to run first"
            )));
        }
        let graph = &others[subgraph - 1];
        for inner in &graph.ops {
            let inner_at = where_(subgraph, inner);
            if is(inner, "CALL_ONCE") {
                errors.push(Error::model(format!(
                    "{inner_at}: an init subgraph calls CALL_ONCE again, a recursion between subgraphs; embedml evaluates one level of init subgraph"
                )));
            } else if !is(inner, "VAR_HANDLE") && !is(inner, "ASSIGN_VARIABLE") {
                errors.push(Error::model(format!(
                    "{inner_at}: CALL_ONCE's init subgraph computes with this operator; embedml evaluates init subgraphs at build time, so they may only assign constants to variables (VAR_HANDLE, ASSIGN_VARIABLE)"
                )));
            }
        }
        let handles = handles(graph, subgraph, &mut ids, &mut order, &mut errors);
        inits.push((subgraph, handles));
    }

    // TFLM allocates a variable at the first ASSIGN_VARIABLE it prepares: subgraph 0's, then the
    // others' in subgraph order.
    let mut variables: Vec<Option<Variable>> = Vec::new();
    let assign = |graph: &Graph,
                  subgraph: usize,
                  handles: &[Option<usize>],
                  variables: &mut Vec<Option<Variable>>,
                  errors: &mut Collector,
                  init: bool| {
        for op in graph.ops.iter().filter(|op| is(op, "ASSIGN_VARIABLE")) {
            let at = where_(subgraph, op);
            let (Some(handle), Some(value)) = (op.input(0), op.input(1)) else {
                errors.push(Error::model(format!("{at}: needs a handle and a value")));
                continue;
            };
            let Some(id) = handles.get(handle).copied().flatten() else {
                errors.push(Error::model(format!(
                    "{at}: its handle (tensor #{handle}) does not come from a VAR_HANDLE of this subgraph"
                )));
                continue;
            };
            let tensor = &graph.tensors[value];
            let Some(bytes) = tensor
                .byte_len()
                .filter(|_| tensor.element_type != ElementType::Resource)
            else {
                errors.push(Error::model(format!(
                    "{at}: its value has type {}, which embedml cannot store",
                    tensor.element_type.name()
                )));
                continue;
            };
            if variables.len() <= id {
                variables.resize(id + 1, None);
            }
            let variable = variables[id].get_or_insert_with(|| Variable {
                element: tensor.element_type,
                bytes,
                fill: fill_byte(graph, value, true),
                initial: None,
            });
            if variable.bytes != bytes || variable.element != tensor.element_type {
                errors.push(Error::model(format!(
                    "{at}: assigns {} {:?} ({bytes} bytes) to a variable of {} bytes of {}: the sizes must match",
                    tensor.element_type.name(),
                    tensor.shape,
                    variable.bytes,
                    variable.element.name()
                )));
                continue;
            }
            if init {
                match tensor.data {
                    Some(data) if data.len() == bytes => variable.initial = Some(data.to_vec()),
                    _ => errors.push(Error::model(format!(
                        "{at}: assigns a value that is not a constant; embedml evaluates init subgraphs at build time"
                    ))),
                }
            }
        }
    };
    assign(main, 0, &main_handles, &mut variables, &mut errors, false);
    for (subgraph, handles) in &inits {
        assign(
            &others[subgraph - 1],
            *subgraph,
            handles,
            &mut variables,
            &mut errors,
            true,
        );
    }

    let mut state = State {
        slots: Vec::new(),
        of_tensor: vec![None; main.tensors.len()],
    };
    let mut slot_of_variable: Vec<Option<usize>> = vec![None; order.len()];
    for op in main.ops.iter().filter(|op| is(op, "READ_VARIABLE")) {
        let at = where_(0, op);
        let (Some(handle), Some(&output)) = (op.input(0), op.outputs.first()) else {
            errors.push(Error::model(format!("{at}: needs a handle and an output")));
            continue;
        };
        let Some(id) = main_handles.get(handle).copied().flatten() else {
            errors.push(Error::model(format!(
                "{at}: its handle (tensor #{handle}) does not come from a VAR_HANDLE"
            )));
            continue;
        };
        let Some(variable) = variables.get(id).cloned().flatten() else {
            let (container, name) = &order[id];
            let name = if container.is_empty() {
                name.clone()
            } else {
                format!("{container}/{name}")
            };
            errors.push(Error::model(format!(
                "{at}: reads variable \"{name}\", which no ASSIGN_VARIABLE ever assigns: TFLM allocates a variable at its first assignment, so the model fails there too; assign it an initial value (a tf.Variable's initializer gives the converter's CALL_ONCE init subgraph)"
            )));
            continue;
        };
        let tensor = &main.tensors[output];
        if tensor.byte_len() != Some(variable.bytes) || tensor.element_type != variable.element {
            errors.push(Error::model(format!(
                "{at}: reads {} {:?} from a variable of {} bytes of {}: the sizes must match",
                tensor.element_type.name(),
                tensor.shape,
                variable.bytes,
                variable.element.name()
            )));
        }
    }
    // Slots in the order of the handles of subgraph 0 (the variables invoke uses).
    for (t, id) in main_handles.iter().enumerate() {
        let Some(id) = *id else { continue };
        let Some(variable) = variables.get(id).cloned().flatten() else {
            continue;
        };
        let slot = *slot_of_variable[id].get_or_insert_with(|| {
            let reset = vec![variable.fill; variable.bytes];
            let (container, shared_name) = order[id].clone();
            state.slots.push(Slot {
                owner: SlotOwner::Variable {
                    container,
                    shared_name,
                },
                element: variable.element,
                len: variable
                    .element
                    .size()
                    .filter(|&s| s > 0)
                    .map_or(0, |s| variable.bytes / s),
                initial: variable.initial.clone().unwrap_or_else(|| reset.clone()),
                reset,
            });
            state.slots.len() - 1
        });
        state.of_tensor[t] = Some(slot);
    }
    // Variable tensors that an operator uses.
    let used: Vec<bool> = {
        let mut used = vec![false; main.tensors.len()];
        for op in &main.ops {
            for &t in op.inputs.iter().flatten().chain(&op.outputs) {
                used[t] = true;
            }
        }
        used
    };
    for (t, tensor) in main.tensors.iter().enumerate() {
        if !tensor.is_variable || !used[t] {
            continue;
        }
        let Some(bytes) = tensor.byte_len() else {
            continue; // The op that uses it reports the type.
        };
        let reset = vec![fill_byte(main, t, false); bytes];
        state.slots.push(Slot {
            owner: SlotOwner::Tensor(t),
            element: tensor.element_type,
            len: tensor.len(),
            initial: reset.clone(),
            reset,
        });
        state.of_tensor[t] = Some(state.slots.len() - 1);
    }
    errors.finish(state)
}
