//! The memory planner: places every activation tensor in one arena so that tensors alive at the
//! same time never overlap.
//!
//! Views (RESHAPE) share their input's bytes; constants stay in flash and take no arena. This is
//! the only place that decides which tensors share memory. It knows no operators: each op comes
//! with an [`Access`], how its operator family uses memory.
//!
//! Planning is near-linear in the graph's size: classes of tensors sharing storage are built in
//! one pass, and [`place`] finds each buffer's offset with a segment tree over time instead of
//! scanning every buffer placed before it.

use crate::ir::Graph;
use std::collections::BTreeMap;

mod search;
mod timeline;

use search::search;
pub use search::{Overlap as BufferOverlap, SEARCH_LIMIT};
pub use timeline::timeline_svg;

/// An operator's output that may overlap its input, as its family declares it (tensor indices):
/// the kernel reads the input far enough ahead of its writes that the input's bytes may begin
/// `gap` bytes after the output's. Used when the input dies at the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overlap {
    /// The input tensor.
    pub input: usize,
    /// The output tensor.
    pub output: usize,
    /// Bytes the input must begin after the output, at least.
    pub gap: usize,
    /// Images in the batch (the kernel's gap function takes them).
    pub images: usize,
}

/// Every buffer starts at a multiple of this: enough for every element type up to 4 bytes and
/// for word loads. A graph with 8-byte elements (UINT64, INT64) in the arena places every buffer
/// at a multiple of 8 instead ([`alignment`]), so other models' plans do not change.
pub const ALIGNMENT: usize = 4;

/// The alignment of a graph's buffers: [`ALIGNMENT`], or the largest element size of an
/// activation an operator reads or writes if that is more.
pub fn alignment(graph: &Graph) -> usize {
    graph
        .ops
        .iter()
        .flat_map(|op| op.inputs.iter().flatten().chain(&op.outputs))
        .map(|&t| &graph.tensors[t])
        .filter(|t| t.data.is_none())
        .filter_map(|t| t.element_type.size())
        .fold(ALIGNMENT, usize::max)
}

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
        /// The input the kernel may overwrite, if any.
        in_place: Option<InPlace>,
    },
}

/// An input a kernel can overwrite with its output (tensor indices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InPlace {
    /// The input.
    pub input: usize,
    /// The output.
    pub output: usize,
}

/// A block of memory that must stay intact from op `first` through op `last` (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buffer {
    /// Bytes.
    pub size: usize,
    /// Position of the first op that writes it (0 for model inputs).
    pub first: usize,
    /// Position of the last op that reads it (the op count for model outputs); at least `first`.
    pub last: usize,
}

impl Buffer {
    #[cfg(test)]
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

/// Places buffers so that no two alive at the same time overlap, in the smallest arena found:
/// the greedy placement ([`place_greedy`]), and for graphs of up to [`SEARCH_LIMIT`] buffers
/// that it leaves above the lower bound, the best of a search over placement orders.
///
/// The greedy pass places buffers largest first, each at the lowest aligned offset where it
/// overlaps no buffer placed before it that is alive at the same time. (An empty buffer goes at
/// 0.) Each placement asks a segment tree over time (`Occupancy`) instead of scanning the buffers
/// placed so far: O(log² n) for each occupied run of bytes it has to skip before it fits, which
/// stays a few runs even when thousands of buffers are alive at once.
pub fn place(buffers: &[Buffer], alignment: usize) -> Placement {
    place_overlapping(buffers, &[], alignment)
}

/// [`place`], where the pairs of `overlaps` may also share bytes as each allows (searched for
/// graphs of up to [`SEARCH_LIMIT`] buffers; larger ones keep every buffer apart).
pub fn place_overlapping(
    buffers: &[Buffer],
    overlaps: &[BufferOverlap],
    alignment: usize,
) -> Placement {
    let greedy = place_greedy(buffers, alignment);
    let settled = greedy.arena_bytes <= greedy.lower_bound && overlaps.is_empty();
    if buffers.len() > SEARCH_LIMIT || settled {
        return greedy;
    }
    search(buffers, overlaps, alignment, greedy)
}

/// [`place`]'s greedy pass alone: largest first, each at the lowest free aligned offset.
pub fn place_greedy(buffers: &[Buffer], alignment: usize) -> Placement {
    debug_assert!(buffers.iter().all(|b| b.first <= b.last));
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(buffers[i].size), buffers[i].first, i));
    // Only the order of the times matters: rank them, so the tree has one leaf per distinct time.
    let mut times: Vec<usize> = buffers.iter().flat_map(|b| [b.first, b.last]).collect();
    times.sort_unstable();
    times.dedup();
    let rank = |t: usize| times.partition_point(|&x| x < t);
    let mut occupancy = Occupancy::new(times.len());
    let mut offsets = vec![0; buffers.len()];
    for &i in &order {
        let buffer = &buffers[i];
        if buffer.size == 0 {
            continue;
        }
        let (first, last) = (rank(buffer.first), rank(buffer.last));
        let offset = occupancy.lowest_free(first, last, buffer.size, alignment);
        occupancy.insert(first, last, offset, offset + buffer.size);
        offsets[i] = offset;
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

/// The largest total size alive at one time, by a sweep over the buffers' ends.
fn lower_bound(buffers: &[Buffer]) -> usize {
    let mut events: Vec<(usize, bool, usize)> = buffers
        .iter()
        .flat_map(|b| [(b.first, false, b.size), (b.last, true, b.size)])
        .collect();
    // At one time, buffers starting there count before those ending there leave.
    events.sort_unstable_by_key(|&(t, ends, _)| (t, ends));
    let (mut alive, mut most) = (0usize, 0usize);
    for (_, ends, size) in events {
        if ends {
            alive -= size;
        } else {
            alive += size;
            most = most.max(alive);
        }
    }
    most
}

/// Disjoint, non-adjacent byte ranges `[start, end)`, keyed by start.
#[derive(Default)]
struct Runs(BTreeMap<usize, usize>);

impl Runs {
    fn insert(&mut self, mut start: usize, mut end: usize) {
        if let Some((&s, &e)) = self.0.range(..=start).next_back()
            && e >= start
        {
            start = s;
            end = end.max(e);
        }
        let merged: Vec<(usize, usize)> =
            self.0.range(start..=end).map(|(&s, &e)| (s, e)).collect();
        for (s, e) in merged {
            self.0.remove(&s);
            end = end.max(e);
        }
        self.0.insert(start, end);
    }

    /// The end of the run that meets `[start, end)`, if one does (the highest, if several).
    fn blocking(&self, start: usize, end: usize) -> Option<usize> {
        self.0
            .range(..end)
            .next_back()
            .map(|(_, &e)| e)
            .filter(|&e| e > start)
    }
}

/// The bytes taken at each time, as a segment tree over (ranked) time. A buffer alive over
/// `[first, last]` is stored at the O(log n) nodes whose time spans tile that interval (`own`),
/// and merged into the `sub` runs of those nodes and of their ancestors (the bytes taken anywhere
/// in the node's span). The bytes taken at some time in `[first, last]` are then the `sub` runs of
/// the tiling nodes plus the `own` runs of the nodes above them: O(log n) run sets.
struct Occupancy {
    leaves: usize,
    nodes: Vec<Option<Box<Node>>>,
}

#[derive(Default)]
struct Node {
    own: Runs,
    sub: Runs,
}

impl Occupancy {
    fn new(times: usize) -> Self {
        let leaves = times.max(1).next_power_of_two();
        Occupancy {
            leaves,
            nodes: (0..2 * leaves).map(|_| None).collect(),
        }
    }

    /// Takes `[start, end)` over times `first..=last`.
    fn insert(&mut self, first: usize, last: usize, start: usize, end: usize) {
        let mut stack = vec![(1, 0, self.leaves - 1)];
        while let Some((node, lo, hi)) = stack.pop() {
            if hi < first || last < lo {
                continue;
            }
            let sets = self.nodes[node].get_or_insert_with(Box::default);
            sets.sub.insert(start, end);
            if first <= lo && hi <= last {
                sets.own.insert(start, end);
                continue;
            }
            let mid = lo + (hi - lo) / 2;
            stack.push((2 * node, lo, mid));
            stack.push((2 * node + 1, mid + 1, hi));
        }
    }

    /// The lowest multiple of `alignment` where `size` bytes are free at every time in
    /// `first..=last`.
    fn lowest_free(&self, first: usize, last: usize, size: usize, alignment: usize) -> usize {
        let mut sets: Vec<&Runs> = Vec::new();
        let mut stack = vec![(1, 0, self.leaves - 1)];
        while let Some((node, lo, hi)) = stack.pop() {
            // No buffer is stored in an empty node's span.
            let Some(node_sets) = self.nodes[node].as_deref() else {
                continue;
            };
            if hi < first || last < lo {
                continue;
            }
            if first <= lo && hi <= last {
                sets.push(&node_sets.sub);
                continue;
            }
            sets.push(&node_sets.own);
            let mid = lo + (hi - lo) / 2;
            stack.push((2 * node, lo, mid));
            stack.push((2 * node + 1, mid + 1, hi));
        }
        // Every aligned offset below the end of a run that meets the candidate is taken too, so
        // jumping there finds the lowest free one.
        let mut offset = 0;
        while let Some(end) = sets
            .iter()
            .filter_map(|r| r.blocking(offset, offset + size))
            .max()
        {
            offset = end.next_multiple_of(alignment);
        }
        offset
    }
}
/// Where a tensor's bytes live at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// In the arena at this byte offset.
    Arena(usize),
    /// In flash: the data of this constant tensor (itself, or the constant it is a view of).
    Constant(usize),
    /// In the model's state, outside the arena (a variable tensor): see [`crate::state`].
    State,
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
    /// For each op, the byte offset and size of its kernel's scratch buffer, if it has one.
    pub scratch: Vec<Option<(usize, usize)>>,
    /// Bytes of the arena: the placement's high-water mark.
    pub arena_bytes: usize,
    /// The largest total size of tensors alive at one time.
    pub lower_bound: usize,
    /// For each op whose output overlaps its input, its [`Overlap`]: its kernel's shared form
    /// must run it.
    pub overlap: Vec<Option<Overlap>>,
    /// For each tensor that owns arena bytes (views and in-place outputs share their owner's),
    /// the ops from which through which they are alive.
    pub alive: Vec<Option<(usize, usize)>>,
}

/// One op's view of the memory plan ([`MemoryPlan::at`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpMemory {
    /// The tensors owning arena bytes alive at the op: `(tensor, offset, bytes)`, by offset.
    pub tensors: Vec<(usize, usize, usize)>,
    /// The op's scratch buffer: `(offset, bytes)`.
    pub scratch: Option<(usize, usize)>,
    /// Whether its output overlaps its input (see [`Overlap`]).
    pub overlap: Option<Overlap>,
}

impl MemoryPlan {
    /// What op `at` has in the arena while it runs.
    pub fn at(&self, graph: &Graph, at: usize) -> OpMemory {
        let mut tensors: Vec<(usize, usize, usize)> = self
            .alive
            .iter()
            .enumerate()
            .filter(|(_, span)| span.is_some_and(|(first, last)| first <= at && at <= last))
            .filter_map(|(t, _)| match self.storage[t] {
                Storage::Arena(offset) => {
                    Some((t, offset, graph.tensors[t].byte_len().unwrap_or(0)))
                }
                _ => None,
            })
            .collect();
        tensors.sort_by_key(|&(t, offset, _)| (offset, t));
        OpMemory {
            tensors,
            scratch: self.scratch.get(at).copied().flatten(),
            overlap: self.overlap.get(at).copied().flatten(),
        }
    }
}

/// Plans a validated graph (`access` has one entry per op, in op order): each tensor's bytes are
/// known and every op's inputs are produced before it runs.
///
/// `scratch[op]` is the bytes of working memory op `op`'s kernel needs while it runs (0 for
/// none): a buffer alive at that op only, placed like a tensor.
///
/// `overlaps[op]` (one per op, or none) is how far op `op`'s output may overlap its input
/// ([`Overlap`]): used when that input's bytes are read for the last time by the op, and the
/// output's first written by it.
pub fn plan(
    graph: &Graph,
    access: &[Access],
    scratch: &[usize],
    overlaps: &[Option<Overlap>],
) -> MemoryPlan {
    plan_with(graph, access, scratch, overlaps, place_overlapping)
}

/// How a plan places its buffers.
type Placer = fn(&[Buffer], &[BufferOverlap], usize) -> Placement;

/// [`plan`] with the placement function `place` (the tests compare the greedy one with a
/// reference).
fn plan_with(
    graph: &Graph,
    access: &[Access],
    scratch: &[usize],
    overlaps: &[Option<Overlap>],
    place: Placer,
) -> MemoryPlan {
    assert_eq!(access.len(), graph.ops.len(), "one Access per op");
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
    // Tensors that share storage form a class; `root` names the tensor that owns it, and
    // `class_last` (by root) the last op that reads any of its tensors so far. A view always
    // joins its source's class; an in-place output joins its input's class when that input's
    // bytes are read for the last time by this op.
    let mut root: Vec<usize> = (0..count).collect();
    let mut class_last = last_read.clone();
    let mut in_place = vec![false; ops];
    for (at, (op, access)) in graph.ops.iter().zip(access).enumerate() {
        let (class, output) = match *access {
            Access::View { input, output } => (root[input], output),
            Access::Kernel { in_place: None } => continue,
            Access::Kernel {
                in_place: Some(InPlace { input, output }),
            } => {
                let class = root[input];
                // No other input may share the bytes being overwritten (ADD(x, x), or a view of
                // x): skip the in-place input once, then look for the class.
                let mut skipped = false;
                let shared = op.inputs.iter().flatten().any(|&t| {
                    if t == input && !skipped {
                        skipped = true;
                        return false;
                    }
                    root[t] == class
                });
                if shared || class_last[class] != Some(at) || is_constant(class) {
                    continue;
                }
                in_place[at] = true;
                (class, output)
            }
        };
        root[output] = class;
        class_last[class] = class_last[class].max(last_read[output]);
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
        .filter(|&t| {
            root[t] == t
                && first[t] != usize::MAX
                && !is_constant(t)
                && !graph.tensors[t].is_variable
        })
        .collect();
    let mut buffers: Vec<Buffer> = owners
        .iter()
        .map(|&t| Buffer {
            size: graph.tensors[t].byte_len().unwrap_or(0),
            first: first[t],
            last: last[t],
        })
        .collect();
    // Scratch buffers after the tensors' (placement is by size, so their order is irrelevant).
    let scratch_ops: Vec<usize> = (0..ops)
        .filter(|&at| scratch.get(at).is_some_and(|&b| b > 0))
        .collect();
    buffers.extend(scratch_ops.iter().map(|&at| Buffer {
        size: scratch[at],
        first: at,
        last: at,
    }));
    // The overlaps that apply: the input's storage read for the last time by the op, the
    // output's first written by it, neither a constant nor the same storage.
    let mut buffer_of = vec![usize::MAX; count];
    for (b, &t) in owners.iter().enumerate() {
        buffer_of[t] = b;
    }
    let mut op_overlaps: Vec<(usize, Overlap, BufferOverlap)> = Vec::new();
    for (at, rule) in overlaps.iter().enumerate() {
        let Some(rule) = rule else { continue };
        let (Some(&ri), Some(&ro)) = (root.get(rule.input), root.get(rule.output)) else {
            continue;
        };
        let (bi, bo) = (buffer_of[ri], buffer_of[ro]);
        let only_input = graph.ops[at]
            .inputs
            .iter()
            .flatten()
            .all(|&t| t == rule.input || root[t] != ri);
        if ri != ro
            && bi != usize::MAX
            && bo != usize::MAX
            && only_input
            && buffers[bi].last == at
            && buffers[bo].first == at
        {
            op_overlaps.push((
                at,
                *rule,
                BufferOverlap {
                    input: bi,
                    output: bo,
                    gap: rule.gap,
                },
            ));
        }
    }
    let rules: Vec<BufferOverlap> = op_overlaps.iter().map(|&(_, _, o)| o).collect();
    let placement = place(&buffers, &rules, alignment(graph));
    let mut overlap = vec![None; ops];
    for &(at, rule, o) in &op_overlaps {
        let (i, j) = (placement.offsets[o.input], placement.offsets[o.output]);
        let (a, b) = (&buffers[o.input], &buffers[o.output]);
        if i < j + b.size && j < i + a.size && a.size > 0 && b.size > 0 {
            overlap[at] = Some(rule);
        }
    }
    let mut scratch_offsets = vec![None; ops];
    for (&at, &offset) in scratch_ops.iter().zip(&placement.offsets[owners.len()..]) {
        scratch_offsets[at] = Some((offset, scratch[at]));
    }
    let mut owner_offset = vec![None; count];
    for (&t, &offset) in owners.iter().zip(&placement.offsets) {
        owner_offset[t] = Some(offset);
    }
    let storage = (0..count)
        .map(
            |t| match (used[t], is_constant(root[t]), owner_offset[root[t]]) {
                (false, _, _) => Storage::Unused,
                (true, true, _) => Storage::Constant(root[t]),
                _ if graph.tensors[t].is_variable => Storage::State,
                (true, false, Some(offset)) => Storage::Arena(offset),
                (true, false, None) => Storage::Unused,
            },
        )
        .collect();
    MemoryPlan {
        storage,
        in_place,
        scratch: scratch_offsets,
        arena_bytes: placement.arena_bytes,
        lower_bound: placement.lower_bound,
        overlap,
        alive: (0..count)
            .map(|t| owner_offset[t].map(|_| (first[t], last[t])))
            .collect(),
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
        let p = place_greedy(&buffers, 4);
        assert_eq!(p.offsets, vec![0, 8, 12]);
        assert_eq!(p.arena_bytes, 14);
        assert_eq!(p.lower_bound, 10);
        // The search finds a tighter order: 3 at 0, 2 at 4, 5 at 8.
        let p = place(&buffers, 4);
        assert_eq!(p.offsets, vec![8, 0, 4]);
        assert_eq!(p.arena_bytes, 13);
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
            custom_options: None,
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
        let plan = plan(&graph, &[relu(0, 1), relu(1, 2)], &[], &[]);
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
        let plan = plan(&graph, &[relu(0, 1), add], &[], &[]);
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
        let plan = plan(&graph, &[relu(0, 1), relu(1, 2)], &[], &[]);
        assert_eq!(plan.in_place, vec![true, false]);
        assert_ne!(plan.storage[1], plan.storage[2]);
    }

    #[test]
    fn empty_input_needs_no_arena() {
        let p = place(&[], 4);
        assert_eq!((p.arena_bytes, p.lower_bound), (0, 0));
    }

    // --- The quadratic planner this one replaced, as the reference ---------------------------

    /// The greedy placement scanning every placed buffer (the original `place`).
    fn reference_place(buffers: &[Buffer], alignment: usize) -> Placement {
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
        let end = buffers.iter().map(|b| b.last).max().unwrap_or(0);
        let lower_bound = (0..=end)
            .map(|t| {
                buffers
                    .iter()
                    .filter(|b| b.first <= t && t <= b.last)
                    .map(|b| b.size)
                    .sum()
            })
            .max()
            .unwrap_or(0);
        Placement {
            offsets,
            arena_bytes,
            lower_bound,
        }
    }

    /// The storage classes as the original `plan` built them: each in-place candidate scans every
    /// tensor for its class's last read.
    fn reference_classes(graph: &Graph, access: &[Access]) -> (Vec<usize>, Vec<bool>) {
        let count = graph.tensors.len();
        let mut last_read: Vec<Option<usize>> = vec![None; count];
        for (at, op) in graph.ops.iter().enumerate() {
            for &t in op.inputs.iter().flatten() {
                last_read[t] = Some(at);
            }
        }
        for &t in &graph.outputs {
            last_read[t] = Some(graph.ops.len());
        }
        let mut root: Vec<usize> = (0..count).collect();
        let mut in_place = vec![false; graph.ops.len()];
        for (at, access) in access.iter().enumerate() {
            match *access {
                Access::View { input, output } => root[output] = root[input],
                Access::Kernel { in_place: None } => {}
                Access::Kernel {
                    in_place: Some(InPlace { input, output }),
                } => {
                    let class = root[input];
                    let inputs: Vec<usize> =
                        graph.ops[at].inputs.iter().flatten().copied().collect();
                    let at_input = inputs.iter().position(|&t| t == input).unwrap();
                    let shared = inputs
                        .iter()
                        .enumerate()
                        .any(|(k, &t)| k != at_input && root[t] == class);
                    let class_last = (0..count)
                        .filter(|&t| root[t] == class)
                        .filter_map(|t| last_read[t])
                        .max();
                    if !shared && class_last == Some(at) && graph.tensors[class].data.is_none() {
                        root[output] = class;
                        in_place[at] = true;
                    }
                }
            }
        }
        (root, in_place)
    }

    /// The original `plan`: `reference_classes`, then the same liveness, `reference_place`.
    fn reference_plan(graph: &Graph, access: &[Access]) -> MemoryPlan {
        let count = graph.tensors.len();
        let is_constant = |t: usize| graph.tensors[t].data.is_some();
        let (root, in_place) = reference_classes(graph, access);
        let mut used = vec![false; count];
        let mut first = vec![usize::MAX; count];
        let mut last = vec![0; count];
        let inputs = graph.inputs.iter().map(|&t| (t, 0));
        let ops = graph.ops.iter().enumerate().flat_map(|(at, op)| {
            let tensors = op.inputs.iter().flatten().chain(&op.outputs);
            tensors.map(move |&t| (t, at))
        });
        let outputs = graph.outputs.iter().map(|&t| (t, graph.ops.len()));
        for (t, at) in inputs.chain(ops).chain(outputs) {
            used[t] = true;
            first[root[t]] = first[root[t]].min(at);
            last[root[t]] = last[root[t]].max(at);
        }
        let owners: Vec<usize> = (0..count)
            .filter(|&t| root[t] == t && first[t] != usize::MAX && !is_constant(t))
            .collect();
        let buffers: Vec<Buffer> = owners
            .iter()
            .map(|&t| buffer(graph.tensors[t].byte_len().unwrap(), first[t], last[t]))
            .collect();
        let placement = reference_place(&buffers, ALIGNMENT);
        let storage = (0..count)
            .map(|t| {
                let r = root[t];
                match owners.iter().position(|&o| o == r) {
                    _ if !used[t] => Storage::Unused,
                    _ if is_constant(r) => Storage::Constant(r),
                    Some(k) => Storage::Arena(placement.offsets[k]),
                    None => Storage::Unused,
                }
            })
            .collect();
        MemoryPlan {
            storage,
            in_place,
            scratch: vec![None; graph.ops.len()],
            arena_bytes: placement.arena_bytes,
            lower_bound: placement.lower_bound,
            overlap: vec![None; graph.ops.len()],
            alive: (0..count)
                .map(|t| owners.contains(&t).then(|| (first[t], last[t])))
                .collect(),
        }
    }

    /// A small deterministic generator (xorshift64).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn random_buffers(rng: &mut Rng) -> Vec<Buffer> {
        let count = rng.below(40);
        let span = 1 + rng.below(30);
        // Few distinct sizes make ties (the order's tie-breaks) common.
        let sizes: Vec<usize> = (0..1 + rng.below(6)).map(|_| rng.below(130)).collect();
        (0..count)
            .map(|_| {
                let first = rng.below(span);
                let size = if rng.below(3) == 0 {
                    rng.below(200)
                } else {
                    sizes[rng.below(sizes.len())]
                };
                let length = rng.below(span);
                buffer(size, first, first + rng.below(1 + length))
            })
            .collect()
    }

    #[test]
    fn placement_matches_the_quadratic_greedy() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for case in 0..5_000 {
            let buffers = random_buffers(&mut rng);
            let alignment = [1, 4, 8, 16][rng.below(4)];
            assert_eq!(
                place_greedy(&buffers, alignment),
                reference_place(&buffers, alignment),
                "case {case}: {buffers:?}, alignment {alignment}"
            );
        }
    }

    /// Whether `p` keeps every pair of buffers alive at a same time apart, except overlaps
    /// placed as allowed, inside its arena and aligned.
    fn valid(
        buffers: &[Buffer],
        overlaps: &[BufferOverlap],
        p: &Placement,
        alignment: usize,
    ) -> bool {
        let allowed = |i: usize, j: usize| {
            overlaps.iter().any(|o| {
                (o.input, o.output) == (i, j) && p.offsets[i] >= p.offsets[j] + o.gap
                    || (o.input, o.output) == (j, i) && p.offsets[j] >= p.offsets[i] + o.gap
            })
        };
        buffers.iter().enumerate().all(|(i, a)| {
            (a.size == 0
                || p.offsets[i].is_multiple_of(alignment) && p.offsets[i] + a.size <= p.arena_bytes)
                && buffers.iter().enumerate().skip(i + 1).all(|(j, b)| {
                    let (sa, sb) = (p.offsets[i], p.offsets[j]);
                    a.size == 0
                        || b.size == 0
                        || !a.overlaps_in_time(b)
                        || sa + a.size <= sb
                        || sb + b.size <= sa
                        || allowed(i, j)
                })
        })
    }

    #[test]
    fn search_is_valid_and_never_worse_than_greedy() {
        let mut rng = Rng(0x6A09_E667_F3BC_C908);
        let mut better = 0;
        for case in 0..2_000 {
            let buffers = random_buffers(&mut rng);
            let alignment = [1, 4, 8, 16][rng.below(4)];
            let greedy = place_greedy(&buffers, alignment);
            let p = place(&buffers, alignment);
            assert!(
                valid(&buffers, &[], &p, alignment),
                "case {case}: {buffers:?}"
            );
            assert!(p.arena_bytes <= greedy.arena_bytes, "case {case}");
            better += usize::from(p.arena_bytes < greedy.arena_bytes);
            // With overlaps: an output allowed into its op's dying input.
            let mut overlaps = Vec::new();
            for input in 0..buffers.len() {
                for output in 0..buffers.len() {
                    let dies_into = buffers[input].last == buffers[output].first;
                    if input != output && dies_into && rng.below(3) == 0 {
                        let gap = rng.below(1 + buffers[output].size);
                        overlaps.push(BufferOverlap { input, output, gap });
                    }
                }
            }
            let p = search(&buffers, &overlaps, alignment, greedy.clone());
            assert!(
                valid(&buffers, &overlaps, &p, alignment),
                "case {case}: {buffers:?} {overlaps:?} {p:?}"
            );
            assert!(p.arena_bytes <= greedy.arena_bytes, "case {case}");
        }
        assert!(
            better > 100,
            "the search rarely beats the greedy order ({better})"
        );
    }

    /// A random graph in op order: each op reads one to three earlier tensors (model inputs,
    /// constants, outputs of earlier ops) and writes a new one, as a view, a kernel, or a kernel
    /// that may overwrite one of its inputs.
    fn random_graph(rng: &mut Rng) -> (Graph<'static>, Vec<Access>) {
        let mut tensors = Vec::new();
        let mut inputs = Vec::new();
        let sizes = [4, 16, 16, 64];
        for _ in 0..1 + rng.below(3) {
            inputs.push(tensors.len());
            tensors.push(tensor(tensors.len(), sizes[rng.below(sizes.len())]));
        }
        for _ in 0..rng.below(3) {
            let mut c = tensor(tensors.len(), sizes[rng.below(sizes.len())]);
            c.data = Some(&[]);
            tensors.push(c);
        }
        let mut ops = Vec::new();
        let mut access = Vec::new();
        for at in 0..1 + rng.below(12) {
            let reads: Vec<usize> = (0..1 + rng.below(3))
                .map(|_| rng.below(tensors.len()))
                .collect();
            let output = tensors.len();
            let kind = rng.below(4);
            let len = if kind == 0 {
                sizes[rng.below(sizes.len())]
            } else {
                tensors[reads[0]].len()
            };
            tensors.push(tensor(output, len));
            access.push(match kind {
                0 => Access::Kernel { in_place: None },
                1 if reads.len() == 1 => Access::View {
                    input: reads[0],
                    output,
                },
                _ => {
                    let input = reads[rng.below(reads.len())];
                    tensors[output].shape = vec![tensors[input].len()];
                    Access::Kernel {
                        in_place: Some(InPlace { input, output }),
                    }
                }
            });
            ops.push(op(at, &reads, output));
        }
        let written = inputs.len()..tensors.len();
        let mut outputs = vec![tensors.len() - 1];
        for t in written {
            if tensors[t].data.is_none() && rng.below(5) == 0 && !outputs.contains(&t) {
                outputs.push(t);
            }
        }
        let graph = Graph {
            tensors,
            ops,
            inputs,
            outputs,
        };
        (graph, access)
    }

    #[test]
    fn plans_match_the_quadratic_reference() {
        let mut rng = Rng(0xD1B5_4A32_D192_ED03);
        let mut in_place_seen = 0;
        for case in 0..5_000 {
            let (graph, access) = random_graph(&mut rng);
            let greedy = plan_with(&graph, &access, &[], &[], |b, _, a| place_greedy(b, a));
            assert_eq!(
                greedy,
                reference_plan(&graph, &access),
                "case {case}: {access:?}"
            );
            // The search changes offsets only, never for a larger arena.
            let plan = plan(&graph, &access, &[], &[]);
            assert_eq!(plan.in_place, greedy.in_place, "case {case}");
            assert!(plan.arena_bytes <= greedy.arena_bytes, "case {case}");
            in_place_seen += plan.in_place.iter().filter(|&&p| p).count();
            assert!(plan.arena_bytes >= plan.lower_bound, "case {case}");
        }
        assert!(
            in_place_seen > 1_000,
            "the generator rarely runs ops in place"
        );
    }

    #[test]
    fn an_in_place_input_read_twice_by_the_op_is_not_overwritten() {
        // t1 = ADD(t0, t0): the second read shares the bytes the first would overwrite.
        let graph = Graph {
            tensors: vec![tensor(0, 16), tensor(1, 16)],
            ops: vec![op(0, &[0, 0], 1)],
            inputs: vec![0],
            outputs: vec![1],
        };
        let plan = plan(&graph, &[relu(0, 1)], &[], &[]);
        assert_eq!(plan.in_place, vec![false]);
        assert_eq!(plan.arena_bytes, 32);
    }

    #[test]
    fn an_in_place_input_sharing_a_class_with_any_other_input_is_not_overwritten() {
        // t1 = view(t0); t2 = CONCAT-like(t3, t1, t0) overwriting t0: t1 is t0's bytes.
        let graph = Graph {
            tensors: vec![tensor(0, 16), tensor(1, 16), tensor(2, 16), tensor(3, 16)],
            ops: vec![op(0, &[0], 1), op(1, &[3, 1, 0], 2)],
            inputs: vec![0, 3],
            outputs: vec![2],
        };
        let view = Access::View {
            input: 0,
            output: 1,
        };
        let plan = plan(&graph, &[view, relu(0, 2)], &[], &[]);
        assert_eq!(plan.in_place, vec![false, false]);
        assert_eq!(plan.storage[0], plan.storage[1]);
        assert_ne!(plan.storage[2], plan.storage[0]);
    }

    fn chain(ops: usize, in_place: bool) -> (Graph<'static>, Vec<Access>) {
        let graph = Graph {
            tensors: (0..=ops).map(|t| tensor(t, 16)).collect(),
            ops: (0..ops).map(|at| op(at, &[at], at + 1)).collect(),
            inputs: vec![0],
            outputs: vec![ops],
        };
        let access = (0..ops)
            .map(|at| match in_place {
                true => relu(at, at + 1),
                false => Access::Kernel { in_place: None },
            })
            .collect();
        (graph, access)
    }

    /// 100k ops: the quadratic planner took minutes on these (472 s on the in-place chain).
    #[test]
    fn long_chains_plan_quickly() {
        let (graph, access) = chain(100_000, true);
        let plan = plan(&graph, &access, &[], &[]);
        assert!(plan.in_place.iter().all(|&p| p));
        assert_eq!(plan.arena_bytes, 16);
        let (graph, access) = chain(100_000, false);
        let copies = super::plan(&graph, &access, &[], &[]);
        assert_eq!((copies.arena_bytes, copies.lower_bound), (32, 32));
    }

    /// 20k buffers alive at once: each placement skips one run, not 20k buffers.
    #[test]
    fn many_buffers_alive_at_once_place_quickly() {
        let buffers: Vec<Buffer> = (0..20_000).map(|i| buffer(4 + i % 7 * 4, 0, 1)).collect();
        let p = place(&buffers, 4);
        let total: usize = buffers.iter().map(|b| b.size).sum();
        assert_eq!((p.arena_bytes, p.lower_bound), (total, total));
    }
}

#[cfg(test)]
mod scratch_tests {
    use super::*;
    use crate::ir::{ElementType, Op, OpCode, Options, Tensor};

    #[test]
    fn a_scratch_buffer_lives_at_its_op_only() {
        // t0 -op0-> t1 -op1-> t2, op 0 with 40 bytes of scratch: the scratch may share bytes
        // with t2 (born after op 0) but with neither t0 nor t1.
        let tensor = |index: usize| Tensor {
            index,
            name: format!("t{index}"),
            element_type: ElementType::Int8,
            shape: vec![16],
            data: None,
            quantization: None,
            is_variable: false,
        };
        let op = |index: usize, input: usize, output: usize| Op {
            index,
            name: "CONV_2D".into(),
            code: OpCode::Builtin("CONV_2D"),
            options: Options::none(),
            custom_options: None,
            inputs: vec![Some(input)],
            outputs: vec![output],
        };
        let graph = Graph {
            tensors: (0..3).map(tensor).collect(),
            ops: vec![op(0, 0, 1), op(1, 1, 2)],
            inputs: vec![0],
            outputs: vec![2],
        };
        let kernel = Access::Kernel { in_place: None };
        let plan = plan(&graph, &[kernel.clone(), kernel], &[40, 0], &[]);
        let Some((scratch, 40)) = plan.scratch[0] else {
            panic!("op 0 has 40 bytes of scratch");
        };
        assert_eq!(plan.scratch[1], None);
        for t in [0, 1] {
            let Storage::Arena(offset) = plan.storage[t] else {
                panic!("tensor {t} in the arena");
            };
            assert!(
                scratch + 40 <= offset || offset + 16 <= scratch,
                "scratch overlaps t{t}"
            );
        }
        assert_eq!(plan.arena_bytes, 72);
    }
}
