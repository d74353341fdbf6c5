//! Items only generated code may use. Not part of the public API: they may change at any time.
//!
//! Generated code contains no `unsafe`. It hands each kernel call its operands through the
//! checked views here: an operand set (`Op1`, `Op2`, ...) can only be made by its `const fn new`,
//! which proves that every operand lies inside the arena, is aligned for its element type, fits
//! the target's address space, and that the output overlaps none of the operands the call reads
//! (or, in place, is exactly the one it overwrites). Generated code makes every operand set a
//! `const` item, so a planner bug fails the build of the user's crate with a message naming the
//! operator, instead of becoming undefined behaviour. The arena methods that turn a proven set
//! into slices are the only `unsafe` code, and rely on nothing else.

use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr;

/// Element types a tensor view may have: every bit pattern is a valid value.
///
/// # Safety
/// Implementors must be plain integers or floats with no invalid bit patterns and no padding.
pub unsafe trait Element: Copy {}
// SAFETY: plain numbers; every bit pattern is a value.
unsafe impl Element for u8 {}
// SAFETY: as above.
unsafe impl Element for i8 {}
// SAFETY: as above.
unsafe impl Element for i16 {}
// SAFETY: as above.
unsafe impl Element for i32 {}
// SAFETY: as above.
unsafe impl Element for f32 {}
// SAFETY: as above.
unsafe impl Element for u32 {}
// SAFETY: as above.
unsafe impl Element for u64 {}

/// Fails const evaluation with `"{op}: {problem}"` (a panic at run time, if ever called there).
const fn fail(op: &str, problem: &str) -> ! {
    let mut message = [0u8; 256];
    let mut len = 0;
    let parts = [op, ": ", problem];
    let mut part = 0;
    while part < parts.len() {
        let bytes = parts[part].as_bytes();
        let mut i = 0;
        while i < bytes.len() && len < message.len() {
            message[len] = bytes[i];
            len += 1;
            i += 1;
        }
        part += 1;
    }
    let (message, _) = message.split_at(len);
    match core::str::from_utf8(message) {
        Ok(message) => panic!("{}", message),
        // Cut inside a character: say the problem alone.
        Err(_) => panic!("{}", problem),
    }
}

/// A byte count or offset of the memory plan, as `usize`: fails const evaluation if it does not
/// fit this target's address space (a 32-bit target rejects what a 64-bit host accepts).
pub const fn plan_bytes(what: &str, value: u64) -> usize {
    if value > isize::MAX as u64 {
        fail(
            what,
            "the memory plan does not fit this target's address space (a model this large cannot run here)",
        )
    }
    value as usize
}

/// `len` elements of type `T` at byte `offset` of the arena, as the memory plan placed them
/// (unchecked until an operand set proves it).
pub struct Span<T> {
    offset: u64,
    len: u64,
    _element: PhantomData<fn() -> T>,
}

impl<T> Clone for Span<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Span<T> {}

impl<T: Element> Span<T> {
    /// The span of `len` elements at byte `offset`.
    pub const fn new(offset: u64, len: u64) -> Self {
        Span {
            offset,
            len,
            _element: PhantomData,
        }
    }

    /// Byte range `[start, end)` after proving it aligned, inside an `arena`-byte arena and
    /// inside the address space.
    const fn prove(self, op: &str, arena: usize) -> Proven<T> {
        let Some(bytes) = self.len.checked_mul(size_of::<T>() as u64) else {
            fail(op, "an operand's size overflows")
        };
        let Some(end) = self.offset.checked_add(bytes) else {
            fail(op, "an operand's end overflows")
        };
        if end > isize::MAX as u64 {
            fail(
                op,
                "an operand does not fit this target's address space (a model this large cannot run here)",
            )
        }
        if end > arena as u64 {
            fail(
                op,
                "an operand lies outside the arena (the memory plan is unsound: a bug in embedml)",
            )
        }
        if !self.offset.is_multiple_of(align_of::<T>() as u64) {
            fail(
                op,
                "an operand is misaligned for its element type (a bug in embedml)",
            )
        }
        Proven {
            offset: self.offset as usize,
            len: self.len as usize,
            end: end as usize,
            _element: PhantomData,
        }
    }
}

/// A span proven to lie inside the arena, aligned.
struct Proven<T> {
    offset: usize,
    len: usize,
    end: usize,
    _element: PhantomData<fn() -> T>,
}

impl<T> Clone for Proven<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Proven<T> {}

impl<T> Proven<T> {
    /// Fails unless the output `write` and this operand share no byte.
    const fn apart_from<O>(self, op: &str, write: Proven<O>) -> Self {
        let empty = self.offset == self.end || write.offset == write.end;
        if !empty && self.offset < write.end && write.offset < self.end {
            fail(
                op,
                "its output overlaps an operand it reads (the memory plan is unsound: a bug in embedml)",
            )
        }
        self
    }
}

/// Operands of a call whose inputs are all constants: the output alone.
pub struct Op0<const N: usize, O> {
    write: Proven<O>,
}

impl<const N: usize, O: Element> Op0<N, O> {
    /// Proves the output inside the arena; `op` names the operator in the error.
    pub const fn new(op: &str, write: Span<O>) -> Self {
        Op0 {
            write: write.prove(op, N),
        }
    }
}

/// Operands of a call that reads one tensor of the arena.
pub struct Op1<const N: usize, A, O> {
    read: Proven<A>,
    write: Proven<O>,
}

impl<const N: usize, A: Element, O: Element> Op1<N, A, O> {
    /// Proves both inside the arena and apart; `op` names the operator in the error.
    pub const fn new(op: &str, read: Span<A>, write: Span<O>) -> Self {
        let write = write.prove(op, N);
        Op1 {
            read: read.prove(op, N).apart_from(op, write),
            write,
        }
    }
}

/// Operands of a call that reads one tensor of the arena and works in a scratch buffer.
pub struct Op1Scratch<const N: usize, A, O, S> {
    read: Proven<A>,
    write: Proven<O>,
    scratch: Proven<S>,
}

impl<const N: usize, A: Element, O: Element, S: Element> Op1Scratch<N, A, O, S> {
    /// Proves all three inside the arena and pairwise apart.
    pub const fn new(op: &str, read: Span<A>, write: Span<O>, scratch: Span<S>) -> Self {
        let write = write.prove(op, N);
        let scratch = scratch.prove(op, N).apart_from(op, write);
        Op1Scratch {
            read: read
                .prove(op, N)
                .apart_from(op, write)
                .apart_from(op, scratch),
            write,
            scratch,
        }
    }
}

/// Operands of a call that reads no arena tensor and works in a scratch buffer (a further call
/// of an operator with several outputs, reading what its first call left in the scratch).
pub struct Op0Scratch<const N: usize, O, S> {
    write: Proven<O>,
    scratch: Proven<S>,
}

impl<const N: usize, O: Element, S: Element> Op0Scratch<N, O, S> {
    /// Proves both inside the arena and apart.
    pub const fn new(op: &str, write: Span<O>, scratch: Span<S>) -> Self {
        let write = write.prove(op, N);
        Op0Scratch {
            scratch: scratch.prove(op, N).apart_from(op, write),
            write,
        }
    }
}

/// Operands of a call that reads two tensors of the arena and works in a scratch buffer.
pub struct Op2Scratch<const N: usize, A, B, O, S> {
    read1: Proven<A>,
    read2: Proven<B>,
    write: Proven<O>,
    scratch: Proven<S>,
}

impl<const N: usize, A: Element, B: Element, O: Element, S: Element> Op2Scratch<N, A, B, O, S> {
    /// Proves all four inside the arena, the output and the scratch apart from everything.
    pub const fn new(
        op: &str,
        read1: Span<A>,
        read2: Span<B>,
        write: Span<O>,
        scratch: Span<S>,
    ) -> Self {
        let write = write.prove(op, N);
        let scratch = scratch.prove(op, N).apart_from(op, write);
        Op2Scratch {
            read1: read1
                .prove(op, N)
                .apart_from(op, write)
                .apart_from(op, scratch),
            read2: read2
                .prove(op, N)
                .apart_from(op, write)
                .apart_from(op, scratch),
            write,
            scratch,
        }
    }
}

/// Operands of a call whose output may overlap the one arena tensor it reads (a kernel's shared
/// form, such as [`conv2d_i8_pointwise_shared`](crate::kernels::conv2d_i8_pointwise_shared)),
/// with a scratch buffer: the kernel gets one slice spanning both and their places in it.
pub struct Overlap1Scratch<const N: usize, T, S> {
    /// The bytes spanning the input and the output.
    region: Proven<T>,
    /// `[input start, input length, output start, output length]` in `region`, in elements.
    places: [usize; 4],
    scratch: Proven<S>,
}

impl<const N: usize, T: Element, S: Element> Overlap1Scratch<N, T, S> {
    /// Proves the three inside the arena, the scratch apart from both others, and the input and
    /// output either apart or the input starting at least `gap` elements after the output (the
    /// kernel's gap function for these parameters: it reads ahead of its writes by that much).
    pub const fn new(
        op: &str,
        read: Span<T>,
        write: Span<T>,
        scratch: Span<S>,
        gap: usize,
    ) -> Self {
        let (read, write) = (read.prove(op, N), write.prove(op, N));
        let scratch = scratch
            .prove(op, N)
            .apart_from(op, write)
            .apart_from(op, read);
        let (region, places) = overlap_region(op, read, write, gap);
        Overlap1Scratch {
            region,
            places,
            scratch,
        }
    }
}

/// Operands of a call whose output may overlap the one arena tensor it reads, without scratch
/// (a kernel's shared form, such as
/// [`depthwise_conv2d_i8_shared`](crate::kernels::depthwise_conv2d_i8_shared)): one slice
/// spanning both and their places in it.
pub struct Overlap1<const N: usize, T> {
    region: Proven<T>,
    places: [usize; 4],
}

impl<const N: usize, T: Element> Overlap1<N, T> {
    /// Proves both inside the arena, and apart or the input starting at least `gap` elements
    /// after the output (see [`Overlap1Scratch::new`]).
    pub const fn new(op: &str, read: Span<T>, write: Span<T>, gap: usize) -> Self {
        let (region, places) = overlap_region(op, read.prove(op, N), write.prove(op, N), gap);
        Overlap1 { region, places }
    }
}

/// The region spanning an input and an output proven inside the arena, and their places in it
/// (`[input start, input length, output start, output length]` in elements), after proving them
/// apart or the input at least `gap` elements after the output.
const fn overlap_region<T>(
    op: &str,
    read: Proven<T>,
    write: Proven<T>,
    gap: usize,
) -> (Proven<T>, [usize; 4]) {
    let apart = read.offset == read.end
        || write.offset == write.end
        || read.end <= write.offset
        || write.end <= read.offset;
    let Some(gap_bytes) = gap.checked_mul(size_of::<T>()) else {
        fail(op, "its overlap gap overflows (a bug in embedml)")
    };
    if !apart && read.offset < write.offset.saturating_add(gap_bytes) {
        fail(
            op,
            "its output overlaps its input closer than the kernel reads ahead (the memory plan is unsound: a bug in embedml)",
        )
    }
    let start = if read.offset < write.offset {
        read.offset
    } else {
        write.offset
    };
    let end = if read.end > write.end {
        read.end
    } else {
        write.end
    };
    let element = size_of::<T>();
    let region = Proven {
        offset: start,
        len: (end - start) / element,
        end,
        _element: PhantomData,
    };
    let places = [
        (read.offset - start) / element,
        read.len,
        (write.offset - start) / element,
        write.len,
    ];
    (region, places)
}

/// Operands of a call that reads two tensors of the arena (they may be the same).
pub struct Op2<const N: usize, A, B, O> {
    read1: Proven<A>,
    read2: Proven<B>,
    write: Proven<O>,
}

impl<const N: usize, A: Element, B: Element, O: Element> Op2<N, A, B, O> {
    /// Proves all three inside the arena and the output apart from both inputs.
    pub const fn new(op: &str, read1: Span<A>, read2: Span<B>, write: Span<O>) -> Self {
        let write = write.prove(op, N);
        Op2 {
            read1: read1.prove(op, N).apart_from(op, write),
            read2: read2.prove(op, N).apart_from(op, write),
            write,
        }
    }
}

/// Operands of a call that reads three arena tensors (SELECT_V2: a condition and two value
/// tensors).
pub struct Op3<const N: usize, A, B, C, O> {
    read1: Proven<A>,
    read2: Proven<B>,
    read3: Proven<C>,
    write: Proven<O>,
}

impl<const N: usize, A: Element, B: Element, C: Element, O: Element> Op3<N, A, B, C, O> {
    /// Proves all four inside the arena and the output apart from every input.
    pub const fn new(
        op: &str,
        read1: Span<A>,
        read2: Span<B>,
        read3: Span<C>,
        write: Span<O>,
    ) -> Self {
        let write = write.prove(op, N);
        Op3 {
            read1: read1.prove(op, N).apart_from(op, write),
            read2: read2.prove(op, N).apart_from(op, write),
            read3: read3.prove(op, N).apart_from(op, write),
            write,
        }
    }
}

/// Operands of a call that reads `K` tensors of one type from the arena (CONCATENATION).
pub struct OpMany<const N: usize, T, O, const K: usize> {
    reads: [Proven<T>; K],
    write: Proven<O>,
}

impl<const N: usize, T: Element, O: Element, const K: usize> OpMany<N, T, O, K> {
    /// Proves every operand inside the arena and the output apart from every input.
    pub const fn new(op: &str, reads: [Span<T>; K], write: Span<O>) -> Self {
        let write = write.prove(op, N);
        let empty = Proven {
            offset: 0,
            len: 0,
            end: 0,
            _element: PhantomData,
        };
        let mut proven = [empty; K];
        let mut i = 0;
        while i < K {
            proven[i] = reads[i].prove(op, N).apart_from(op, write);
            i += 1;
        }
        OpMany {
            reads: proven,
            write,
        }
    }
}

/// Operands of a call that overwrites its one arena input with its output.
pub struct InPlace0<const N: usize, T> {
    data: Proven<T>,
}

impl<const N: usize, T: Element> InPlace0<N, T> {
    /// Proves the overwritten tensor inside the arena.
    pub const fn new(op: &str, data: Span<T>) -> Self {
        InPlace0 {
            data: data.prove(op, N),
        }
    }
}

/// Operands of a call that overwrites its first input and reads one more arena tensor.
pub struct InPlace1<const N: usize, T, B> {
    data: Proven<T>,
    read: Proven<B>,
}

impl<const N: usize, T: Element, B: Element> InPlace1<N, T, B> {
    /// Proves both inside the arena and apart.
    pub const fn new(op: &str, data: Span<T>, read: Span<B>) -> Self {
        let data = data.prove(op, N);
        InPlace1 {
            read: read.prove(op, N).apart_from(op, data),
            data,
        }
    }
}

/// The activation arena: one block of `N` bytes, aligned for every element type.
///
/// Models compiled by [`include_model!`](crate::include_model) keep one each, or borrow one per
/// call (`invoke_in`, `input_mut_in`, `output_in`), so that several models run in turn share one
/// arena sized for the largest ([`arena_bytes_for`](crate::arena_bytes_for)):
///
/// ```ignore
/// embedml::include_model!(Kws, "models/kws.tflite");
/// embedml::include_model!(Vww, "models/vww.tflite");
///
/// const SHARED: usize = embedml::arena_bytes_for(&[Kws::ARENA_BYTES, Vww::ARENA_BYTES]);
///
/// // One arena for both, in a static (never a stack temporary: arenas are large).
/// fn run(arena: &mut embedml::Arena<SHARED>) {
///     Kws::input_mut_in(arena).fill(0);
///     Kws::invoke_in(arena);
///     let _ = Kws::output_in(arena);
///     Vww::invoke_in(arena); // reuses the same bytes
/// }
/// ```
///
/// A model's calls need an arena of at least its `ARENA_BYTES`; a smaller one is a compile
/// error. The arena keeps nothing between calls of different models: a model's inputs are
/// written before its `invoke_in`, its outputs read before another model runs.
#[repr(C, align(16))]
pub struct Arena<const N: usize>([u8; N]);

/// The arena size that serves every model of `sizes` (their `ARENA_BYTES`): the largest. For
/// [`Arena`]s shared by models that run in turn.
pub const fn arena_bytes_for(sizes: &[usize]) -> usize {
    let mut largest = 0;
    let mut i = 0;
    while i < sizes.len() {
        if sizes[i] > largest {
            largest = sizes[i];
        }
        i += 1;
    }
    largest
}

/// A shared slice of a proven span.
///
/// # Safety
/// `span` must lie inside the `N`-byte block at `base`, aligned, and no mutable view may
/// overlap it while the slice lives.
#[inline(always)]
unsafe fn slice<'a, T>(base: *const u8, span: Proven<T>) -> &'a [T] {
    // SAFETY: the caller's contract. A raw slice pointer, not `from_raw_parts`, so that debug
    // builds add no precondition check (and no panic path) for what the proof already showed.
    unsafe { &*ptr::slice_from_raw_parts(base.wrapping_add(span.offset).cast::<T>(), span.len) }
}

/// A mutable slice of a proven span.
///
/// # Safety
/// As for [`slice`], and no other view may overlap it while it lives.
#[inline(always)]
unsafe fn slice_mut<'a, T>(base: *mut u8, span: Proven<T>) -> &'a mut [T] {
    // SAFETY: the caller's contract.
    unsafe {
        &mut *ptr::slice_from_raw_parts_mut(base.wrapping_add(span.offset).cast::<T>(), span.len)
    }
}

impl<const N: usize> Arena<N> {
    /// A zeroed arena; `const` so it (or a model holding it) can live in a `static`.
    pub const fn new() -> Self {
        Arena([0; N])
    }

    /// Its first `K` bytes as an arena of `K` bytes (a model's own size, in a shared arena of
    /// `N`). A compile error if `K > N`.
    #[doc(hidden)]
    #[inline(always)]
    pub fn prefix_mut<const K: usize>(&mut self) -> &mut Arena<K> {
        const {
            assert!(
                K <= N,
                "the arena is smaller than the model's ARENA_BYTES: size it with embedml::arena_bytes_for"
            )
        };
        // SAFETY: `Arena` is `repr(C, align(16))` around its bytes, so an `Arena<K>` at the same
        // address has the same alignment, and its `K <= N` bytes (and its padding up to a
        // multiple of 16, at most `Arena<N>`'s size) lie inside `self`; the unique borrow passes
        // to the result.
        unsafe { &mut *(self as *mut Self).cast::<Arena<K>>() }
    }

    /// Its first `K` bytes as an arena of `K` bytes, shared (see [`Arena::prefix_mut`]).
    #[doc(hidden)]
    #[inline(always)]
    pub fn prefix<const K: usize>(&self) -> &Arena<K> {
        const {
            assert!(
                K <= N,
                "the arena is smaller than the model's ARENA_BYTES: size it with embedml::arena_bytes_for"
            )
        };
        // SAFETY: as for `prefix_mut`, shared.
        unsafe { &*(self as *const Self).cast::<Arena<K>>() }
    }

    /// The output of a call whose inputs are constants.
    #[doc(hidden)]
    #[inline(always)]
    pub fn op0<O: Element>(&mut self, operands: &Op0<N, O>) -> &mut [O] {
        // SAFETY: `Op0::new` proved the span inside this `N`-byte arena and aligned; `&mut self`
        // makes it the only view.
        unsafe { slice_mut(self.0.as_mut_ptr(), operands.write) }
    }

    /// The input and output of a call reading one arena tensor.
    #[doc(hidden)]
    #[inline(always)]
    pub fn op1<A: Element, O: Element>(&mut self, operands: &Op1<N, A, O>) -> (&[A], &mut [O]) {
        let base = self.0.as_mut_ptr();
        // SAFETY: `Op1::new` proved both spans inside this `N`-byte arena, aligned, and apart;
        // `&mut self` makes them the only views.
        unsafe { (slice(base, operands.read), slice_mut(base, operands.write)) }
    }

    /// The input, output and scratch buffer of a call reading one arena tensor.
    #[doc(hidden)]
    #[inline(always)]
    pub fn op1_scratch<A: Element, O: Element, S: Element>(
        &mut self,
        operands: &Op1Scratch<N, A, O, S>,
    ) -> (&[A], &mut [O], &mut [S]) {
        let base = self.0.as_mut_ptr();
        // SAFETY: `Op1Scratch::new` proved the three spans inside this `N`-byte arena, aligned,
        // and pairwise apart; `&mut self` makes them the only views.
        unsafe {
            (
                slice(base, operands.read),
                slice_mut(base, operands.write),
                slice_mut(base, operands.scratch),
            )
        }
    }

    /// The output and scratch buffer of a call reading no arena tensor.
    #[doc(hidden)]
    #[inline(always)]
    pub fn op0_scratch<O: Element, S: Element>(
        &mut self,
        operands: &Op0Scratch<N, O, S>,
    ) -> (&mut [O], &mut [S]) {
        let base = self.0.as_mut_ptr();
        // SAFETY: `Op0Scratch::new` proved both spans inside this `N`-byte arena, aligned, and
        // apart; `&mut self` makes them the only views.
        unsafe {
            (
                slice_mut(base, operands.write),
                slice_mut(base, operands.scratch),
            )
        }
    }

    /// The inputs, output and scratch buffer of a call reading two arena tensors.
    #[doc(hidden)]
    #[inline(always)]
    #[allow(clippy::type_complexity)]
    pub fn op2_scratch<A: Element, B: Element, O: Element, S: Element>(
        &mut self,
        operands: &Op2Scratch<N, A, B, O, S>,
    ) -> (&[A], &[B], &mut [O], &mut [S]) {
        let base = self.0.as_mut_ptr();
        // SAFETY: `Op2Scratch::new` proved the four spans inside this `N`-byte arena and
        // aligned, the output and the scratch apart from each other and from both inputs (the
        // inputs, only read, may overlap); `&mut self` makes them the only views.
        unsafe {
            (
                slice(base, operands.read1),
                slice(base, operands.read2),
                slice_mut(base, operands.write),
                slice_mut(base, operands.scratch),
            )
        }
    }

    /// The region spanning the input and output of a call whose output may overlap its
    /// input, and their places in it.
    #[doc(hidden)]
    #[inline(always)]
    pub fn overlap1<T: Element>(&mut self, operands: &Overlap1<N, T>) -> (&mut [T], [usize; 4]) {
        // SAFETY: `Overlap1::new` proved the region inside this `N`-byte arena and aligned (the
        // union of two proven spans); `&mut self` makes it the only view.
        unsafe {
            (
                slice_mut(self.0.as_mut_ptr(), operands.region),
                operands.places,
            )
        }
    }

    /// The region spanning the input and output of a call whose output may overlap its
    /// input, their places in it, and its scratch buffer.
    #[doc(hidden)]
    #[inline(always)]
    pub fn overlap1_scratch<T: Element, S: Element>(
        &mut self,
        operands: &Overlap1Scratch<N, T, S>,
    ) -> (&mut [T], [usize; 4], &mut [S]) {
        let base = self.0.as_mut_ptr();
        // SAFETY: `Overlap1Scratch::new` proved the region and the scratch inside this `N`-byte
        // arena, aligned, and apart (the region is the union of two proven spans, aligned for
        // `T` at the lower one's start); `&mut self` makes them the only views.
        unsafe {
            (
                slice_mut(base, operands.region),
                operands.places,
                slice_mut(base, operands.scratch),
            )
        }
    }

    /// The inputs and output of a call reading two arena tensors.
    #[doc(hidden)]
    #[inline(always)]
    pub fn op2<A: Element, B: Element, O: Element>(
        &mut self,
        operands: &Op2<N, A, B, O>,
    ) -> (&[A], &[B], &mut [O]) {
        let base = self.0.as_mut_ptr();
        // SAFETY: `Op2::new` proved every span inside the arena and aligned, and the output apart
        // from both inputs (which only share bytes with each other, both shared).
        unsafe {
            (
                slice(base, operands.read1),
                slice(base, operands.read2),
                slice_mut(base, operands.write),
            )
        }
    }

    /// The inputs and output of a call reading three arena tensors.
    #[doc(hidden)]
    #[inline(always)]
    pub fn op3<A: Element, B: Element, C: Element, O: Element>(
        &mut self,
        operands: &Op3<N, A, B, C, O>,
    ) -> (&[A], &[B], &[C], &mut [O]) {
        let base = self.0.as_mut_ptr();
        // SAFETY: `Op3::new` proved every span inside the arena and aligned, and the output apart
        // from every input (which only share bytes with each other, all shared).
        unsafe {
            (
                slice(base, operands.read1),
                slice(base, operands.read2),
                slice(base, operands.read3),
                slice_mut(base, operands.write),
            )
        }
    }

    /// The inputs and output of a call reading `K` arena tensors of one type.
    #[doc(hidden)]
    #[inline(always)]
    pub fn op_many<T: Element, O: Element, const K: usize>(
        &mut self,
        operands: &OpMany<N, T, O, K>,
    ) -> ([&[T]; K], &mut [O]) {
        let base = self.0.as_mut_ptr();
        // SAFETY: `OpMany::new` proved every span inside the arena and aligned, and the output
        // apart from every input.
        let reads = operands.reads.map(|read| unsafe { slice(base, read) });
        // SAFETY: as above.
        (reads, unsafe { slice_mut(base, operands.write) })
    }

    /// The tensor an in-place call overwrites.
    #[doc(hidden)]
    #[inline(always)]
    pub fn in_place0<T: Element>(&mut self, operands: &InPlace0<N, T>) -> &mut [T] {
        // SAFETY: `InPlace0::new` proved the span inside the arena and aligned.
        unsafe { slice_mut(self.0.as_mut_ptr(), operands.data) }
    }

    /// The tensor an in-place call overwrites, and its other arena input.
    #[doc(hidden)]
    #[inline(always)]
    pub fn in_place1<T: Element, B: Element>(
        &mut self,
        operands: &InPlace1<N, T, B>,
    ) -> (&mut [T], &[B]) {
        let base = self.0.as_mut_ptr();
        // SAFETY: `InPlace1::new` proved both spans inside the arena, aligned, and apart.
        unsafe { (slice_mut(base, operands.data), slice(base, operands.read)) }
    }

    /// `LEN` elements at byte `OFFSET`; bounds and alignment are checked at compile time.
    #[doc(hidden)]
    pub fn array<T: Element, const OFFSET: usize, const LEN: usize>(&self) -> &[T; LEN] {
        const { check_view::<T>(N, OFFSET, LEN) };
        // SAFETY: in bounds and aligned (checked above); any bit pattern is a valid `T`.
        unsafe { &*(self.0.as_ptr().add(OFFSET) as *const [T; LEN]) }
    }

    /// `LEN` elements at byte `OFFSET`, mutable; bounds and alignment are checked at compile time.
    #[doc(hidden)]
    pub fn array_mut<T: Element, const OFFSET: usize, const LEN: usize>(
        &mut self,
    ) -> &mut [T; LEN] {
        const { check_view::<T>(N, OFFSET, LEN) };
        // SAFETY: as in `array`, and `&mut self` makes the view unique.
        unsafe { &mut *(self.0.as_mut_ptr().add(OFFSET) as *mut [T; LEN]) }
    }

    /// `LEN` bytes at byte `OFFSET`; bounds are checked at compile time, so no panic path.
    #[doc(hidden)]
    pub fn bytes<const OFFSET: usize, const LEN: usize>(&self) -> &[u8] {
        self.array::<u8, OFFSET, LEN>()
    }

    /// `LEN` bytes at byte `OFFSET`, mutable; bounds are checked at compile time.
    #[doc(hidden)]
    pub fn bytes_mut<const OFFSET: usize, const LEN: usize>(&mut self) -> &mut [u8] {
        self.array_mut::<u8, OFFSET, LEN>()
    }
}

impl<const N: usize> Default for Arena<N> {
    fn default() -> Self {
        Self::new()
    }
}

const fn check_view<T>(arena_bytes: usize, offset: usize, len: usize) {
    assert!(
        offset.is_multiple_of(align_of::<T>()),
        "tensor view is misaligned"
    );
    let Some(bytes) = len.checked_mul(size_of::<T>()) else {
        panic!("tensor view is too large")
    };
    let Some(end) = offset.checked_add(bytes) else {
        panic!("tensor view is too large")
    };
    assert!(end <= arena_bytes, "tensor view is outside the arena");
}

/// A constant tensor's bytes in flash (little-endian elements, as in the `.tflite` file),
/// aligned for every element type.
#[repr(C, align(16))]
pub struct Constant<const N: usize>(pub [u8; N]);

/// A constant tensor as a slice of its element type.
///
/// Fails const evaluation if `N` is not a whole number of elements.
pub const fn constant<T: Element, const N: usize>(data: &'static Constant<N>) -> &'static [T] {
    assert!(
        N.is_multiple_of(size_of::<T>()),
        "constant data is not a whole number of elements"
    );
    // SAFETY: `Constant` is aligned for every element type, its `N` bytes hold `N / size` whole
    // elements, any bit pattern is a valid `T`, and the data is immutable for `'static`.
    unsafe { core::slice::from_raw_parts(data.0.as_ptr().cast::<T>(), N / size_of::<T>()) }
}
