//! Offset assignment by search, for graphs of the size real models have: first-fit placement
//! in several orders, then a seeded local search over the order, keeping the smallest arena.
//!
//! Greedy first-fit in one fixed order (largest buffer first) fragments on some graphs: on
//! MobileNetV1 0.25 VWW it ends 17 % above the no-overlap bound, which other orders reach. The
//! search also knows [`Overlap`]s: pairs of buffers that may share bytes because a kernel reads
//! its dying input ahead of writing its output.

use super::{Buffer, Placement};

/// Buffers up to which the search over placement orders runs (real models have tens to hundreds); larger graphs keep
/// the near-linear greedy placement.
pub const SEARCH_LIMIT: usize = 2_000;

/// Neighbour visits one search may spend (a first-fit pass visits each buffer's neighbours
/// once), so that a search costs at most a few milliseconds on every graph, even in the debug
/// build of the proc macro.
const WORK: usize = 2_000_000;

/// Placements of the local search at most, and without improvement before it stops.
const TRIES: usize = 600;
const PATIENCE: usize = 200;

/// A dying input and a new output of one op that may overlap: the kernel reads the input ahead
/// of writing the output so that the output may start up to `gap` bytes before the input.
/// Placed together only as `offset(input) >= offset(output) + gap` (or apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overlap {
    /// The input's buffer (its last op is the op).
    pub input: usize,
    /// The output's buffer (its first op is the op).
    pub output: usize,
    /// Bytes the input must start after the output's start.
    pub gap: usize,
}

/// A buffer placed before the one being placed, alive at some same time, and how close they may
/// come.
#[derive(Clone, Copy)]
enum Neighbour {
    /// Apart.
    Apart(usize),
    /// The neighbour is the op's dying input, the buffer its output: the buffer may start up to
    /// `gap` before the neighbour.
    InputAbove(usize, usize),
    /// The neighbour is the op's output, the buffer its dying input: the buffer may start `gap`
    /// or more after the neighbour.
    OutputBelow(usize, usize),
}

/// The buffers alive at a same time as each buffer, with how they may meet.
fn neighbours(buffers: &[Buffer], overlaps: &[Overlap]) -> Vec<Vec<Neighbour>> {
    let n = buffers.len();
    let mut by_first: Vec<usize> = (0..n).filter(|&i| buffers[i].size > 0).collect();
    by_first.sort_by_key(|&i| buffers[i].first);
    let mut out = vec![Vec::new(); n];
    for (k, &i) in by_first.iter().enumerate() {
        for &j in &by_first[k + 1..] {
            if buffers[j].first > buffers[i].last {
                break;
            }
            out[i].push(Neighbour::Apart(j));
            out[j].push(Neighbour::Apart(i));
        }
    }
    for o in overlaps {
        let (input, output) = (o.input, o.output);
        if input >= n || output >= n {
            continue;
        }
        for entry in &mut out[output] {
            if matches!(*entry, Neighbour::Apart(j) if j == input) {
                *entry = Neighbour::InputAbove(input, o.gap);
            }
        }
        for entry in &mut out[input] {
            if matches!(*entry, Neighbour::Apart(j) if j == output) {
                *entry = Neighbour::OutputBelow(output, o.gap);
            }
        }
    }
    out
}

/// First-fit in `order`: each buffer at the lowest aligned offset its placed neighbours allow.
/// Returns the offsets and the arena's size.
fn first_fit(
    buffers: &[Buffer],
    neighbours: &[Vec<Neighbour>],
    order: &[usize],
    alignment: usize,
    forbidden: &mut Vec<(i64, i64)>,
) -> (Vec<usize>, usize) {
    let mut offsets = vec![usize::MAX; buffers.len()];
    let mut arena = 0usize;
    for &i in order {
        let size = buffers[i].size;
        if size == 0 {
            offsets[i] = 0;
            continue;
        }
        forbidden.clear();
        let s = size as i64;
        for n in &neighbours[i] {
            let (j, rule) = match *n {
                Neighbour::Apart(j) => (j, None),
                Neighbour::InputAbove(j, gap) => (j, Some((true, gap))),
                Neighbour::OutputBelow(j, gap) => (j, Some((false, gap))),
            };
            if offsets[j] == usize::MAX {
                continue;
            }
            let (at, len) = (offsets[j] as i64, buffers[j].size as i64);
            // Offsets `o` in `[lo, hi)` make the two byte ranges intersect.
            let (mut lo, mut hi) = (at - s + 1, at + len);
            match rule {
                // Allowed if `o + gap <= at`.
                Some((true, gap)) => lo = lo.max(at - gap as i64 + 1),
                // Allowed if `o >= at + gap`.
                Some((false, gap)) => hi = hi.min(at + gap as i64),
                None => {}
            }
            if lo < hi {
                forbidden.push((lo, hi));
            }
        }
        forbidden.sort_unstable();
        let mut o = 0i64;
        for &(lo, hi) in forbidden.iter() {
            if lo <= o && o < hi {
                o = (hi as usize).next_multiple_of(alignment) as i64;
            }
        }
        offsets[i] = o as usize;
        arena = arena.max(o as usize + size);
    }
    (offsets, arena)
}

/// A small deterministic generator (xorshift64), so that a model always gets the same plan.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// The smallest placement found, `start` (the greedy one) included: first-fit in five orders,
/// then moves of one buffer to another place in the best order, kept when the arena does not
/// grow, until the arena reaches the lower bound, [`PATIENCE`] moves bring nothing better, or
/// the budget ([`WORK`], [`TRIES`]) is spent. Every placement keeps each pair of buffers alive at a same time apart, except an
/// [`Overlap`] placed as it allows.
pub fn search(
    buffers: &[Buffer],
    overlaps: &[Overlap],
    alignment: usize,
    start: Placement,
) -> Placement {
    let n = buffers.len();
    let neighbours = neighbours(buffers, overlaps);
    let mut forbidden = Vec::new();
    let lifetime = |b: &Buffer| (b.last - b.first + 1) as u128;
    let mut orders: Vec<Vec<usize>> = Vec::new();
    let mut by = |key: &dyn Fn(usize) -> (u128, usize, usize)| {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| key(i));
        orders.push(order);
    };
    let rev = |v: usize| u128::MAX - v as u128;
    by(&|i| (rev(buffers[i].size), buffers[i].first, i));
    by(&|i| (buffers[i].first as u128, usize::MAX - buffers[i].size, i));
    by(&|i| (rev(buffers[i].last), usize::MAX - buffers[i].size, i));
    by(&|i| {
        let b = &buffers[i];
        (u128::MAX - b.size as u128 * lifetime(b), b.first, i)
    });
    // Most neighbours first: the buffers at the most crowded times.
    by(&|i| (rev(neighbours[i].len()), usize::MAX - buffers[i].size, i));
    let mut best = (start.offsets.clone(), start.arena_bytes);
    let mut best_order = orders[0].clone();
    for order in &orders {
        let (offsets, arena) = first_fit(buffers, &neighbours, order, alignment, &mut forbidden);
        if arena < best.1 {
            best = (offsets, arena);
            best_order = order.clone();
        }
    }
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let visits: usize = neighbours.iter().map(Vec::len).sum::<usize>() + n;
    let tries = (WORK / visits.max(1)).min(TRIES);
    let mut current = best_order;
    let mut current_arena = first_fit(buffers, &neighbours, &current, alignment, &mut forbidden).1;
    let mut since_better = 0;
    for _ in 0..tries {
        if n < 2 || since_better > PATIENCE || best.1 <= start.lower_bound && overlaps.is_empty() {
            break;
        }
        since_better += 1;
        let (from, to) = (rng.below(n), rng.below(n));
        let mut order = current.clone();
        let moved = order.remove(from);
        order.insert(to, moved);
        let (offsets, arena) = first_fit(buffers, &neighbours, &order, alignment, &mut forbidden);
        if arena <= current_arena {
            current = order;
            current_arena = arena;
            if arena < best.1 {
                best = (offsets, arena);
                since_better = 0;
            }
        }
    }
    Placement {
        offsets: best.0,
        arena_bytes: best.1,
        lower_bound: start.lower_bound,
    }
}
