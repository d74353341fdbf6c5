#!/usr/bin/env python3
"""Writes the README's "Your first firmware, in QEMU" crate into DIR, as a reader would: each
file from the code block under its name, the embedml dependency pointed at this checkout, the
model and a features file copied into models/. scripts/firmware-test.sh then builds and runs it.

Usage: scripts/readme_firmware.py DIR"""
import pathlib, re, shutil, sys

root = pathlib.Path(__file__).resolve().parent.parent
out = pathlib.Path(sys.argv[1])
readme = (root / "README.md").read_text()
section = readme.split("## Your first firmware, in QEMU", 1)[1].split("\n## ", 1)[0]
files = {}
for name, body in re.findall(r"`([^`]+)`(?: \([^)]*\))?:\n\n```[a-z,]*\n(.*?)```", section, re.S):
    files[name] = body
expected = {"Cargo.toml", ".cargo/config.toml", "memory.x", "src/main.rs"}
missing = expected - files.keys()
if missing:
    sys.exit(f"README's first-firmware section lacks {sorted(missing)}")
files["Cargo.toml"] = files["Cargo.toml"].replace('path = "../embedml/core"', f'path = "{root / "core"}"')
# Outside any workspace of ours.
files["Cargo.toml"] += "\n[workspace]\n"
for name, body in files.items():
    path = out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
(out / "models").mkdir(exist_ok=True)
shutil.copy(root / "tests/models/micro_speech_quantized.tflite", out / "models")
shutil.copy(root / "examples/micro_speech/samples/yes.features", out / "models")
expect = re.search(r"`cargo run --release` prints `([^`]+)`", section)
print(expect.group(1) if expect else "")
