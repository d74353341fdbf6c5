"""Writes broken variants of tests/models/streaming/variable_init_probe.tflite (a CALL_ONCE init
subgraph, one resource variable) into tests/models/broken/, one fault each, for the
compile-fail tests in tests/ui/ (state_*.rs): each must be a named compile error.

  state_unknown_subgraph       CALL_ONCE names init subgraph 9 (the model has 2)
  state_call_once_recursion    CALL_ONCE names subgraph 0, the one calling it
  state_read_before_assignment no ASSIGN_VARIABLE of the variable anywhere, only a read
  state_assign_size_mismatch   the init subgraph assigns 8 values to a variable of 4

Usage (from the repository root):  python3 tests/tools/make_broken_state_models.py
"""
import copy, pathlib

import numpy as np
from tensorflow.lite.tools import flatbuffer_utils as fbu

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tests/models/streaming/variable_init_probe.tflite"
OUT = ROOT / "tests/models/broken"


def ops_named(m, sg, name):
    from tensorflow.lite.python import schema_py_generated as schema
    code = getattr(schema.BuiltinOperator, name)
    return [op for op in sg.operators if m.operatorCodes[op.opcodeIndex].builtinCode == code]


def unknown_subgraph(m):
    ops_named(m, m.subgraphs[0], "CALL_ONCE")[0].builtinOptions.initSubgraphIndex = 9


def call_once_recursion(m):
    ops_named(m, m.subgraphs[0], "CALL_ONCE")[0].builtinOptions.initSubgraphIndex = 0


def read_before_assignment(m):
    for sg in m.subgraphs:
        assigns = ops_named(m, sg, "ASSIGN_VARIABLE")
        sg.operators = [op for op in sg.operators if not any(op is a for a in assigns)]


def assign_size_mismatch(m):
    sg = m.subgraphs[1]
    value = sg.tensors[ops_named(m, sg, "ASSIGN_VARIABLE")[0].inputs[1]]
    value.shape = np.array([1, 8], dtype=np.int32)
    m.buffers[value.buffer].data = np.zeros(8, dtype=np.uint8)


CASES = {
    "state_unknown_subgraph": unknown_subgraph,
    "state_call_once_recursion": call_once_recursion,
    "state_read_before_assignment": read_before_assignment,
    "state_assign_size_mismatch": assign_size_mismatch,
}


def main():
    source = fbu.read_model(str(SOURCE))
    for name, fault in CASES.items():
        m = copy.deepcopy(source)
        fault(m)
        (OUT / f"{name}.tflite").write_bytes(bytes(fbu.convert_object_to_bytearray(m)))
        print(f"wrote tests/models/broken/{name}.tflite")


if __name__ == "__main__":
    main()
