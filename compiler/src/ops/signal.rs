//! TFLM's signal library: the custom operators of its audio front end (micro_speech's feature
//! extractor as a model). Each checks what TFLM's `Prepare` checks, reads its options from the
//! flexbuffer map TFLM's `Init` reads (by the keys whose positions TFLM reads), and rejects with a
//! named error what would make TFLM read or write outside a tensor (TFLM trusts the model there).
//! SignalRfft's kissfft tables are computed here the way kissfft computes them when TFLM
//! prepares the operator; SignalFilterBankSpectralSubtraction's noise estimates are model state.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Constant, Slice, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::state::OperatorState;
use crate::tflite::CustomOptions;

use super::{Check, Lower, Operator};

/// A checked operator of TFLM's signal library.
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    /// SignalWindow.
    Window {
        /// Samples (int16, any shape).
        input: usize,
        /// The window (int16, rank 1), applied to each run of its length.
        weights: usize,
        /// Output.
        output: usize,
        /// Right shift of the products.
        shift: u32,
    },
    /// SignalFftAutoScale.
    FftAutoScale {
        /// Samples.
        input: usize,
        /// Scaled samples.
        output: usize,
        /// The shift applied (int32 scalar).
        scale_bits: usize,
    },
    /// SignalRfft (int16).
    Rfft {
        /// Samples: rows of `input_length`.
        input: usize,
        /// Spectra: rows of `fft_length + 2` (complex pairs).
        output: usize,
        /// Points of the FFT.
        fft_length: usize,
        /// Samples per row.
        input_length: usize,
    },
    /// SignalEnergy.
    Energy {
        /// Spectrum (int16 complex pairs).
        input: usize,
        /// Energies (uint32).
        output: usize,
        /// First bin computed.
        start_index: usize,
        /// One past the last.
        end_index: usize,
    },
    /// SignalFilterBank.
    FilterBank {
        /// Energies (uint32).
        input: usize,
        /// Channel sums (uint64).
        output: usize,
        /// Channels.
        num_channels: usize,
        /// Constant tables: weights, unweights, channel frequency starts, channel weight starts,
        /// channel widths.
        tables: [usize; 5],
    },
    /// SignalFilterBankSquareRoot.
    SquareRoot {
        /// Channel sums (uint64).
        input: usize,
        /// The FFT auto-scale's shift (int32 scalar).
        scale_bits: usize,
        /// Output (uint32).
        output: usize,
    },
    /// SignalFilterBankSpectralSubtraction.
    SpectralSubtraction {
        /// Channels (uint32).
        input: usize,
        /// Channels less the noise.
        output: usize,
        /// The noise estimates after this frame (a copy of the state).
        noise_estimate: usize,
        /// Channels.
        channels: usize,
        /// The kernel's parameters.
        params: kernel::SignalSpectralSubtraction,
    },
    /// SignalPCAN.
    Pcan {
        /// Channels (uint32).
        input: usize,
        /// Noise estimates (uint32).
        noise_estimate: usize,
        /// Gain curve (constant int16).
        gain_lut: usize,
        /// Output.
        output: usize,
        /// Right shift of `signal * gain`.
        snr_shift: u32,
    },
    /// SignalFilterBankLog.
    Log {
        /// Channels (uint32).
        input: usize,
        /// Log channels (int16).
        output: usize,
        /// Left shift before the log.
        input_correction_bits: u32,
        /// Scale of the log.
        output_scale: u32,
    },
}

/// PCAN's gain curve is indexed by the bit count of a uint32 noise estimate: 3 values at
/// `4 * bits - 6`, for up to 32 bits.
const PCAN_LUT_LEN: usize = 125;

/// Half-length complex FFTs embedml builds tables for: its digit-reversal table holds `u16`s.
const MAX_COMPLEX_POINTS: usize = 1 << 16;

impl Signal {
    /// The operator's one output, checked like TFLM's `NumOutputs(node) == 1`.
    fn counts(cx: &Check, inputs: usize, outputs: usize) -> Result<(), Error> {
        if cx.op.inputs.len() != inputs || cx.op.outputs.len() != outputs {
            return Err(cx.error(format!(
                "has {} input{} and {} output{}; it takes {inputs} and {outputs}",
                cx.op.inputs.len(),
                crate::tflite::plural(cx.op.inputs.len()),
                cx.op.outputs.len(),
                crate::tflite::plural(cx.op.outputs.len()),
            )));
        }
        Ok(())
    }
}

/// Tensor `t` must have type `ty` and, if given, rank `rank` (TFLM's `Prepare` checks).
fn typed(
    cx: &Check,
    t: usize,
    what: &str,
    ty: ElementType,
    rank: Option<usize>,
) -> Result<usize, Error> {
    let tensor = cx.tensor(t);
    if tensor.element_type != ty {
        return Err(cx.tensor_error(
            tensor,
            format!(
                "the {what} has type {}; it must be {}",
                tensor.element_type.name(),
                ty.name()
            ),
        ));
    }
    if let Some(rank) = rank
        && tensor.shape.len() != rank
    {
        return Err(cx.tensor_error(
            tensor,
            format!(
                "the {what} has shape {:?}; it must have rank {rank}",
                tensor.shape
            ),
        ));
    }
    Ok(t)
}

fn input(
    cx: &Check,
    i: usize,
    what: &str,
    ty: ElementType,
    rank: Option<usize>,
) -> Result<usize, Error> {
    typed(cx, cx.input(i, what)?, what, ty, rank)
}

fn output(
    cx: &Check,
    i: usize,
    what: &str,
    ty: ElementType,
    rank: Option<usize>,
) -> Result<usize, Error> {
    let t = cx
        .op
        .outputs
        .get(i)
        .copied()
        .ok_or_else(|| cx.error(format!("output {i} ({what}) is missing")))?;
    typed(cx, t, what, ty, rank)
}

/// The options, which must have exactly `keys` (TFLM reads them by position).
fn options(cx: &Check, keys: &[&str]) -> Result<CustomOptions, Error> {
    let options = cx.custom_options()?;
    options.expect_keys(keys).map_err(|e| cx.error(e))?;
    Ok(options)
}

/// Both tensors have `len` elements.
fn same_len(cx: &Check, a: usize, b: usize, what: &str) -> Result<(), Error> {
    let (x, y) = (cx.tensor(a), cx.tensor(b));
    if x.len() != y.len() {
        return Err(cx.error(format!(
            "{what}: shapes {:?} and {:?} have different sizes",
            x.shape, y.shape
        )));
    }
    Ok(())
}

/// A constant int16 table.
fn table(cx: &Check, t: usize, what: &str) -> Result<Vec<i16>, Error> {
    let tensor = cx.tensor(t);
    if tensor.data.is_none() {
        return Err(cx.tensor_error(
            tensor,
            format!("the {what} must be constant (embedml checks its indices at build time)"),
        ));
    }
    Ok(tensor.i16s())
}

impl Operator for Signal {
    const NAMES: &'static [&'static str] = &[];
    const CUSTOM_CODES: &'static [&'static str] = &[
        "SignalWindow",
        "SignalFftAutoScale",
        "SignalRfft",
        "SignalEnergy",
        "SignalFilterBank",
        "SignalFilterBankSquareRoot",
        "SignalFilterBankSpectralSubtraction",
        "SignalPCAN",
        "SignalFilterBankLog",
    ];

    fn check(cx: &Check) -> Result<Self, Error> {
        use ElementType::{Int16, Int32, UInt32, UInt64};
        let code = match &cx.op.code {
            crate::ir::OpCode::Custom(code) => code.as_str(),
            _ => "",
        };
        match code {
            "SignalWindow" => {
                let o = options(cx, &["shift"])?;
                let shift = o.int("shift", 0..=31).map_err(|e| cx.error(e))? as u32;
                Signal::counts(cx, 2, 1)?;
                let inp = input(cx, 0, "input", Int16, None)?;
                let weights = input(cx, 1, "window weights", Int16, Some(1))?;
                let out = output(cx, 0, "output", Int16, None)?;
                let (i, w, t) = (cx.tensor(inp), cx.tensor(weights), cx.tensor(out));
                if i.shape.is_empty() || i.shape.len() != t.shape.len() {
                    return Err(cx.error(format!(
                        "input {:?} and output {:?} must have one rank of at least 1",
                        i.shape, t.shape
                    )));
                }
                if i.len() % w.len() != 0 || i.len() != t.len() {
                    return Err(cx.error(format!(
                        "the input ({} values) must be runs of the window's {} and as large as the output ({}): TFLM windows whole runs",
                        i.len(),
                        w.len(),
                        t.len()
                    )));
                }
                Ok(Signal::Window {
                    input: inp,
                    weights,
                    output: out,
                    shift,
                })
            }
            "SignalFftAutoScale" => {
                Signal::counts(cx, 1, 2)?;
                let inp = input(cx, 0, "input", Int16, Some(1))?;
                let out = output(cx, 0, "output", Int16, Some(1))?;
                let scale_bits = output(cx, 1, "scale bits output", Int32, Some(0))?;
                same_len(cx, inp, out, "input and output")?;
                Ok(Signal::FftAutoScale {
                    input: inp,
                    output: out,
                    scale_bits,
                })
            }
            "SignalRfft" => {
                let o = options(cx, &["T", "fft_length"])?;
                let t = o
                    .int("T", i32::MIN as i64..=i32::MAX as i64)
                    .map_err(|e| cx.error(e))?;
                if crate::tflite::tensor_type_name(t) != Some("INT16") {
                    return Err(cx.error(format!(
                        "its custom option `T` is {t} ({}); embedml runs the INT16 RFFT only",
                        crate::tflite::tensor_type_name(t).unwrap_or("no tensor type")
                    )));
                }
                let fft_length = o
                    .int("fft_length", 4..=2 * MAX_COMPLEX_POINTS as i64)
                    .map_err(|e| cx.error(e))? as usize;
                Signal::counts(cx, 1, 1)?;
                let inp = input(cx, 0, "input", Int16, None)?;
                let out = output(cx, 0, "output", Int16, None)?;
                fft_stages(fft_length).map_err(|e| cx.error(e))?;
                let (i, t) = (cx.tensor(inp), cx.tensor(out));
                let (Some((&input_length, input_rows)), Some((&output_length, output_rows))) =
                    (i.shape.split_last(), t.shape.split_last())
                else {
                    return Err(cx.error("the input and output must have rank at least 1"));
                };
                if input_rows != output_rows
                    || input_length > fft_length
                    || output_length != fft_length + 2
                {
                    return Err(cx.error(format!(
                        "input {:?} and output {:?} do not fit an FFT of {fft_length}: the output's last dimension must be {} (complex bins) and the input's at most {fft_length}, with the same leading dimensions",
                        i.shape,
                        t.shape,
                        fft_length + 2
                    )));
                }
                Ok(Signal::Rfft {
                    input: inp,
                    output: out,
                    fft_length,
                    input_length,
                })
            }
            "SignalEnergy" => {
                let o = options(cx, &["end_index", "start_index"])?;
                Signal::counts(cx, 1, 1)?;
                let inp = input(cx, 0, "input", Int16, Some(1))?;
                let out = output(cx, 0, "output", UInt32, Some(1))?;
                let bins = (cx.tensor(inp).len() / 2).min(cx.tensor(out).len());
                let start_index = o
                    .int("start_index", 0..=bins as i64)
                    .map_err(|e| cx.error(e))? as usize;
                let end_index = o
                    .int("end_index", 0..=bins as i64)
                    .map_err(|e| cx.error(e))? as usize;
                Ok(Signal::Energy {
                    input: inp,
                    output: out,
                    start_index,
                    end_index,
                })
            }
            "SignalFilterBank" => {
                let o = options(cx, &["num_channels"])?;
                let num_channels = o
                    .int("num_channels", 1..=i16::MAX as i64)
                    .map_err(|e| cx.error(e))? as usize;
                Signal::counts(cx, 6, 1)?;
                let inp = input(cx, 0, "input", UInt32, Some(1))?;
                let names = [
                    "weights",
                    "unweights",
                    "channel frequency starts",
                    "channel weight starts",
                    "channel widths",
                ];
                let mut tables = [0; 5];
                for (k, what) in names.iter().enumerate() {
                    tables[k] = input(cx, k + 1, what, Int16, Some(1))?;
                }
                let out = output(cx, 0, "output", UInt64, Some(1))?;
                let [w, u, freq, starts, widths] =
                    [0, 1, 2, 3, 4].map(|k| table(cx, tables[k], names[k]));
                let (w, u, freq, starts, widths) = (w?, u?, freq?, starts?, widths?);
                if freq.len().min(starts.len()).min(widths.len()) <= num_channels {
                    return Err(cx.error(format!(
                        "the channel tables must have num_channels + 1 = {} entries",
                        num_channels + 1
                    )));
                }
                let energies = cx.tensor(inp).len();
                for c in 0..=num_channels {
                    let width = i64::from(widths[c]);
                    if width <= 0 {
                        continue;
                    }
                    let (f, s) = (i64::from(freq[c]), i64::from(starts[c]));
                    if f < 0
                        || f + width > energies as i64
                        || s < 0
                        || s + width > w.len().min(u.len()) as i64
                    {
                        return Err(cx.error(format!(
                            "channel {c} reads energies {f}..{} and weights {s}..{}, outside the {energies} energies or {} weights",
                            f + width,
                            s + width,
                            w.len().min(u.len())
                        )));
                    }
                }
                if cx.tensor(out).len() > num_channels {
                    return Err(cx.error(format!(
                        "the output has {} values; the filter bank makes num_channels = {num_channels}",
                        cx.tensor(out).len()
                    )));
                }
                Ok(Signal::FilterBank {
                    input: inp,
                    output: out,
                    num_channels,
                    tables,
                })
            }
            "SignalFilterBankSquareRoot" => {
                Signal::counts(cx, 2, 1)?;
                let inp = input(cx, 0, "input", UInt64, Some(1))?;
                let scale_bits = input(cx, 1, "scale bits", Int32, Some(0))?;
                let out = output(cx, 0, "output", UInt32, Some(1))?;
                same_len(cx, inp, out, "input and output")?;
                Ok(Signal::SquareRoot {
                    input: inp,
                    scale_bits,
                    output: out,
                })
            }
            "SignalFilterBankSpectralSubtraction" => {
                let o = options(
                    cx,
                    &[
                        "alternate_one_minus_smoothing",
                        "alternate_smoothing",
                        "clamping",
                        "min_signal_remaining",
                        "num_channels",
                        "one_minus_smoothing",
                        "smoothing",
                        "smoothing_bits",
                        "spectral_subtraction_bits",
                    ],
                )?;
                let any = i32::MIN as i64..=i32::MAX as i64;
                // TFLM keeps these as uint32_t: an int32 reads as its two's complement bits.
                let word = |key: &str| {
                    o.int(key, any.clone())
                        .map(|v| v as u32)
                        .map_err(|e| cx.error(e))
                };
                let params = kernel::SignalSpectralSubtraction {
                    smoothing: word("smoothing")?,
                    one_minus_smoothing: word("one_minus_smoothing")?,
                    alternate_smoothing: word("alternate_smoothing")?,
                    alternate_one_minus_smoothing: word("alternate_one_minus_smoothing")?,
                    min_signal_remaining: word("min_signal_remaining")?,
                    smoothing_bits: o.int("smoothing_bits", 0..=31).map_err(|e| cx.error(e))?
                        as u32,
                    spectral_subtraction_bits: o
                        .int("spectral_subtraction_bits", 0..=63)
                        .map_err(|e| cx.error(e))?
                        as u32,
                    clamping: o.bool("clamping").map_err(|e| cx.error(e))?,
                };
                let channels = o
                    .int("num_channels", 1..=i32::MAX as i64)
                    .map_err(|e| cx.error(e))? as usize;
                Signal::counts(cx, 1, 2)?;
                let inp = input(cx, 0, "input", UInt32, Some(1))?;
                let out = output(cx, 0, "output", UInt32, Some(1))?;
                let noise_estimate = output(cx, 1, "noise estimate", UInt32, Some(1))?;
                for t in [inp, out, noise_estimate] {
                    if cx.tensor(t).len() != channels {
                        return Err(cx.tensor_error(
                            cx.tensor(t),
                            format!(
                                "has {} values; num_channels is {channels}",
                                cx.tensor(t).len()
                            ),
                        ));
                    }
                }
                Ok(Signal::SpectralSubtraction {
                    input: inp,
                    output: out,
                    noise_estimate,
                    channels,
                    params,
                })
            }
            "SignalPCAN" => {
                let o = options(cx, &["snr_shift"])?;
                let snr_shift = o.int("snr_shift", 0..=63).map_err(|e| cx.error(e))? as u32;
                Signal::counts(cx, 3, 1)?;
                let inp = input(cx, 0, "input", UInt32, Some(1))?;
                let noise_estimate = input(cx, 1, "noise estimate", UInt32, Some(1))?;
                let gain_lut = input(cx, 2, "gain table", Int16, Some(1))?;
                let out = output(cx, 0, "output", UInt32, Some(1))?;
                same_len(cx, inp, noise_estimate, "input and noise estimate")?;
                same_len(cx, inp, out, "input and output")?;
                if table(cx, gain_lut, "gain table")?.len() < PCAN_LUT_LEN {
                    return Err(cx.tensor_error(
                        cx.tensor(gain_lut),
                        format!(
                            "the gain table has {} values; TFLM reads up to {PCAN_LUT_LEN} (3 per bit of a noise estimate)",
                            cx.tensor(gain_lut).len()
                        ),
                    ));
                }
                Ok(Signal::Pcan {
                    input: inp,
                    noise_estimate,
                    gain_lut,
                    output: out,
                    snr_shift,
                })
            }
            "SignalFilterBankLog" => {
                let o = options(cx, &["input_correction_bits", "output_scale"])?;
                let input_correction_bits = o
                    .int("input_correction_bits", 0..=31)
                    .map_err(|e| cx.error(e))? as u32;
                let output_scale = o
                    .int("output_scale", i32::MIN as i64..=i32::MAX as i64)
                    .map_err(|e| cx.error(e))? as u32;
                Signal::counts(cx, 1, 1)?;
                let inp = input(cx, 0, "input", UInt32, Some(1))?;
                let out = output(cx, 0, "output", Int16, Some(1))?;
                same_len(cx, inp, out, "input and output")?;
                Ok(Signal::Log {
                    input: inp,
                    output: out,
                    input_correction_bits,
                    output_scale,
                })
            }
            other => Err(cx.error(format!(
                "{other} is not a signal operator (a bug in embedml)"
            ))),
        }
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn scratch_bytes(&self) -> usize {
        match self {
            // The half-length complex FFT: fft_length / 2 int16 pairs.
            Signal::Rfft { fft_length, .. } => fft_length * 2,
            _ => 0,
        }
    }

    fn state(&self) -> Vec<OperatorState> {
        match self {
            // TFLM's Prepare and Reset zero the estimates.
            Signal::SpectralSubtraction { channels, .. } => vec![OperatorState {
                what: "noise estimates (SignalFilterBankSpectralSubtraction)",
                element: ElementType::UInt32,
                len: *channels,
                reset: vec![0; channels * 4],
            }],
            _ => Vec::new(),
        }
    }

    fn lower(&self, _: &Lower) -> Result<Option<KernelCall>, Error> {
        Ok(None)
    }

    fn lower_calls(&self, cx: &Lower) -> Result<Vec<KernelCall>, Error> {
        let no = kernel::NoParams {};
        let calls = match *self {
            Signal::Window {
                input,
                weights,
                output,
                shift,
            } => cx.call(
                &kernels::signal_window,
                kernel::SignalWindow { shift },
                &[input, weights],
                output,
            )?,
            Signal::FftAutoScale {
                input,
                output,
                scale_bits,
            } => {
                // Two kernels, one per output, each finding the shift from the input.
                let mut calls: Vec<KernelCall> = Vec::new();
                calls.extend(cx.call(
                    &kernels::signal_fft_auto_scale,
                    no.clone(),
                    &[input],
                    output,
                )?);
                calls.extend(cx.call(
                    &kernels::signal_fft_auto_scale_bits,
                    no,
                    &[input],
                    scale_bits,
                )?);
                return Ok(calls);
            }
            Signal::Rfft {
                input,
                output,
                fft_length,
                input_length,
            } => {
                let tables = rfft_tables(fft_length).map_err(|e| cx.error(e))?;
                let params = kernel::SignalRfftI16 {
                    input_length,
                    output_length: fft_length + 2,
                    twiddles: Slice(tables.twiddles),
                    super_twiddles: Slice(tables.super_twiddles),
                    stages: Slice(tables.stages),
                    order: Slice(tables.order),
                };
                cx.call_with_scratch(&kernels::signal_rfft_i16, params, &[input], output)?
            }
            Signal::Energy {
                input,
                output,
                start_index,
                end_index,
            } => cx.call(
                &kernels::signal_energy,
                kernel::SignalEnergy {
                    start_index,
                    end_index,
                },
                &[input],
                output,
            )?,
            Signal::FilterBank {
                input,
                output,
                num_channels,
                tables,
            } => {
                let [weights, unweights, freq, starts, widths] = tables.map(|t| {
                    // A view's constant is its source's bytes.
                    match cx.plan.storage[t] {
                        crate::plan::Storage::Constant(source) => Constant::new(source),
                        _ => Constant::new(t),
                    }
                });
                let params = kernel::SignalFilterBank {
                    num_channels,
                    weights,
                    unweights,
                    channel_frequency_starts: freq,
                    channel_weight_starts: starts,
                    channel_widths: widths,
                };
                cx.call(&kernels::signal_filter_bank, params, &[input], output)?
            }
            Signal::SquareRoot {
                input,
                scale_bits,
                output,
            } => cx.call(
                &kernels::signal_filter_bank_square_root,
                no,
                &[input, scale_bits],
                output,
            )?,
            Signal::SpectralSubtraction {
                input,
                output,
                noise_estimate,
                ref params,
                ..
            } => {
                let slots = cx.state.operator_slots(cx.op.index);
                let mut calls: Vec<KernelCall> = Vec::new();
                calls.extend(cx.call_with_state(
                    &kernels::signal_spectral_subtraction,
                    params.clone(),
                    &[input],
                    output,
                    &slots,
                )?);
                // The second output is the estimates after this frame, as TFLM copies them.
                calls.extend(cx.call_with_state(
                    &kernels::read_variable_u32,
                    no,
                    &[],
                    noise_estimate,
                    &slots,
                )?);
                return Ok(calls);
            }
            Signal::Pcan {
                input,
                noise_estimate,
                gain_lut,
                output,
                snr_shift,
            } => {
                let gain_lut = match cx.plan.storage[gain_lut] {
                    crate::plan::Storage::Constant(source) => Constant::new(source),
                    _ => Constant::new(gain_lut),
                };
                cx.call(
                    &kernels::signal_pcan,
                    kernel::SignalPcan {
                        snr_shift,
                        gain_lut,
                    },
                    &[input, noise_estimate],
                    output,
                )?
            }
            Signal::Log {
                input,
                output,
                input_correction_bits,
                output_scale,
            } => cx.call(
                &kernels::signal_filter_bank_log,
                kernel::SignalFilterBankLog {
                    input_correction_bits,
                    output_scale,
                },
                &[input],
                output,
            )?,
        };
        Ok(calls.into_iter().collect())
    }
}

/// kissfft's stages for a complex FFT of `fft_length / 2` points (its `kf_factor`): radix 4
/// while it divides, then 2, then odd factors, `(radix, points left)` each. TFLM's build of
/// kissfft has no scratch memory for radices above 5 (its generic butterfly's), so such lengths
/// are refused, as are odd ones (kissfft's real FFT needs an even length).
fn fft_stages(fft_length: usize) -> Result<Vec<[usize; 2]>, String> {
    if !fft_length.is_multiple_of(2) || fft_length < 4 {
        return Err(format!(
            "its fft_length is {fft_length}; kissfft's real FFT needs an even length of at least 4"
        ));
    }
    let mut n = fft_length / 2;
    let floor_sqrt = (n as f64).sqrt().floor() as usize;
    let mut p = 4;
    let mut stages = Vec::new();
    loop {
        while !n.is_multiple_of(p) {
            p = match p {
                4 => 2,
                2 => 3,
                _ => p + 2,
            };
            if p > floor_sqrt {
                p = n;
            }
        }
        n /= p;
        stages.push([p, n]);
        if n <= 1 {
            break;
        }
    }
    if let Some([bad, _]) = stages.iter().find(|[p, _]| !(2..=5).contains(p)) {
        return Err(format!(
            "its fft_length {fft_length} makes kissfft use a radix-{bad} stage, which TFLM's build of kissfft cannot run (it has no memory for it); use a length whose half has no prime factor above 5"
        ));
    }
    Ok(stages)
}

/// The tables of [`kernel::SignalRfftI16`].
struct RfftTables {
    twiddles: Vec<[i16; 2]>,
    super_twiddles: Vec<[i16; 2]>,
    stages: Vec<[usize; 2]>,
    order: Vec<u16>,
}

/// kissfft's fixed-point twiddle: `floor(0.5 + 32767 * cos/sin(phase))`, in double precision.
fn q15_cexp(phase: f64) -> [i16; 2] {
    let q = |x: f64| (0.5 + 32767.0 * x).floor() as i16;
    [q(phase.cos()), q(phase.sin())]
}

/// The tables kissfft computes in `kiss_fftr_alloc` for an FFT of `fft_length` (TFLM's
/// `RfftInt16Init`), and the input order of its recursion.
fn rfft_tables(fft_length: usize) -> Result<RfftTables, String> {
    let stages = fft_stages(fft_length)?;
    let n = fft_length / 2;
    let pi = std::f64::consts::PI;
    // The same double arithmetic as kissfft: -2 * pi * i / n, and -pi * ((i + 1) / n + 0.5).
    let twiddles = (0..n)
        .map(|i| q15_cexp(-2.0 * pi * i as f64 / n as f64))
        .collect();
    let super_twiddles = (0..n / 2)
        .map(|i| q15_cexp(-pi * ((i + 1) as f64 / n as f64 + 0.5)))
        .collect();
    // Output point `j = sum(k_s * m_s)` of the recursion starts from input point
    // `sum(k_s * fstride_s)`, `fstride_s` the product of the radices before stage `s`.
    let mut order = vec![0u16; n];
    for (j, slot) in order.iter_mut().enumerate() {
        let (mut rest, mut fstride, mut from) = (j, 1usize, 0usize);
        for &[p, m] in &stages {
            let digit = rest / m;
            rest %= m;
            from += digit * fstride;
            fstride *= p;
        }
        *slot =
            u16::try_from(from).map_err(|_| format!("its fft_length {fft_length} is too large"))?;
    }
    Ok(RfftTables {
        twiddles,
        super_twiddles,
        stages,
        order,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kissfft_factors() {
        assert_eq!(fft_stages(512), Ok(vec![[4, 64], [4, 16], [4, 4], [4, 1]]));
        assert_eq!(fft_stages(480), Ok(vec![[4, 60], [4, 15], [3, 5], [5, 1]]));
        assert_eq!(fft_stages(4), Ok(vec![[2, 1]]));
        assert!(fft_stages(14).unwrap_err().contains("radix-7"));
        assert!(fft_stages(7).is_err());
        assert!(fft_stages(2).is_err());
    }

    #[test]
    fn order_is_a_permutation() {
        for len in [4, 8, 12, 30, 480, 512] {
            let t = rfft_tables(len).unwrap();
            let mut seen = t.order.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..len as u16 / 2).collect::<Vec<_>>(), "{len}");
        }
        // Radix 4 then 2 over 8 points: output 2k + d starts from input k + 4d.
        assert_eq!(rfft_tables(16).unwrap().order, [0, 4, 1, 5, 2, 6, 3, 7]);
    }
}
