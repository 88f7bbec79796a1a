"""TFLite_Detection_PostProcess (custom op, built in) against LiteRT BUILTIN_REF, which registers
it too.

Covers: fast NMS with 1 class per detection (argmax) and several (partial sort, with ties from
quantized scores), regular NMS, with and without a background class, float32 and uint8 inputs
(the SSD MobileNet layout: uint8 boxes, scores and anchors), option encodings (floats as 32-
or 64-bit, indirect scalars, absent optional keys, 1..8-byte map widths), invalid option values,
and mutated / truncated option bytes (must load or fail cleanly, never crash).

Output rows past the written ones are unspecified in TFLite (its fast path leaves them as they
were); tflite_rt writes zeros there. The comparisons therefore cover the rows TFLite writes:
num_detections * max_classes_per_detection rows (fast) or max_detections rows (regular).
"""
import numpy as np
import pytest
from flatbuffers import flexbuffers

from tests import tolerances
from tests.oracle import compare, have_litert, rt_interpreter, run_ref, run_rt
from tests.tflite_builder import ModelBuilder

OP = "TFLite_Detection_PostProcess"


def options(**kw):
    """FlexBuffers map; values given as ("indirect_float", v) etc. pick an encoding."""
    fbb = flexbuffers.Builder()
    with fbb.Map():
        for k in sorted(kw):
            v = kw[k]
            if isinstance(v, tuple):
                kind, val = v[0], v[1]
                width = v[2] if len(v) > 2 else 0
                getattr(fbb, {"indirect_float": "IndirectFloat", "indirect_int": "IndirectInt",
                              "float": "Float", "int": "Int", "uint": "UInt",
                              "indirect_uint": "IndirectUInt"}[kind])(k, val, width)
            elif v is None:
                fbb.Null(k)
            elif isinstance(v, str):
                fbb.String(k, v)
            elif isinstance(v, bool):
                fbb.Bool(k, v)
            elif isinstance(v, int):
                fbb.Int(k, v)
            else:
                fbb.Float(k, v)
    return bytes(fbb.Finish())


def default_opts(**over):
    o = dict(max_detections=10, max_classes_per_detection=1, detections_per_class=100,
             use_regular_nms=False, nms_score_threshold=0.3, nms_iou_threshold=0.6, num_classes=5,
             y_scale=10.0, x_scale=10.0, h_scale=5.0, w_scale=5.0)
    o.update(over)
    return {k: v for k, v in o.items() if v is not ...}


def model(n, ncwb, opts, dtype=np.float32, quant=None, anchors=None, box_len=4):
    md, mc = opts["max_detections"] if "max_detections" in opts else 0, \
        opts.get("max_classes_per_detection", 1)
    md = md[1] if isinstance(md, tuple) else md
    mc = mc[1] if isinstance(mc, tuple) else mc
    rows = max(md * mc, 0) if isinstance(md, int) and isinstance(mc, int) else 1
    b = ModelBuilder()
    q = quant or {}
    boxes = b.input("boxes", [1, n, box_len], dtype, quant=q.get("boxes"))
    scores = b.input("scores", [1, n, ncwb], dtype, quant=q.get("scores"))
    if anchors is None:
        anchors = b.input("anchors", [n, 4], dtype, quant=q.get("anchors"))
    else:
        anchors = b.const("anchors", anchors, quant=q.get("anchors"))
    ob = b.tensor("det_boxes", [1, rows, 4], np.float32)
    oc = b.tensor("det_classes", [1, rows], np.float32)
    os_ = b.tensor("det_scores", [1, rows], np.float32)
    on = b.tensor("num_det", [1], np.float32)
    b.op(OP, [boxes, scores, anchors], [ob, oc, os_, on], custom_options=options(**opts))
    for t in (ob, oc, os_, on):
        b.output(t)
    return b.build()


def float_inputs(rng, n, ncwb, distinct=True):
    boxes = rng.normal(0, 1, (1, n, 4)).astype(np.float32)
    yx = rng.uniform(0.1, 0.9, (n, 2))
    hw = rng.uniform(0.05, 0.4, (n, 2))
    anchors = np.concatenate([yx, hw], axis=1).astype(np.float32)
    if distinct:
        scores = rng.random((1, n, ncwb)).astype(np.float32)
    else:
        scores = (rng.integers(0, 6, (1, n, ncwb)) / 6).astype(np.float32)
    return boxes, scores, anchors


def compare_detections(got, ref, opts):
    mc = opts.get("max_classes_per_detection", 1)
    md = opts["max_detections"]
    tol = tolerances.FLOAT32
    compare(got[3], ref[3], tol, what="num_detections")
    if opts.get("use_regular_nms"):
        rows = md
    else:
        rows = int(ref[3][0]) * mc
        nc = opts["num_classes"]
        if mc > nc:  # TFLite writes only num_classes rows of each group
            keep = [r for r in range(rows) if r % mc < nc]
            got = [g[:, keep] if i < 3 else g for i, g in enumerate(got)]
            ref = [r[:, keep] if i < 3 else r for i, r in enumerate(ref)]
            rows = len(keep)
    compare(got[0][:, :rows], ref[0][:, :rows], tol, what="boxes")
    compare(got[1][:, :rows], ref[1][:, :rows], tolerances.Tolerance("exact", 0, 0), what="classes")
    compare(got[2][:, :rows], ref[2][:, :rows], tol, what="scores")
    # rows past the written ones are zero here
    assert not got[0][:, int(got[3][0]) * mc if not opts.get("use_regular_nms") else md:].any()


def run_both(m, ins, opts):
    got = run_rt(m, ins)
    if not have_litert():
        pytest.skip("ai-edge-litert not installed: no reference for this op")
    ref = run_ref(m, ins)
    compare_detections(got, ref, opts)
    return got


@pytest.mark.parametrize("n", [1, 6, 40, 200])
@pytest.mark.parametrize("background", [0, 1])
@pytest.mark.parametrize("mc", [1, 2, 3])
@pytest.mark.parametrize("distinct", [True, False])
def test_fast_nms_float(n, background, mc, distinct):
    rng = np.random.default_rng(n * 10 + mc + background)
    nc = 4
    opts = default_opts(max_classes_per_detection=mc, num_classes=nc)
    boxes, scores, anchors = float_inputs(rng, n, nc + background, distinct)
    run_both(model(n, nc + background, opts), [boxes, scores, anchors], opts)


@pytest.mark.parametrize("n", [1, 6, 40, 200])
@pytest.mark.parametrize("background", [0, 1])
@pytest.mark.parametrize("per_class,max_det", [(100, 10), (2, 10), (5, 3), (1, 1)])
@pytest.mark.parametrize("distinct", [True, False])
def test_regular_nms_float(n, background, per_class, max_det, distinct):
    rng = np.random.default_rng(n + per_class + max_det)
    nc = 3
    opts = default_opts(use_regular_nms=True, detections_per_class=per_class, max_detections=max_det,
                        num_classes=nc, max_classes_per_detection=2)
    boxes, scores, anchors = float_inputs(rng, n, nc + background, distinct)
    run_both(model(n, nc + background, opts), [boxes, scores, anchors], opts)


@pytest.mark.parametrize("regular", [False, True])
@pytest.mark.parametrize("const_anchors", [False, True])
def test_uint8_ssd_layout(regular, const_anchors):
    rng = np.random.default_rng(7 + regular)
    n, nc = 120, 6
    quant = {"boxes": (0.05, 128), "scores": (1 / 256, 0), "anchors": (0.004, 0)}
    boxes = rng.integers(90, 166, (1, n, 4)).astype(np.uint8)
    scores = rng.integers(0, 256, (1, n, nc + 1)).astype(np.uint8)
    anchors = np.concatenate([rng.integers(25, 230, (n, 2)), rng.integers(10, 90, (n, 2))],
                             axis=1).astype(np.uint8)
    opts = default_opts(use_regular_nms=regular, num_classes=nc, max_detections=20,
                        max_classes_per_detection=1 if regular else 2, nms_score_threshold=0.4)
    m = model(n, nc + 1, opts, np.uint8, quant, anchors=anchors if const_anchors else None)
    ins = [boxes, scores] + ([] if const_anchors else [anchors])
    run_both(m, ins, opts)


def test_box_encoding_longer_than_4():
    rng = np.random.default_rng(11)
    n, nc = 30, 2
    boxes, scores, anchors = float_inputs(rng, n, nc)
    boxes = np.concatenate([boxes, rng.normal(size=(1, n, 6)).astype(np.float32)], axis=2)
    opts = default_opts(num_classes=nc)
    run_both(model(n, nc, opts, box_len=10), [boxes, scores, anchors], opts)


@pytest.mark.parametrize("enc", ["f64", "f32", "indirect", "int_widths", "absent_optional", "null_optional"])
def test_option_encodings(enc):
    rng = np.random.default_rng(5)
    n, nc = 25, 3
    boxes, scores, anchors = float_inputs(rng, n, nc)
    o = default_opts(num_classes=nc, nms_iou_threshold=0.45, nms_score_threshold=0.2)
    if enc == "f32":
        o = {k: (("float", v, 4) if isinstance(v, float) else v) for k, v in o.items()}
    elif enc == "f64":
        o = {k: (("float", v, 8) if isinstance(v, float) else v) for k, v in o.items()}
    elif enc == "indirect":
        o = {k: (("indirect_float", v, 8) if isinstance(v, float) else
                 ("indirect_int", v, 2) if isinstance(v, int) and not isinstance(v, bool) else v)
             for k, v in o.items()}
    elif enc == "int_widths":
        o["max_detections"] = ("int", 10, 8)
        o["num_classes"] = ("uint", nc, 2)
    elif enc == "absent_optional":
        o = default_opts(num_classes=nc, detections_per_class=..., use_regular_nms=...)
    elif enc == "null_optional":
        o["detections_per_class"] = None
        o["use_regular_nms"] = None
    plain = default_opts(num_classes=nc, nms_iou_threshold=0.45, nms_score_threshold=0.2)
    got = run_both(model(n, nc, o), [boxes, scores, anchors], plain)
    ref = run_rt(model(n, nc, plain), [boxes, scores, anchors])
    for g, r in zip(got, ref):
        np.testing.assert_array_equal(g, r)


def _create_error(opts_bytes_or_dict, n=4, nc=2):
    if isinstance(opts_bytes_or_dict, dict):
        m = model(n, nc, opts_bytes_or_dict)
    else:
        b = ModelBuilder()
        ins = [b.input("b", [1, n, 4], np.float32), b.input("s", [1, n, nc], np.float32),
               b.input("a", [n, 4], np.float32)]
        outs = [b.tensor("o0", [1, 1, 4], np.float32), b.tensor("o1", [1, 1], np.float32),
                b.tensor("o2", [1, 1], np.float32), b.tensor("o3", [1], np.float32)]
        b.op(OP, ins, outs, custom_options=opts_bytes_or_dict)
        for t in outs:
            b.output(t)
        m = b.build()
    with pytest.raises((ValueError, RuntimeError)) as e:
        it = rt_interpreter(model_content=m)
        it.allocate_tensors()
    return str(e.value)


@pytest.mark.parametrize("bad,needle", [
    (dict(nms_iou_threshold=0.0), "nms_iou_threshold"),
    (dict(nms_iou_threshold=1.5), "nms_iou_threshold"),
    (dict(y_scale=0.0), "scales"),
    (dict(max_classes_per_detection=0), "max_classes_per_detection"),
    (dict(max_detections=-1), "max_detections"),
    (dict(num_classes=0), "num_classes"),
    (dict(num_classes=5), "num_classes"),  # more than the predictions hold
    (dict(use_regular_nms=True, detections_per_class=0), "detections_per_class"),
    (dict(max_detections="ten"), "max_detections"),
])
def test_invalid_options(bad, needle):
    opts = default_opts(num_classes=2)
    opts.update(bad)
    assert needle in _create_error(opts)


def test_missing_or_non_map_options():
    assert "missing" in _create_error(b"")
    assert "map" in _create_error(bytes(flexbuffers.Dumps([1, 2, 3])))


def test_fuzzed_options_never_crash():
    good = options(**default_opts(num_classes=2))
    rng = np.random.default_rng(0)
    cases = [good[:k] for k in range(len(good))]
    for _ in range(300):
        b = bytearray(good)
        for _ in range(rng.integers(1, 4)):
            b[rng.integers(0, len(b))] = rng.integers(0, 256)
        cases.append(bytes(b))
    ok = 0
    for c in cases:
        try:
            _create_error(c)
        except BaseException as e:  # noqa: BLE001 - pytest.raises failed: it loaded fine
            if "DID NOT RAISE" not in str(e):
                raise
            ok += 1
    assert ok < len(cases)


def test_invalid_decoded_box_fails_at_invoke():
    n, nc = 3, 2
    opts = default_opts(num_classes=nc)
    it = rt_interpreter(model_content=model(n, nc, opts))
    it.allocate_tensors()
    anchors = np.array([[0.5, 0.5, -0.2, 0.2]] * n, np.float32)  # negative height
    for d, v in zip(it.get_input_details(), [np.zeros((1, n, 4), np.float32),
                                             np.ones((1, n, nc), np.float32), anchors]):
        it.set_tensor(d["index"], v)
    with pytest.raises(RuntimeError) as e:
        it.invoke()
    assert "ymin > ymax" in str(e.value)
