"""The tflite-rt command (run, inspect, bench), tflite_rt.benchmark() and tflite_rt.inspect_model().

Most tests call tflite_rt.cli.main(argv) in-process (fast); a few run `python -m tflite_rt.cli`
in a subprocess to check real exit codes and that errors print one line and no traceback."""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tflite_rt
from tflite_rt import Interpreter, cli
from tflite_rt._model_writer import custom_op_model, one_op_model

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
INT8 = os.path.join(HERE, "models", "mnist__int8.tflite")
FP32 = os.path.join(HERE, "models", "mnist__fp32.tflite")
FAST = ["--num_runs", "3", "--min_secs", "0", "--warmup_runs", "1"]

HAVE_LITERT = importlib.util.find_spec("ai_edge_litert") is not None
HAVE_MPL = importlib.util.find_spec("matplotlib") is not None
HAVE_PIL = importlib.util.find_spec("PIL") is not None

STATS = ("count", "first", "curr", "min", "max", "mean", "std", "p5", "median", "p95")


@pytest.fixture
def unsupported_model(tmp_path):
    p = tmp_path / "custom_op.tflite"
    p.write_bytes(custom_op_model())
    return str(p)


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_proc(*argv):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "tflite_rt.cli", *argv], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=120)


def assert_one_line_error(code, err, *needles):
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("INFO:")]
    assert len(lines) == 1, err
    assert lines[0].startswith("tflite-rt: error:")
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], lines[0]


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------

def test_run_sample(capsys):
    code, out, _ = run_cli(capsys, "run", "--sample")
    assert code == 0
    assert "output " in out and "top-" in out and "invoke x10" in out


def test_run_npz_input_and_save(capsys, tmp_path, golden):
    g = golden("mnist__int8")
    inp = tmp_path / "in.npz"
    np.savez(inp, g["in0"])
    save = tmp_path / "out.npz"
    code, out, _ = run_cli(capsys, "run", INT8, "--input", str(inp), "--save", str(save), "--runs", "2")
    assert code == 0
    with np.load(save) as z:
        (got,) = [z[k] for k in z.files]
    np.testing.assert_array_equal(got, g["ref_out0"])  # int8: bit-exact with LiteRT's reference
    assert "(q " in out  # quantized top-k shows dequantized values and the raw integers


def test_run_npy_generated_and_seed(capsys, tmp_path):
    code, out_a, _ = run_cli(capsys, "run", FP32, "--seed", "3", "--runs", "1")
    code_b, out_b, _ = run_cli(capsys, "run", FP32, "--seed", "3", "--runs", "1")
    assert code == code_b == 0
    strip = lambda s: [ln for ln in s.splitlines() if not ln.startswith("init ")]  # noqa: E731
    assert strip(out_a) == strip(out_b)
    code, out, _ = run_cli(capsys, "run", FP32, "--generate", "zeros", "--runs", "1")
    assert code == 0 and "min 0 max 0" in out
    x = np.full((1, 28, 28, 1), 0.5, np.float32)
    np.save(tmp_path / "x.npy", x)
    code, out, _ = run_cli(capsys, "run", FP32, "--input", str(tmp_path / "x.npy"), "--runs", "1")
    assert code == 0 and "min 0.5 max 0.5" in out


def _write_ppm(path, img):
    h, w, c = img.shape
    magic = b"P6" if c == 3 else b"P5"
    with open(path, "wb") as f:
        f.write(magic + b"\n# a comment\n%d %d\n255\n" % (w, h) + img.astype(np.uint8).tobytes())


def test_run_image_ppm_pgm(capsys, tmp_path):
    rgb = np.zeros((40, 50, 3), np.uint8)
    rgb[..., 0] = 255
    _write_ppm(tmp_path / "red.ppm", rgb)
    grey = np.full((28, 28, 1), 255, np.uint8)
    _write_ppm(tmp_path / "white.pgm", grey)
    # float input: pixel / 255 -> a white 28x28 image is all ones
    code, out, _ = run_cli(capsys, "run", FP32, "--image", str(tmp_path / "white.pgm"), "--runs", "1")
    assert code == 0 and "min 1 max 1" in out
    # RGB -> 1 channel (luma of pure red = 0.299 * 255), resized 40x50 -> 28x28, int8-quantized
    code, out, _ = run_cli(capsys, "run", INT8, "--image", str(tmp_path / "red.ppm"), "--runs", "1")
    assert code == 0
    d = Interpreter(model_path=INT8).get_input_details()[0]
    x = cli.image_input(cli.read_image(str(tmp_path / "red.ppm")), d)
    scale, zp = d["quantization"]
    expect = np.clip(np.rint(0.299 / scale) + zp, -128, 127)
    assert x.dtype == np.int8 and x.shape == (1, 28, 28, 1)
    assert np.all(np.abs(x.astype(int) - expect) <= 1)


def test_image_helpers():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4, 1)
    np.testing.assert_allclose(cli.resize_bilinear(img, 3, 4)[..., 0], img[..., 0])
    up = cli.resize_bilinear(np.array([[[0], [100]]], np.uint8), 1, 4)[0, :, 0]
    np.testing.assert_allclose(up, [0, 25, 75, 100])


def test_run_image_without_pillow(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if Pillow were not installed
    p = tmp_path / "cat.jpg"
    p.write_bytes(b"\xff\xd8\xff\xe0not really a jpeg")
    code, _, err = run_cli(capsys, "run", FP32, "--image", str(p))
    assert_one_line_error(code, err, "Pillow", ".ppm/.pgm")


@pytest.mark.skipif(not HAVE_PIL, reason="Pillow not installed")
def test_run_image_with_pillow(capsys, tmp_path):
    from PIL import Image

    Image.fromarray(np.full((30, 30, 3), 255, np.uint8)).save(tmp_path / "white.png")
    code, out, _ = run_cli(capsys, "run", FP32, "--image", str(tmp_path / "white.png"), "--runs", "1")
    assert code == 0 and "min 1 max 1" in out
    (tmp_path / "broken.png").write_bytes(b"not a png")
    code, _, err = run_cli(capsys, "run", FP32, "--image", str(tmp_path / "broken.png"))
    assert_one_line_error(code, err, "broken.png")


def test_run_signature(capsys):
    sig = list(Interpreter(model_path=INT8).get_signature_list())[0]
    code, out, _ = run_cli(capsys, "run", INT8, "--signature", sig, "--runs", "1")
    assert code == 0 and f"signature: {sig}" in out and "output " in out
    code, _, err = run_cli(capsys, "run", INT8, "--signature", "no_such_sig")
    assert_one_line_error(code, err, "no_such_sig")


# ---------------------------------------------------------------------------------------------
# inspect
# ---------------------------------------------------------------------------------------------

def test_inspect_text_and_arena(capsys):
    code, out, _ = run_cli(capsys, "inspect", INT8)
    assert code == 0
    for needle in ("inputs:", "outputs:", "signatures:", "CONV_2D", "every op is supported", "memory plan",
                   "arena", "persistent", "weights"):
        assert needle in out, needle
    it = Interpreter(model_path=INT8)
    it.allocate_tensors()
    arena = it.memory_info()["arena_bytes"]
    assert f"arena       {arena:>14,} bytes" in out


def test_inspect_json(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "inspect", FP32, "--json", "-")
    assert code == 0
    r = json.loads(out)
    it = Interpreter(model_path=FP32)
    it.allocate_tensors()
    assert r["memory"] == it.memory_info()
    assert r["supported"] and r["unsupported_ops"] == []
    assert {o["op_name"] for o in r["ops"]} == {d["op_name"] for d in it._get_ops_details()}
    assert sum(o["count"] for o in r["ops"]) == len(it._get_ops_details())
    plan = {e["index"]: e for e in r["memory_plan"] if e["subgraph"] == 0}
    for e in it.memory_plan():
        if e["mem"] == "arena":
            p = plan[e["index"]]
            assert (p["arena_offset"], p["bytes"], p["first_node"], p["last_node"]) == (
                e["arena_offset"], e["bytes"], e["first_node"], e["last_node"])
            assert e["arena_offset"] + e["bytes"] <= r["memory"]["arena_bytes"]
    # file output as well
    code, out, _ = run_cli(capsys, "inspect", FP32, "--json", str(tmp_path / "r.json"), "--tensors")
    assert code == 0 and json.loads((tmp_path / "r.json").read_text())["model_bytes"] == os.path.getsize(FP32)
    assert "activation" in out and "const" in out


def test_inspect_unsupported_model(capsys, unsupported_model):
    code, out, _ = run_cli(capsys, "inspect", unsupported_model)
    assert code == 0
    assert "NOT supported" in out and "TFLRT_NOT_AN_OP" in out and "memory: not available" in out
    code, _, _ = run_cli(capsys, "inspect", unsupported_model, "--fail-on-unsupported")
    assert code == cli.EXIT_UNSUPPORTED
    code, _, _ = run_cli(capsys, "inspect", INT8, "--fail-on-unsupported")
    assert code == 0


def test_inspect_model_api(unsupported_model):
    r = tflite_rt.inspect_model(unsupported_model)
    assert not r["supported"] and r["memory"] is None
    assert [u["op_name"] for u in r["unsupported_ops"]] == ["TFLRT_NOT_AN_OP"]
    assert r["inputs"][0]["shape"] == [1, 4] and r["inputs"][0]["dtype"] == "FLOAT32"
    r = tflite_rt.inspect_model(open(INT8, "rb").read())  # bytes work too
    assert r["supported"] and r["memory"]["arena_bytes"] > 0 and r["model"] is None
    ops = {o["op_name"]: o for o in r["ops"]}
    assert ops["CONV_2D"]["dtypes"] == ["INT8,INT8,INT32->INT8"]


@pytest.mark.skipif(not HAVE_MPL, reason="matplotlib not installed")
@pytest.mark.parametrize("ext", ["png", "svg"])
def test_inspect_plot(capsys, tmp_path, ext):
    out = tmp_path / f"plan.{ext}"
    code, _, _ = run_cli(capsys, "inspect", INT8, "--plot", str(out), "--no-plan")
    assert code == 0 and out.stat().st_size > 1000


def test_inspect_plot_without_matplotlib(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if matplotlib were not installed
    code, _, err = run_cli(capsys, "inspect", INT8, "--plot", str(tmp_path / "p.png"), "--no-plan")
    assert_one_line_error(code, err, "matplotlib")


# ---------------------------------------------------------------------------------------------
# bench
# ---------------------------------------------------------------------------------------------

def check_bench_schema(d, profiled=False):
    assert d["schema"] == "tflite_rt.benchmark/1"
    for k in ("model", "model_size_bytes", "runtime", "version", "kernel_isa", "num_threads", "settings",
              "init_us", "first_inference_us", "warmup_avg_us", "warmup", "inference", "memory", "op_profile",
              "compare", "host"):
        assert k in d, k
    for k in STATS:
        assert isinstance(d["inference"][k], (int, float)), k
    s = d["inference"]
    assert s["count"] >= d["settings"]["num_runs"]
    assert s["min"] <= s["p5"] <= s["median"] <= s["p95"] <= s["max"]
    assert d["init_us"] > 0 and d["first_inference_us"] > 0 and d["warmup_avg_us"] > 0
    for k in ("num_runs", "warmup_runs", "min_secs", "max_secs", "enable_op_profiling"):
        assert k in d["settings"], k
    m = d["memory"]
    for k in ("peak_rss_bytes", "rss_delta_init_bytes", "rss_delta_overall_bytes", "rss_start_bytes",
              "rss_end_bytes", "arena_bytes", "persistent_bytes", "weights_bytes"):
        assert k in m, k
    if sys.platform.startswith("linux"):
        assert m["peak_rss_bytes"] >= m["rss_start_bytes"] > 0
    if profiled:
        p = d["op_profile"]
        for table in ("run_order", "top_by_time", "by_op_type"):
            assert p[table], table
        for row in p["run_order"]:
            for k in ("node_type", "start_ms", "first_ms", "avg_ms", "pct", "cdf_pct", "times_called", "name"):
                assert k in row, k
        assert abs(p["run_order"][-1]["cdf_pct"] - 100) < 1e-6
    else:
        assert d["op_profile"] is None


def test_bench_json_schema(capsys, tmp_path):
    out = tmp_path / "b.json"
    code, text, _ = run_cli(capsys, "bench", INT8, *FAST, "--json", str(out))
    assert code == 0
    for needle in ("Initialized session in", "count=", "Inference timings in us: Init:", "First inference:",
                   "Warmup (avg):", "Memory footprint delta", "peak memory footprint"):
        assert needle in text, needle
    check_bench_schema(json.loads(out.read_text()))


def test_bench_op_profiling(capsys, tmp_path):
    code, text, _ = run_cli(capsys, "bench", FP32, *FAST, "--enable_op_profiling", "--json", str(tmp_path / "p.json"))
    assert code == 0
    for needle in ("Run Order", "Top by Computation Time", "Summary by node type", "CONV_2D"):
        assert needle in text
    d = json.loads((tmp_path / "p.json").read_text())
    check_bench_schema(d, profiled=True)
    n_nodes = len(Interpreter(model_path=FP32)._get_ops_details())
    assert len(d["op_profile"]["run_order"]) == n_nodes
    assert d["op_profile"]["runs_profiled"] == d["inference"]["count"]
    # benchmark_model's spelling of booleans
    code, _, _ = run_cli(capsys, "bench", FP32, *FAST, "--enable_op_profiling=false", "--json", "-")
    assert code == 0


def test_bench_json_stdout_and_threads(capsys):
    code, out, _ = run_cli(capsys, "bench", "--graph", INT8, *FAST, "--num_threads", "2", "--json", "-")
    assert code == 0
    d = json.loads(out)
    assert d["num_threads"] == 2
    check_bench_schema(d)


def test_benchmark_api():
    r = tflite_rt.benchmark(FP32, num_runs=4, min_secs=0, enable_op_profiling=True)
    assert isinstance(r, tflite_rt.BenchmarkResult)
    assert r.count == r.inference.count >= 4
    assert r.min_us <= r.median_us <= r.max_us and r.p5_us <= r.p95_us
    assert r.peak_rss_bytes is None or r.peak_rss_bytes > 0
    check_bench_schema(json.loads(r.to_json()), profiled=True)
    assert "Run Order" in r.format()
    # the profile comes from the C timers: the node averages sum to about one run
    total = r.op_profile["total_avg_ms"] * 1e3
    assert 0 < total <= r.inference.max * 1.05 + 50


def test_interpreter_op_profile():
    it = Interpreter(model_path=INT8)
    it.allocate_tensors()
    it.enable_op_profiling()
    it.invoke()
    it.invoke()
    prof = it.op_profile()
    assert [p["op_name"] for p in prof] == [d["op_name"] for d in it._get_ops_details()]
    assert all(p["count"] == 2 and p["total_us"] >= 0 for p in prof)
    it.enable_op_profiling(False)


def test_bench_errors(capsys, tmp_path, unsupported_model):
    code, _, err = run_cli(capsys, "bench", str(tmp_path / "missing.tflite"), *FAST)
    assert_one_line_error(code, err, "no such model file")
    code, _, err = run_cli(capsys, "bench", unsupported_model, *FAST)
    assert_one_line_error(code, err, "UnsupportedOpError", "TFLRT_NOT_AN_OP", "tflite-rt inspect")
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00" * 64)
    code, _, err = run_cli(capsys, "bench", str(bad), *FAST)
    assert_one_line_error(code, err, "ModelError")
    code, _, err = run_cli(capsys, "bench", INT8, "--num_runs", "0")
    assert_one_line_error(code, err, "num_runs")
    code, _, err = run_cli(capsys, "bench", INT8, *FAST, "--compare", "onnxruntime")
    assert_one_line_error(code, err, "--onnx")


def test_bench_compare_onnxruntime_missing(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if onnxruntime were not installed
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"x")
    code, _, err = run_cli(capsys, "bench", INT8, *FAST, "--compare", "onnxruntime", "--onnx", str(onnx))
    assert_one_line_error(code, err, "onnxruntime")


@pytest.mark.parametrize("cmd", ["run", "inspect", "bench"])
def test_errors_in_a_real_process(cmd, tmp_path, unsupported_model):
    r = run_proc(cmd, str(tmp_path / "nope.tflite"))
    assert_one_line_error(r.returncode, r.stderr, "no such model file")
    if cmd != "inspect":
        r = run_proc(cmd, unsupported_model, *(FAST if cmd == "bench" else []))
        assert_one_line_error(r.returncode, r.stderr, "UnsupportedOpError")


def test_run_sample_in_a_real_process():
    r = run_proc("run", "--sample")
    assert r.returncode == 0, r.stderr
    assert "output " in r.stdout


@pytest.mark.skipif(not HAVE_LITERT, reason="ai_edge_litert not installed")
def test_bench_compare_litert(capsys, tmp_path):
    out = tmp_path / "c.json"
    code, text, _ = run_cli(capsys, "bench", INT8, *FAST, "--compare", "litert", "--json", str(out))
    assert code == 0
    assert "Compare: tflite_rt vs litert" in text and "median / litert median" in text
    d = json.loads(out.read_text())
    check_bench_schema(d)
    c = d["compare"]
    assert c["runtime"] == "litert" and c["resolver"] == "auto" and c["alternated"]
    assert c["inference"]["count"] == d["inference"]["count"]
    for k in STATS:
        assert k in c["inference"]
    for k in ("init", "first_inference", "min", "median", "mean", "p95"):
        assert c["ratios"][k] > 0
    assert c["ratios"]["median"] == pytest.approx(d["inference"]["median"] / c["inference"]["median"])
    assert c["outputs"]["compared"] and c["outputs"]["agree"]  # XNNPACK: within 1 LSB


@pytest.mark.skipif(not HAVE_LITERT, reason="ai_edge_litert not installed")
def test_bench_compare_litert_reference_is_bit_exact():
    r = tflite_rt.benchmark(INT8, num_runs=2, min_secs=0, compare="litert", litert_resolver="builtin_ref")
    assert r.compare["resolver"] == "builtin_ref"
    assert r.compare["outputs"]["agree"] and r.compare["outputs"]["exact"]


# ---------------------------------------------------------------------------------------------
# the in-memory model writer used by bench/kernels.py
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"])
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_one_op_models(op, dtype):
    data, flops, moved = one_op_model(op, dtype, h=8, w=8, cin=8, cout=8, units=16)
    assert flops > 0 and moved > 0
    it = Interpreter(model_content=data)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    x = np.random.default_rng(0).integers(-100, 100, size=d["shape"]).astype(d["dtype"])
    it.set_tensor(d["index"], x)
    it.invoke()
    got = it.get_tensor(it.get_output_details()[0]["index"])
    if HAVE_LITERT:
        from ai_edge_litert.interpreter import Interpreter as LiteRT, OpResolverType

        ref = LiteRT(model_content=data, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        ref.allocate_tensors()
        ref.set_tensor(ref.get_input_details()[0]["index"], x)
        ref.invoke()
        want = ref.get_tensor(ref.get_output_details()[0]["index"])
        if dtype == "int8":
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_bench_signature(capsys):
    sig = list(Interpreter(model_path=INT8).get_signature_list())[0]
    r = tflite_rt.benchmark(INT8, num_runs=2, min_secs=0, signature=sig)
    assert r.signature == sig and r.count >= 2
    code, _, err = run_cli(capsys, "bench", INT8, *FAST, "--signature", "nope")
    assert_one_line_error(code, err, "nope")


# ---------------------------------------------------------------------------------------------
# bench/ scripts (smoke runs, so they do not rot)
# ---------------------------------------------------------------------------------------------

def _script(name, *argv, cwd):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, os.path.join(REPO, "bench", name), *argv], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


def test_bench_kernels_script(tmp_path):
    r = _script("kernels.py", "--ops", "FULLY_CONNECTED", "--num_runs", "1", "--min_secs", "0",
                "--json", "k.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = json.loads((tmp_path / "k.json").read_text())["rows"]
    assert {(row["dtype"], row["isa_cap"]) for row in rows} >= {("float32", "ref"), ("int8", "ref")}
    assert all(row["gflops"] > 0 for row in rows)
    assert "| fc 1x1024->1000 | int8 | ref |" in r.stdout


def test_bench_suite_script(tmp_path, unsupported_model):
    r = _script("suite.py", INT8, unsupported_model, "--threads", "1", "--num_runs", "2", "--min_secs", "0",
                "--no-compare", "--json", "s.json", "--chart", "", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "| mnist__int8 | 1 |" in r.stdout and "skipped" in r.stdout
    runs = json.loads((tmp_path / "s.json").read_text())["runs"]
    assert [x["status"] for x in runs] == ["ok", "unsupported"]
