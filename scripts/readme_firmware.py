#!/usr/bin/env python3
"""Writes one of the README's first-crate sections into DIR, as a reader would: each file from
the code block under its name, the embedml dependency pointed at this checkout, the model and a
features file copied into models/. Prints what the README says its run prints.
"Your first firmware, in QEMU" (the default; scripts/firmware-test.sh builds and runs it under
QEMU) or, with --host, "Your first model, on the host" (scripts/test.sh runs it).

Usage: scripts/readme_firmware.py [--host] DIR"""
import pathlib, re, shutil, sys

root = pathlib.Path(__file__).resolve().parent.parent
host = "--host" in sys.argv[1:]
out = pathlib.Path([a for a in sys.argv[1:] if a != "--host"][0])
readme = (root / "README.md").read_text()
heading = "## Your first model, on the host" if host else "## Your first firmware, in QEMU"
section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
files = {}
for name, body in re.findall(r"`([^`]+)`(?: \([^)]*\))?:\n\n```[a-z,]*\n(.*?)```", section, re.S):
    files[name] = body
expected = {"Cargo.toml", "src/main.rs"} if host else {"Cargo.toml", ".cargo/config.toml", "memory.x", "src/main.rs"}
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
expect = re.search(r"`cargo run(?: --release)?` prints `([^`]+)`", section)
print(expect.group(1) if expect else "")
