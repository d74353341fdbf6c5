//! Per-layer timing: a hook that generated models call around each operator.

/// Called by a model's `invoke_profiled` before and after each operator that runs a kernel,
/// with the operator's index in the model and its TFLite name: time layers with a cycle
/// counter (on Cortex-M, `DWT::cycle_count()`), count them, or log them. `()` does nothing,
/// and `invoke` is `invoke_profiled(&mut ())`, so unused profiling costs nothing.
///
/// ```
/// /// Cycles per layer, from a free-running counter the firmware reads.
/// struct Layers<F: FnMut() -> u32> {
///     now: F,
///     started: u32,
///     cycles: [u32; 32],
/// }
///
/// impl<F: FnMut() -> u32> embedml::Profiler for Layers<F> {
///     fn begin(&mut self, _op: usize, _name: &'static str) {
///         self.started = (self.now)();
///     }
///     fn end(&mut self, op: usize, _name: &'static str) {
///         if let Some(c) = self.cycles.get_mut(op) {
///             *c = (self.now)().wrapping_sub(self.started);
///         }
///     }
/// }
/// ```
pub trait Profiler {
    /// Operator `op` (named `name`, e.g. `"CONV_2D"`) is about to run.
    fn begin(&mut self, op: usize, name: &'static str);
    /// Operator `op` has run.
    fn end(&mut self, op: usize, name: &'static str);
}

/// No profiling.
impl Profiler for () {
    #[inline(always)]
    fn begin(&mut self, _op: usize, _name: &'static str) {}
    #[inline(always)]
    fn end(&mut self, _op: usize, _name: &'static str) {}
}
