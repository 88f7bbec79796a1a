"""Delegate plugins that ship with tflite_rt, as shared libraries next to this file.

    import tflite_rt, tflite_rt.delegates
    d = tflite_rt.load_delegate(tflite_rt.delegates.path("refcheck"))

refcheck: a reference-check delegate for delegate authors (source: csrc/delegates/refcheck/).
It claims CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL, AVERAGE_POOL_2D, MAX_POOL_2D,
RESHAPE and SOFTMAX on float32 and int8 tensors, runs them with its own plain C implementation,
and checks what the runtime hands it (shapes against its own shape rules, buffer sizes, and with
check_finite=1 that float outputs are finite). Options: ops=CONV_2D,ADD,... (claim only these),
check_finite=0|1. See docs/delegates.md.
"""
import os

_DIR = os.path.dirname(os.path.abspath(__file__))


def path(name):
    """Absolute path of the shipped plugin `name` (e.g. "refcheck"). ValueError if it was not built."""
    p = os.path.join(_DIR, f"libtflrt_{name}.so")
    if not os.path.isfile(p):
        have = ", ".join(available()) or "none"
        raise ValueError(f"No delegate plugin named {name!r} in {_DIR} (available: {have}). Plugins are built by "
                         f"`pip install` / setup.py build_ext.")
    return p


def available():
    """Names of the plugins present next to this file."""
    out = []
    for f in sorted(os.listdir(_DIR)):
        if f.startswith("libtflrt_") and f.endswith(".so"):
            out.append(f[len("libtflrt_"):-len(".so")])
    return out
