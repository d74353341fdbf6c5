#!/usr/bin/env python3
"""Formats BENCHMARKS.md from the measurements scripts/bench.sh collected in --work.

Not meant to be run alone: bench.sh builds the firmware, runs count.sh, nm, size and cargo bloat,
and leaves their outputs in the work directory as <tool>.<profile>.<binary>.
"""
import argparse
import os
import re
import sys

PROFILE_NAMES = {
    "release": 'embedml, opt-level "s"',
    "release-o3": "embedml, opt-level 3",
}


def die(msg):
    print(f"bench.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        die(f"{path}: {e}")


def parse_count(text, where):
    """count.sh's text output: firmware line, size, region count, repeatability."""
    fw = re.search(r"^\[fw\] (\S+): arena (\d+) B, stack (\d+) B, .*: match$", text, re.M)
    size = re.search(r"^size: text=(\d+) data=(\d+) bss=(\d+)", text, re.M)
    regions = re.findall(r"^region \d+: insns=(\d+)$", text, re.M)
    repeat = re.search(r"^repeatability: (\d+) runs, identical=(\w+)", text, re.M)
    if not (fw and size and len(regions) == 1 and repeat and repeat.group(2) == "True"):
        die(f"unexpected count.sh output for {where}:\n{text}")
    return {
        "arena": int(fw.group(2)),
        "stack": int(fw.group(3)),
        "text": int(size.group(1)),
        "data": int(size.group(2)),
        "bss": int(size.group(3)),
        "insns": int(regions[0]),
    }


def parse_nm(text):
    """(weights, golden): bytes of the model's weights (its constant tensors, `TENSOR_n`, and the
    weights re-laid out for the fast kernels, `WEIGHTS_n`) and of the golden test vectors."""
    weights = golden = 0
    for line in text.splitlines():
        parts = line.split(None, 3)
        if len(parts) < 4:
            continue
        size, name = int(parts[1], 16), parts[3]
        if "::__embedml_Model::TENSOR_" in name or "::__embedml_Model::WEIGHTS_" in name:
            weights += size
        elif name in ("GOLDEN_INPUT", "GOLDEN_OUTPUT"):
            golden += size
    return weights, golden


def parse_sections(text):
    sections = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    return sections


# The MLPerf Tiny table of anchors.md names its models by benchmark ("KWS: DS-CNN, input
# 49x10x1"); the firmware binaries that run them (tests/models/mlperf/).
MLPERF_ANCHORS = {
    "KWS": "kws_ds_cnn",
    "VWW": "vww_mobilenet_v1",
    "IC": "ic_resnet8",
    "AD": "ad_fc_autoencoder",
}
MLPERF_LABELS = {model: label for label, model in MLPERF_ANCHORS.items()}


def parse_anchors(text):
    """The Cortex-M4F tables of anchors.md (the one of the TFLM example models and the MLPerf
    Tiny one): {model: {"reference": {...}, "CMSIS-NN": {...}}}. "arena" (the smallest arena that
    works) is None where a table does not give it (the MLPerf one gives arena_used only)."""
    lines = text.splitlines()
    starts = [i for i, l in enumerate(lines) if l.startswith("| model | kernels | code bytes")]
    if not starts:
        die("anchors: no Cortex-M4F table (| model | kernels | code bytes ...)")
    out = {}
    for start in starts:
        header = [c.strip() for c in lines[start].strip("|").split("|")]
        model = None
        for line in lines[start + 2:]:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            row = dict(zip(header, cells))
            if row["model"]:
                label = row["model"].split(":")[0]
                model = MLPERF_ANCHORS.get(label, row["model"])
            num = lambda key: int(row[key].replace(",", "")) if key in row else None
            out.setdefault(model, {})[row["kernels"]] = {
                "code": num("code bytes"),
                "arena_used": num("arena_used_bytes (32-bit)"),
                "arena": num("smallest arena that works"),
                "insns": num("instructions / inference"),
            }
    missing = [m for m in MLPERF_ANCHORS.values() if m not in out]
    if missing:
        die(f"anchors: no MLPerf Tiny rows for {', '.join(missing)}")
    empty = re.search(r"an empty firmware is ([\d,]+) B of text", text)
    return out, int(empty.group(1).replace(",", "")) if empty else None


def tflite_path(root, model):
    """The model file: tests/models/, or tests/models/mlperf/ for the MLPerf Tiny models."""
    folder = ("tests", "models", "mlperf") if model in MLPERF_LABELS else ("tests", "models")
    return os.path.join(root, *folder, f"{model}.tflite")


def tflm_arena(t):
    """TFLM's arena for the tables: the smallest that works, else (MLPerf) its arena_used."""
    return t["arena"] if t["arena"] is not None else t["arena_used"]


def n(x):
    return f"{x:,}"


def ratio(a, b):
    return f"{a / b:.1f}x" if b else "-"


def mlperf_section(p, mlperf, results, anchors, profiles, root):
    """The MLPerf Tiny table: embedml against TFLM with CMSIS-NN, the speed bar."""
    first, last = profiles[0], profiles[-1]
    p("## MLPerf Tiny")
    p("")
    p("The four MLPerf Tiny v1.x reference architectures (`tests/models/mlperf/`, built by")
    p("`tests/tools/make_mlperf_models.py` with random weights: speed and memory depend on the")
    p("shapes only), beside TFLM's figures for the reference models on the same counter")
    p("(`../shared/anchors.md`, MLPerf section). Ratios are TFLM / embedml: above 1.0x embedml")
    p("needs fewer instructions, less arena or less code.")
    p("")
    p(f"| benchmark | model | instructions: {PROFILE_NAMES[first]} | {PROFILE_NAMES[last]} "
      f"| TFLM CMSIS-NN | TFLM CMSIS-NN / embedml, \"s\" | TFLM CMSIS-NN / embedml, 3 "
      f"| TFLM reference / embedml, \"s\" | ARENA_BYTES | TFLM arena_used (CMSIS-NN) "
      f"| arena: TFLM / embedml | code bytes, \"s\" | code bytes, 3 | TFLM CMSIS-NN code "
      f"| code: TFLM CMSIS-NN / embedml, \"s\" |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model in mlperf:
        r, r3 = results[(first, model)], results[(last, model)]
        ref, cmsis = anchors[model]["reference"], anchors[model]["CMSIS-NN"]
        p(f"| {MLPERF_LABELS[model]} | {model} | {n(r['insns'])} | {n(r3['insns'])} "
          f"| {n(cmsis['insns'])} | {ratio(cmsis['insns'], r['insns'])} "
          f"| {ratio(cmsis['insns'], r3['insns'])} | {ratio(ref['insns'], r['insns'])} "
          f"| {n(r['arena'])} | {n(cmsis['arena_used'])} | {ratio(cmsis['arena_used'], r['arena'])} "
          f"| {n(r['code'])} | {n(r3['code'])} | {n(cmsis['code'])} | {ratio(cmsis['code'], r['code'])} |")
    p("")
    p("- ARENA_BYTES is the same at both opt-levels (the compiler plans it). TFLM's arena_used")
    p("  includes its tensor structs, op data and per-channel multipliers; its smallest working")
    p("  arena, a little larger, is not in the anchors for these models.")
    p("- Code bytes as in the first table (firmware text − weights − golden vectors − empty")
    p("  firmware), i.e. machine code plus compile-time constants (per-channel multipliers, shifts,")
    p("  folded biases); TFLM's is its firmware text minus the model bytes.")
    p("- The models here are the reference architectures, not the published files: the converter of")
    p("  today leaves out the published KWS, VWW and IC models' RESHAPE before FULLY_CONNECTED (see")
    p("  `tests/models/mlperf/NOTICE.md`); nothing else that the shapes decide differs.")
    p("")


# The regions of examples/firmware/src/bin/kernel_classes.rs, in order: (label, work units,
# unit name). Regions 5 and 6 (1x1 convolutions with 4 and 8 input channels) are combined.
KERNEL_CLASSES = [
    ("1x1 CONV_2D, 24x24x32 -> 32", 24 * 24 * 32 * 32, "MAC"),
    ("3x3 CONV_2D, 16x16x16 -> 16, SAME", 16 * 16 * 16 * 144, "MAC"),
    ("3x3 DEPTHWISE_CONV_2D, 24x24x64, SAME", 24 * 24 * 64 * 9, "MAC"),
    ("FULLY_CONNECTED, 640 -> 128", 640 * 128, "MAC"),
]
CLASS_OUTPUTS = 24 * 24 * 32
ADD_ELEMENTS = 16 * 16 * 32


def parse_regions(text, where, count):
    regions = [int(r) for r in re.findall(r"^region \d+: insns=(\d+)$", text, re.M)]
    repeat = re.search(r"^repeatability: (\d+) runs, identical=(\w+)", text, re.M)
    if len(regions) != count or not (repeat and repeat.group(2) == "True"):
        die(f"unexpected count.sh output for {where}:\n{text}")
    return regions


def kernel_class_section(p, work, profiles):
    """Instructions per multiply-accumulate (and per output, per element) by kernel class."""
    per = {prof: parse_regions(read(os.path.join(work, f"count.{prof}.kernel_classes")),
                               f"kernel_classes ({prof})", 7) for prof in profiles}
    p("## Per kernel class")
    p("")
    p("`examples/firmware/src/bin/kernel_classes.rs` calls the kernel `include_model!` chooses for")
    p("each class once, on a representative layer, between its own pair of bench markers (all work")
    p("of the call counted: im2col, loops, requantization, stores). Instructions per unit of work:")
    p("")
    head = " | ".join(f"opt-level {PROFILE_NAMES[prof].split()[-1]}" for prof in profiles)
    p(f"| class | work | {head} |")
    p("|---|---:|" + "---:|" * len(profiles))
    for i, (label, units, unit) in enumerate(KERNEL_CLASSES):
        cells = " | ".join(f"{per[prof][i] / units:.2f} instr/{unit}" for prof in profiles)
        p(f"| {label} | {n(units)} {unit}s | {cells} |")
    slope = {prof: (per[prof][5] - per[prof][4]) / (CLASS_OUTPUTS * 4) for prof in profiles}
    fixed = {prof: (per[prof][4] - (per[prof][5] - per[prof][4])) / CLASS_OUTPUTS for prof in profiles}
    cells = " | ".join(f"{slope[prof]:.2f} instr/MAC" for prof in profiles)
    p(f"| 1x1 CONV_2D MAC loop: 8 against 4 input channels, 24x24 -> 32 | {n(CLASS_OUTPUTS * 4)} MACs | {cells} |")
    cells = " | ".join(f"{fixed[prof]:.1f} instr/output" for prof in profiles)
    p(f"| convolution epilogue: the rest of an output (requantize, clamp, store, loop and im2col share) | {n(CLASS_OUTPUTS)} outputs | {cells} |")
    cells = " | ".join(f"{per[prof][6] / ADD_ELEMENTS:.1f} instr/element" for prof in profiles)
    p(f"| ADD, two scales, 16x16x32 | {n(ADD_ELEMENTS)} elements | {cells} |")
    p("")
    p("- The epilogue row is the cost of a 1x1 convolution with 4 input channels minus its 4 MACs at")
    p("  the rate of the row above: what every output costs besides its multiply-accumulates.")
    p("- Weights and inputs are pseudo-random; the kernels' instruction counts do not depend on them.")
    p("")


def parse_state(text, where):
    """The state bytes of a stateful firmware's line (`..., state N B, steps M: match`)."""
    m = re.search(r"^\[fw\] \S+: arena \d+ B, stack \d+ B, state (\d+) B, steps (\d+): match$", text, re.M)
    if not m:
        die(f"unexpected stateful firmware output for {where}:\n{text}")
    return int(m.group(1)), int(m.group(2))


def parse_stateful_anchors(text):
    """anchors.md's table of stateful models: {model: {kernels: {"arena_used", "insns"}}}, the
    model named by the first word of its first cell."""
    lines = text.splitlines()
    out, model = {}, None
    for i, line in enumerate(lines):
        if line.startswith("| model | kernels | arena_used_bytes (32-bit) | instructions / invoke"):
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                cells = [c.strip() for c in row.strip().strip("|").split("|")]
                if cells[0]:
                    model = cells[0].split()[0].rstrip(",")
                kernels = "CMSIS-NN" if cells[1].startswith("CMSIS-NN") else cells[1]
                out.setdefault(model, {})[kernels] = {
                    "arena_used": int(cells[2].replace(",", "")),
                    "insns": int(cells[3].replace(",", "")),
                }
    return out


def stateful_section(p, models, profiles, w, anchors_text):
    """Stateful models: a steady-state invoke (state carried from earlier steps of a TFLM sequence
    golden) and RAM as arena plus state, against TFLM's figures where the anchors have the model."""
    anchors = parse_stateful_anchors(anchors_text)
    p("## Stateful models (steady-state invoke)")
    p("")
    p("Each firmware runs its sequence golden (`tests/golden/sequences/`) on one model value: 30")
    p("steps with the state carried, the last between the bench markers, then `reset()` and the 10")
    p("steps TFLM ran after its own reset, every output compared with TFLM's. TFLM's figures are")
    p("`../shared/anchors.md`'s table of stateful models (TFLM keeps its variables in its arena, so")
    p("arena_used includes them). Ratios are embedml / TFLM: below 1.0x embedml is smaller or faster.")
    p("")
    p("| model | engine | arena bytes | state bytes | arena + state | stack bytes | instructions / invoke | vs TFLM CMSIS-NN: RAM | instructions |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for model in models:
        for profile in profiles:
            text = read(w(f"count.{profile}.{model}"))
            r = parse_count(text, f"{model} ({profile})")
            state, _ = parse_state(text, f"{model} ({profile})")
            ram = r["arena"] + state
            cmsis = anchors.get(model, {}).get("CMSIS-NN")
            vs = (f"{ram / cmsis['arena_used']:.2f}x | {r['insns'] / cmsis['insns']:.2f}x"
                  if cmsis else "- | -")
            p(f"| {model} | {PROFILE_NAMES.get(profile, profile)} | {n(r['arena'])} | {n(state)} "
              f"| {n(ram)} | {n(r['stack'])} | {n(r['insns'])} | {vs} |")
        for kernels, t in anchors.get(model, {}).items():
            p(f"| {model} | TFLM, {kernels} kernels | - | - | {n(t['arena_used'])} (used) | - | {n(t['insns'])} | | |")
    missing = [m for m in models if m not in anchors]
    p("")
    if missing:
        p(f"No TFLM figures in the anchors for: {', '.join(missing)} (models of this repository).")
        p("")


def parse_chain(text, where):
    """micro_speech_chain's line: arena, stack, state and feature bytes, steps."""
    m = re.search(r"^\[fw\] micro_speech_chain: arena (\d+) B, stack (\d+) B, state (\d+) B, "
                  r"features (\d+) B, steps (\d+) \(arenas: preprocessor (\d+) B, micro_speech (\d+) B\)"
                  r", TFLM's features and scores: match$", text, re.M)
    if not m:
        die(f"unexpected micro_speech_chain output for {where}:\n{text}")
    keys = ("arena", "stack", "state", "features", "steps", "preprocessor", "classifier")
    return dict(zip(keys, map(int, m.groups())))


def chain_data_bytes(text):
    """Bytes of the firmware's test data (the PCM clips and TFLM's golden stream), not flash a
    product would spend."""
    total = 0
    for line in text.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and (parts[3].startswith("AUDIO_") or parts[3] == "STREAM_GOLDEN"):
            total += int(parts[1], 16)
    return total


def chain_section(p, bin_name, profiles, w, anchors_text, empty_text):
    """Keyword spotting from raw PCM: the whole chain, per second of audio."""
    host = re.search(r"^\| audio_preprocessor_int8 \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d.]+ M) \|$",
                     anchors_text, re.M)
    kws = parse_anchors(anchors_text)[0].get("micro_speech_quantized", {}).get("CMSIS-NN")
    p("## Keyword spotting from raw audio: the whole chain")
    p("")
    p(f"`{bin_name}` (examples/firmware): 16 kHz PCM through `audio_preprocessor_int8` (TFLM's feature")
    p("extractor, compiled: signal-library custom operators and all) into `micro_speech_quantized`,")
    p("both in one shared arena, then `embedml::recognize`. It checks every feature frame and score")
    p("of a five-second stream against TFLM's (`tests/golden/chain/`) and that \"yes\" and \"no\" are")
    p("heard. Measured: one second of that stream in steady state, i.e. 50 feature frames and 50")
    p("classifications (a classification of the latest second after every 20 ms frame). RAM is the")
    p("shared arena, the front end's state and the 49 frames kept between classifications; flash is")
    p("the firmware's text less the empty firmware's and the embedded test audio and goldens.")
    p("")
    p("| engine | RAM: arena + state + features | stack bytes | flash (weights + code) | instructions / second of audio |")
    p("|---|---:|---:|---:|---:|")
    for profile in profiles:
        text = read(w(f"count.{profile}.{bin_name}"))
        r = parse_count(text, f"{bin_name} ({profile})")
        c = parse_chain(text, f"{bin_name} ({profile})")
        data = chain_data_bytes(read(w(f"nm.{profile}.{bin_name}")))
        flash = r["text"] - empty_text[profile] - data
        ram = c["arena"] + c["state"] + c["features"]
        p(f"| {PROFILE_NAMES.get(profile, profile)} | {n(ram)} ({n(c['arena'])} + {n(c['state'])} "
          f"+ {n(c['features'])}) | {n(r['stack'])} | {n(flash)} | {n(r['insns'])} |")
    if kws:
        p(f"| TFLM, CMSIS-NN: micro_speech_quantized alone | {n(tflm_arena(kws))} (its arena) | - | "
          f"{n(kws['code'])} (code, without the model) | {n(50 * kws['insns'])} (50 x {n(kws['insns'])}) |")
    if host:
        p(f"| TFLM: audio_preprocessor_int8 alone, x86-64 host | {host.group(1)} (arena_used, 64-bit) | - | - | "
          f"{host.group(4)} x86-64 instructions per frame |")
    p("")
    p("The anchors have no Cortex-M figures for TFLM's front end, so TFLM's chain is not measured")
    p("whole here: its classifier alone is the bar for the instructions, and its front end on the host")
    p("is given for its arena.")
    p("")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--anchors", required=True)
    ap.add_argument("--profiles", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--stateful", default="")
    ap.add_argument("--chain", default="")
    ap.add_argument("--toolchain", default="")
    args = ap.parse_args()
    profiles, models = args.profiles.split(), args.models.split()
    w = lambda name: os.path.join(args.work, name)
    anchors, tflm_empty = parse_anchors(read(args.anchors))

    results = {}
    for profile in profiles:
        empty = parse_count(read(w(f"count.{profile}.empty")), f"empty ({profile})")
        empty["sections"] = parse_sections(read(w(f"sections.{profile}.empty")))
        results[(profile, "empty")] = empty
        for model in models:
            r = parse_count(read(w(f"count.{profile}.{model}")), f"{model} ({profile})")
            r["weights"], r["golden"] = parse_nm(read(w(f"nm.{profile}.{model}")))
            if r["weights"] == 0:
                die(f"{model} ({profile}): no __embedml_Model::TENSOR_ or WEIGHTS_ symbols (weights) found")
            sections = parse_sections(read(w(f"sections.{profile}.{model}")))
            # Code: everything in text that is neither the model's weights, nor the golden test
            # vectors, nor the empty firmware's text (harness, vector table, runtime).
            r["code"] = r["text"] - r["weights"] - r["golden"] - empty["text"]
            # Of which instructions (.text), the rest being compile-time constants in .rodata.
            r["machine_code"] = sections[".text"] - empty["sections"][".text"]
            results[(profile, model)] = r

    out = []
    p = out.append
    p("# Benchmarks")
    p("")
    p("Generated by `scripts/bench.sh` (do not edit; rerun it to regenerate):")
    p("")
    p("```sh")
    p("scripts/bench.sh            # writes BENCHMARKS.md; needs ../shared/arm/count.sh and ../shared/anchors.md")
    p("```")
    p("")
    p("Each model runs as firmware for Cortex-M4F (`thumbv7em-none-eabihf`, `examples/firmware/`) under")
    p("QEMU `mps2-an386`: one `invoke()` on TensorFlow Lite Micro's golden case 0 between")
    p("`bench_start`/`bench_end`, output checked bit-exact against TFLM's. Instructions are counted")
    p("exactly by `../shared/arm/count.sh` (QEMU TCG plugin; repeatable, not timing; two runs must")
    p("agree). TFLM's rows are copied from `../shared/anchors.md` (TFLM built for `cortex-m4+fp` with")
    p("GCC 12, a minimal op resolver and the smallest arena that works, same QEMU counter).")
    if args.toolchain:
        p(f"Measured with {args.toolchain}.")
    p("")
    p("| model | engine | arena bytes | stack bytes (invoke) | text | data | bss | weight bytes | code bytes | = machine code | + constants | instructions / inference |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model in models:
        first = True
        label = lambda: model if first else ""
        for profile in profiles:
            r = results[(profile, model)]
            p(f"| {label()} | {PROFILE_NAMES.get(profile, profile)} | {n(r['arena'])} | {n(r['stack'])} "
              f"| {n(r['text'])} | {n(r['data'])} | {n(r['bss'])} | {n(r['weights'])} "
              f"| {n(r['code'])} | {n(r['machine_code'])} | {n(r['code'] - r['machine_code'])} "
              f"| {n(r['insns'])} |")
            first = False
        tflite = os.path.getsize(tflite_path(args.root, model))
        for kernels, t in anchors.get(model, {}).items():
            arena = (f"{n(t['arena'])} ({n(t['arena_used'])} used)" if t["arena"] is not None
                     else f"- ({n(t['arena_used'])} used)")
            p(f"| {label()} | TFLM, {kernels} kernels | {arena} | - "
              f"| - | - | - | {n(tflite)} (.tflite) | {n(t['code'])} | - | - | {n(t['insns'])} |")
            first = False
    p("")
    e = results[(profiles[0], "empty")]
    p("- **arena bytes**: `Model::ARENA_BYTES`, the whole activation memory (in `.bss`: the model is a")
    p("  `static`). TFLM: the smallest `kTensorArenaSize` that works (its recorded use in parentheses;")
    p("  for the MLPerf Tiny models `../shared/anchors.md` gives only the recorded use); its arena also")
    p("  holds tensor structs, op data and the per-channel multipliers it computes at run time.")
    p("- **stack bytes**: peak stack of `invoke()`, measured by painting 16 KiB below the stack pointer")
    p("  before the call (resolution 4 B). Not measured for TFLM.")
    p("- **text / data / bss**: `arm-none-eabi-size` of the whole firmware (text includes .rodata and")
    p("  cortex-m-rt's 1,024-byte vector table); bss = arena + 4 to 8 bytes of harness state.")
    p("- **weight bytes**: the model's constant tensors as `static`s in flash: verbatim")
    p("  (`__embedml_Model::TENSOR_*`) or, for the fast int8 kernels, re-laid out in the order they")
    p("  read them (`__embedml_Model::WEIGHTS_*`, the same bytes reordered, 3x3x3 filters padded to")
    p("  whole groups of four). For TFLM the `.tflite` flatbuffer it keeps in flash.")
    p(f"- **code bytes** = text − weight bytes − golden test vectors (input + expected output) − the")
    p(f"  empty firmware's text ({n(e['text'])} B: `examples/firmware/src/bin/empty.rs`, the same harness")
    p(f"  without a model; 1,024 B of it is cortex-m-rt's vector table). It is **machine code** (the")
    p(f"  `.text` section minus the empty firmware's) **+ constants**: the compile-time data in")
    p(f"  `.rodata` other than the weights (requantization multipliers as `i32` and shifts as `i8`,")
    p(f"  one per output channel or one for a per-tensor scale, folded biases, kernel parameter")
    p(f"  structs, and a few harness strings). TFLM's code")
    p(f"  bytes are its firmware text minus the model bytes: its per-channel scales stay in the")
    p(f"  `.tflite` (and the multipliers it computes from them in the arena), its op tables and strings")
    p(f"  count as code (its empty firmware is {n(tflm_empty) if tflm_empty else '?'} B of text).")
    p(f"- **instructions / inference**: from the first instruction of `bench_start` to the first of")
    p(f"  `bench_end`; with no model, the markers alone count {n(e['insns'])}.")
    p("")

    p("## Ratios (embedml opt-level \"s\" against TFLM)")
    p("")
    p("| model | flash (model + code): TFLM reference / embedml | code: TFLM reference / embedml | code: TFLM CMSIS-NN / embedml | TFLM reference code / embedml machine code | arena: TFLM reference / embedml | instructions: TFLM reference / embedml | instructions: TFLM CMSIS-NN / embedml | instructions at opt-level 3: TFLM CMSIS-NN / embedml |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model in models:
        if model not in anchors:
            continue
        r, r3 = results[(profiles[0], model)], results.get((profiles[-1], model))
        ref, cmsis = anchors[model].get("reference"), anchors[model].get("CMSIS-NN")
        if not (ref and cmsis):
            continue
        tflite = os.path.getsize(tflite_path(args.root, model))
        flash = ratio(ref["code"] + tflite, r["weights"] + r["code"])
        arena = ratio(tflm_arena(ref), r["arena"]) + ("" if ref["arena"] is not None else " (used)")
        p(f"| {model} | {flash} | {ratio(ref['code'], r['code'])} | {ratio(cmsis['code'], r['code'])} "
          f"| {ratio(ref['code'], r['machine_code'])} "
          f"| {arena} | {ratio(ref['insns'], r['insns'])} "
          f"| {ratio(cmsis['insns'], r['insns'])} | {ratio(cmsis['insns'], r3['insns']) if r3 else '-'} |")
    p("")
    p("Above 1.0x embedml is smaller or faster; below, TFLM is. Flash compares what each engine adds")
    p("to a firmware for the model: TFLM's code plus its `.tflite`, against embedml's weights plus")
    p("code (embedml moves biases and per-channel multipliers out of the weights into constants, so")
    p("its code column alone overstates it against TFLM's). Arena: against TFLM's smallest arena that")
    p("works, or \"(used)\" against its recorded arena_used_bytes where that is all the anchors give.")
    p("")

    mlperf = [m for m in models if m in MLPERF_LABELS]
    if mlperf:
        mlperf_section(p, mlperf, results, anchors, profiles, args.root)

    stateful = args.stateful.split()
    if stateful:
        stateful_section(p, stateful, profiles, w, read(args.anchors))

    if args.chain:
        empty_text = {profile: results[(profile, "empty")]["text"] for profile in profiles}
        chain_section(p, args.chain, profiles, w, read(args.anchors), empty_text)

    kernel_class_section(p, args.work, profiles)

    p("## Where the bytes go: cargo bloat")
    p("")
    p("Per model, `cargo bloat -Z build-std=core --target thumbv7em-none-eabihf -n 30 --profile bloat`")
    p("(`examples/firmware`): the `bloat` profile is `release` without cross-crate LTO, so every kernel")
    p("stays a function of its own (with LTO, kernels called once are inlined into `main`). Then the")
    p("shipped `--release` firmware, where that inlining happened (`-n 12`). Only functions are listed")
    p("(`.text`); weights and constants are in `.rodata`.")
    p("")
    for model in models:
        p(f"### {model}")
        p("")
        for profile, title in (("bloat", "kernels (profile `bloat`, no LTO)"),
                               ("release", "shipped firmware (`--release`)")):
            text = read(w(f"bloat.{profile}.{model}")).strip("\n")
            p(f"{title}:")
            p("")
            p("```text")
            p(text)
            p("```")
            p("")
    sys.stdout.write("\n".join(out).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
