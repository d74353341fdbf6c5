//! The memory planner: places every activation tensor in one arena so that tensors alive at the
//! same time never overlap.
//!
//! Views (RESHAPE) share their input's bytes; constants stay in flash and take no arena. This is
//! the only place that decides which tensors share memory.

use crate::ir::Graph;

/// How one operator uses memory, as its operator family declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// The output is a view of the input's bytes (RESHAPE, SQUEEZE, EXPAND_DIMS): no code runs.
    View {
        /// The tensor viewed.
        input: usize,
        /// The view.
        output: usize,
    },
    /// A kernel reads the op's inputs and writes its output; `in_place`, if set, is an input
    /// (same element type and byte size as the output, checked by the op) that the kernel can
    /// overwrite with its output when no later op reads it.
    Kernel {
        /// The input the output may overwrite.
        in_place: Option<InPlace>,
    },
}

/// An input a kernel may overwrite with its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InPlace {
    /// The input.
    pub input: usize,
    /// The output.
    pub output: usize,
}

/// Every buffer starts at a multiple of this: enough for any element type and for word loads.
pub const ALIGNMENT: usize = 4;

/// A block of memory that must stay intact from op `first` through op `last` (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buffer {
    /// Bytes.
    pub size: usize,
    /// Position of the first op that writes it (0 for model inputs).
    pub first: usize,
    /// Position of the last op that reads it (the op count for model outputs).
    pub last: usize,
}

impl Buffer {
    fn overlaps_in_time(&self, other: &Buffer) -> bool {
        self.first <= other.last && other.first <= self.last
    }
}

/// Where each buffer goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Byte offset of each buffer, in the order they were given.
    pub offsets: Vec<usize>,
    /// The high-water mark: the arena size this placement needs.
    pub arena_bytes: usize,
    /// The largest total size of buffers alive at one time: no placement can need less.
    pub lower_bound: usize,
}

/// Places buffers greedily, largest first, each at the lowest aligned offset where it overlaps no
/// buffer placed before it that is alive at the same time.
pub fn place(buffers: &[Buffer], alignment: usize) -> Placement {
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(buffers[i].size), buffers[i].first, i));
    let mut offsets = vec![0; buffers.len()];
    let mut placed: Vec<usize> = Vec::new();
    for &i in &order {
        let buffer = &buffers[i];
        let mut neighbours: Vec<(usize, usize)> = placed
            .iter()
            .filter(|&&j| buffers[j].size > 0 && buffers[j].overlaps_in_time(buffer))
            .map(|&j| (offsets[j], offsets[j] + buffers[j].size))
            .collect();
        neighbours.sort_unstable();
        let mut candidate = 0;
        for (start, end) in neighbours {
            if candidate + buffer.size <= start {
                break;
            }
            candidate = candidate.max(end.next_multiple_of(alignment));
        }
        offsets[i] = candidate;
        placed.push(i);
    }
    let arena_bytes = buffers
        .iter()
        .zip(&offsets)
        .map(|(b, &o)| o + b.size)
        .max()
        .unwrap_or(0);
    Placement {
        offsets,
        arena_bytes,
        lower_bound: lower_bound(buffers),
    }
}

fn lower_bound(buffers: &[Buffer]) -> usize {
    let end = buffers.iter().map(|b| b.last).max().unwrap_or(0);
    (0..=end)
        .map(|t| {
            buffers
                .iter()
                .filter(|b| b.first <= t && t <= b.last)
                .map(|b| b.size)
                .sum()
        })
        .max()
        .unwrap_or(0)
}

/// Where a tensor's bytes live at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// In the arena at this byte offset.
    Arena(usize),
    /// In flash: the data of this constant tensor (itself, or the constant it is a view of).
    Constant(usize),
    /// Nowhere: no op or model input/output uses it.
    Unused,
}

/// The memory plan of a graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryPlan {
    /// The storage of each tensor, by tensor index.
    pub storage: Vec<Storage>,
    /// For each op, whether its output overwrites its (first) input.
    pub in_place: Vec<bool>,
    /// Bytes of the arena: the placement's high-water mark.
    pub arena_bytes: usize,
    /// The largest total size of tensors alive at one time.
    pub lower_bound: usize,
}

/// Plans a checked graph (`access` has one entry per op): each tensor's bytes are known and
/// every op's inputs are produced before it runs.
pub fn plan(graph: &Graph, access: &[Access]) -> MemoryPlan {
    let count = graph.tensors.len();
    let ops = graph.ops.len();
    let is_constant = |t: usize| graph.tensors[t].data.is_some();
    // The last op that reads each tensor (the op count for model outputs).
    let mut last_read: Vec<Option<usize>> = vec![None; count];
    for (at, op) in graph.ops.iter().enumerate() {
        for &t in op.inputs.iter().flatten() {
            last_read[t] = Some(at);
        }
    }
    for &t in &graph.outputs {
        last_read[t] = Some(ops);
    }
    // Tensors that share storage form a class; `root` names the tensor that owns it. A view
    // always joins its source's class; an element-wise output joins its input's class when that
    // input's bytes are read for the last time by this op.
    let mut root: Vec<usize> = (0..count).collect();
    let mut in_place = vec![false; ops];
    for (at, access) in access.iter().enumerate() {
        let InPlace { input, output } = match *access {
            Access::View { input, output } => {
                root[output] = root[input];
                continue;
            }
            Access::Kernel { in_place: None } => continue,
            Access::Kernel {
                in_place: Some(in_place),
            } => in_place,
        };
        let class = root[input];
        // Only the overwritten input itself may read those bytes (not ADD(x, x), nor a view of x).
        let readers = graph.ops[at].inputs.iter().flatten();
        if readers.filter(|&&t| root[t] == class).count() > 1 {
            continue;
        }
        let class_last = (0..count)
            .filter(|&t| root[t] == class)
            .filter_map(|t| last_read[t])
            .max();
        if class_last == Some(at) && !is_constant(class) {
            root[output] = class;
            in_place[at] = true;
        }
    }
    let mut used = vec![false; count];
    let mut first = vec![usize::MAX; count];
    let mut last = vec![0; count];
    let mut live = |tensor: usize, at: usize, used: &mut Vec<bool>| {
        let r = root[tensor];
        used[tensor] = true;
        first[r] = first[r].min(at);
        last[r] = last[r].max(at);
    };
    for &input in &graph.inputs {
        live(input, 0, &mut used);
    }
    for (at, op) in graph.ops.iter().enumerate() {
        for tensor in op.inputs.iter().flatten().chain(&op.outputs) {
            live(*tensor, at, &mut used);
        }
    }
    for &output in &graph.outputs {
        live(output, graph.ops.len(), &mut used);
    }

    let owners: Vec<usize> = (0..count)
        .filter(|&t| root[t] == t && first[t] != usize::MAX && !is_constant(t))
        .collect();
    let buffers: Vec<Buffer> = owners
        .iter()
        .map(|&t| Buffer {
            size: graph.tensors[t].byte_len().unwrap_or(0),
            first: first[t],
            last: last[t],
        })
        .collect();
    let placement = place(&buffers, ALIGNMENT);
    let mut owner_offset = vec![None; count];
    for (&t, &offset) in owners.iter().zip(&placement.offsets) {
        owner_offset[t] = Some(offset);
    }
    let storage = (0..count)
        .map(
            |t| match (used[t], is_constant(root[t]), owner_offset[root[t]]) {
                (false, _, _) => Storage::Unused,
                (true, true, _) => Storage::Constant(root[t]),
                (true, false, Some(offset)) => Storage::Arena(offset),
                (true, false, None) => Storage::Unused,
            },
        )
        .collect();
    MemoryPlan {
        storage,
        in_place,
        arena_bytes: placement.arena_bytes,
        lower_bound: placement.lower_bound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ElementType, Op, OpCode, Options, Tensor};

    fn buffer(size: usize, first: usize, last: usize) -> Buffer {
        Buffer { size, first, last }
    }

    #[test]
    fn a_chain_reuses_memory_two_buffers_at_a_time() {
        // in(100) -op0-> a(60) -op1-> b(100) -op2-> out(8)
        let buffers = [
            buffer(100, 0, 0),
            buffer(60, 0, 1),
            buffer(100, 1, 2),
            buffer(8, 2, 3),
        ];
        let p = place(&buffers, 4);
        assert_eq!(p.lower_bound, 160);
        assert_eq!(p.arena_bytes, 160);
        assert_eq!(p.offsets, vec![0, 100, 0, 100]);
    }

    #[test]
    fn buffers_alive_together_never_overlap() {
        let buffers = [
            buffer(10, 0, 3),
            buffer(30, 1, 2),
            buffer(7, 2, 5),
            buffer(64, 4, 6),
            buffer(13, 0, 6),
            buffer(1, 3, 3),
        ];
        let p = place(&buffers, 4);
        for (i, a) in buffers.iter().enumerate() {
            assert_eq!(p.offsets[i] % 4, 0);
            assert!(p.offsets[i] + a.size <= p.arena_bytes);
            for (j, b) in buffers.iter().enumerate().skip(i + 1) {
                if a.overlaps_in_time(b) {
                    let (sa, sb) = (p.offsets[i], p.offsets[j]);
                    assert!(
                        sa + a.size <= sb || sb + b.size <= sa,
                        "{i} and {j} overlap"
                    );
                }
            }
        }
        assert!(p.arena_bytes >= p.lower_bound);
    }

    #[test]
    fn alignment_rounds_offsets_up() {
        // Three buffers alive together: 5 bytes, then 3 at offset 8, then 2 at offset 12.
        let buffers = [buffer(5, 0, 1), buffer(3, 0, 1), buffer(2, 0, 1)];
        let p = place(&buffers, 4);
        assert_eq!(p.offsets, vec![0, 8, 12]);
        assert_eq!(p.arena_bytes, 14);
        assert_eq!(p.lower_bound, 10);
    }

    #[test]
    fn a_gap_between_placed_buffers_is_reused() {
        // Two long-lived buffers with a 40-byte gap between them in the placement; a short
        // buffer that fits goes in the gap instead of on top.
        let buffers = [
            buffer(100, 0, 0),
            buffer(50, 0, 4),
            buffer(40, 1, 4),
            buffer(60, 3, 3),
        ];
        let p = place(&buffers, 4);
        // 100 @0 [0..0]; 60 @0 [3..3] (no overlap in time with the 100); 50 @100; 40 at 60..100.
        assert_eq!(p.offsets, vec![0, 100, 60, 0]);
        assert_eq!(p.arena_bytes, 150);
        assert_eq!(p.lower_bound, 150);
    }

    fn tensor(index: usize, len: usize) -> Tensor<'static> {
        Tensor {
            index,
            name: format!("t{index}"),
            element_type: ElementType::Int8,
            shape: vec![len],
            data: None,
            quantization: None,
            is_variable: false,
        }
    }

    fn op(index: usize, inputs: &[usize], output: usize) -> Op<'static> {
        Op {
            index,
            name: "RELU".into(),
            code: OpCode::Builtin("RELU"),
            options: Options::none(),
            inputs: inputs.iter().map(|&t| Some(t)).collect(),
            outputs: vec![output],
        }
    }

    fn relu(input: usize, output: usize) -> Access {
        Access::Kernel {
            in_place: Some(InPlace { input, output }),
        }
    }

    #[test]
    fn an_activation_overwrites_an_input_it_reads_last() {
        // t0 -relu-> t1 -relu-> t2: both run in place; one 16-byte buffer serves all three.
        let graph = Graph {
            tensors: vec![tensor(0, 16), tensor(1, 16), tensor(2, 16)],
            ops: vec![op(0, &[0], 1), op(1, &[1], 2)],
            inputs: vec![0],
            outputs: vec![2],
        };
        let plan = plan(&graph, &[relu(0, 1), relu(1, 2)]);
        assert_eq!(plan.in_place, vec![true, true]);
        assert_eq!(plan.arena_bytes, 16);
        assert_eq!(plan.storage, vec![Storage::Arena(0); 3]);
    }

    #[test]
    fn an_input_read_later_is_not_overwritten() {
        // t0 -relu-> t1, and op 1 reads t0 and t1: op 0 must not write over t0.
        let graph = Graph {
            tensors: vec![tensor(0, 16), tensor(1, 16), tensor(2, 16)],
            ops: vec![op(0, &[0], 1), op(1, &[0, 1], 2)],
            inputs: vec![0],
            outputs: vec![2],
        };
        let add = relu(0, 2);
        let plan = plan(&graph, &[relu(0, 1), add]);
        assert_eq!(plan.in_place, vec![false, true]);
        assert_eq!(plan.arena_bytes, 32);
        assert_ne!(plan.storage[0], plan.storage[1]);
        assert_eq!(plan.storage[2], plan.storage[0]);
    }

    #[test]
    fn a_model_output_is_never_overwritten() {
        // t1 is both a model output and the input of the last relu.
        let graph = Graph {
            tensors: vec![tensor(0, 16), tensor(1, 16), tensor(2, 16)],
            ops: vec![op(0, &[0], 1), op(1, &[1], 2)],
            inputs: vec![0],
            outputs: vec![1, 2],
        };
        let plan = plan(&graph, &[relu(0, 1), relu(1, 2)]);
        assert_eq!(plan.in_place, vec![true, false]);
        assert_ne!(plan.storage[1], plan.storage[2]);
    }

    #[test]
    fn empty_input_needs_no_arena() {
        let p = place(&[], 4);
        assert_eq!((p.arena_bytes, p.lower_bound), (0, 0));
    }
}
