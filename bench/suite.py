#!/usr/bin/env python3
"""Benchmark suite: tflite_rt against LiteRT on the corpus headline models, at 1 and 2 threads.

Each (model, threads) pair runs in its own process (`tflite-rt bench MODEL --compare litert`,
so a crash or a leak in one does not touch the others), alternating tflite_rt and LiteRT runs on
the same inputs. The suite writes every result as JSON, prints a markdown table of medians and
ratios, and draws a chart when matplotlib is installed.

    python3 bench/suite.py                                  # ../shared/models, default list
    python3 bench/suite.py --models DIR --only mobilenet --threads 1 --num_runs 20
    PYTHONPATH=/tmp/mypkg python3 bench/suite.py            # measure a private copy of the package

Models tflite_rt cannot run yet (UnsupportedOpError) are skipped with a note. See
bench/README.md for how to read the numbers.
"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_MODELS_DIR = os.path.normpath(os.path.join(REPO, "..", "shared", "models"))

ARCHS = ["mobilenet_v1_100", "mobilenet_v1_025", "mobilenet_v2_100", "mobilenet_v3_small", "efficientnet_b0",
         "kws_dscnn", "transformer"]
VARIANTS = ["fp32", "int8", "dr", "int16x8"]


def default_models(models_dir):
    out = []
    for arch in ARCHS:
        for v in VARIANTS:
            p = os.path.join(models_dir, f"{arch}__{v}.tflite")
            if os.path.isfile(p):
                out.append(p)
    return out


def package_root():
    """The directory the tflite_rt package is imported from, for the child processes."""
    spec = importlib.util.find_spec("tflite_rt")
    if spec is None or not spec.origin:
        return REPO
    return os.path.dirname(os.path.dirname(spec.origin))


def run_one(model, threads, args, env):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        cmd = [sys.executable, "-m", "tflite_rt.cli", "bench", model, "--num_threads", str(threads),
               "--num_runs", str(args.num_runs), "--warmup_runs", str(args.warmup_runs),
               "--min_secs", str(args.min_secs), "--max_secs", str(args.max_secs), "--json", out, "--no-progress"]
        if args.compare:
            cmd += ["--compare", "litert", "--litert_resolver", args.litert_resolver]
        t0 = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout)
        wall = time.time() - t0
        if p.returncode == 0 and os.path.isfile(out):
            with open(out) as f:
                return {"status": "ok", "wall_s": wall, "result": json.load(f)}
        err = [ln for ln in p.stderr.strip().splitlines() if not ln.startswith("INFO:")]
        msg = err[-1] if err else f"exit code {p.returncode}"
        status = "unsupported" if "UnsupportedOpError" in msg else "error"
        return {"status": status, "wall_s": wall, "error": msg.replace("tflite-rt: error: ", "")}


def _ms(us):
    return f"{us / 1e3:,.3f}" if us is not None else "-"


def markdown(rows, compare):
    head = "| model | threads | tflite_rt median ms | p5..p95 ms | first ms |"
    sep = "|---|---:|---:|---:|---:|"
    if compare:
        head += " LiteRT median ms | ratio (rt/LiteRT) | outputs |"
        sep += "---:|---:|---|"
    head += " rt peak RSS MB |"
    sep += "---:|"
    lines = [head, sep]
    for r in rows:
        name = os.path.basename(r["model"]).replace(".tflite", "")
        if r["status"] != "ok":
            m = re.search(r"Op (\S+) \(builtin code \d+, version (\d+)\)", r["error"])
            why = f"skipped: unsupported op {m.group(1)} v{m.group(2)}" if m else f"{r['status']}: {r['error'][:90]}"
            lines.append(f"| {name} | {r['threads']} | {why} |")
            continue
        d = r["result"]
        s = d["inference"]
        line = (f"| {name} | {r['threads']} | {_ms(s['median'])} | {_ms(s['p5'])}..{_ms(s['p95'])} | "
                f"{_ms(d['first_inference_us'])} |")
        if compare:
            c = d.get("compare")
            if c:
                o = c["outputs"]
                verdict = ("exact" if o.get("exact") else "agree") if o.get("agree") else (
                    "DIFFER" if o.get("compared", True) else "n/a")
                line += f" {_ms(c['inference']['median'])} | {c['ratios']['median']:.2f}x | {verdict} |"
            else:
                line += " - | - | - |"
        peak = d["memory"].get("peak_rss_tflite_rt_only_bytes") or d["memory"].get("peak_rss_bytes")
        line += f" {peak / 1e6:.1f} |" if peak else " - |"
        lines.append(line)
    return "\n".join(lines)


def chart(rows, path, compare):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not installed: no chart (pip install matplotlib)"
    ok = [r for r in rows if r["status"] == "ok"]
    if not ok:
        return "nothing to draw"
    threads = sorted({r["threads"] for r in ok})
    fig, axes = plt.subplots(len(threads), 1, figsize=(max(8, 0.55 * len(ok) / len(threads) + 3), 4 * len(threads)),
                             squeeze=False)
    for ax, t in zip(axes[:, 0], threads):
        sub = [r for r in ok if r["threads"] == t]
        names = [os.path.basename(r["model"]).replace(".tflite", "") for r in sub]
        x = list(range(len(sub)))
        rt = [r["result"]["inference"]["median"] / 1e3 for r in sub]
        w = 0.4 if compare else 0.8
        ax.bar([i - (w / 2 if compare else 0) for i in x], rt, width=w, label="tflite_rt", color="#1f77b4")
        if compare:
            lit = [(r["result"]["compare"] or {}).get("inference", {}).get("median", 0) / 1e3 for r in sub]
            ax.bar([i + w / 2 for i in x], lit, width=w, label="LiteRT", color="#ff7f0e")
            for i, r in enumerate(sub):
                c = r["result"].get("compare")
                if c:
                    ax.text(i, max(rt[i], lit[i]) * 1.15, f"{c['ratios']['median']:.1f}x", ha="center", fontsize=7)
        ax.set_yscale("log")
        top = max(rt + (lit if compare else []))
        ax.set_ylim(top=top * 5)  # room for the ratio labels
        ax.set_ylabel("median latency (ms, log)")
        ax.set_title(f"{t} thread{'s' if t > 1 else ''}")
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=45, ha="right", fontsize=7)
        ax.legend(fontsize=8)
    fig.suptitle("tflite_rt vs LiteRT: median latency per model (labels: tflite_rt / LiteRT)" if compare
                 else "tflite_rt: median latency per model")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="model files (default: the headline models of --models)")
    ap.add_argument("--models", dest="models_dir", default=DEFAULT_MODELS_DIR, help="directory of the corpus")
    ap.add_argument("--only", nargs="*", help="keep models whose file name contains one of these")
    ap.add_argument("--threads", nargs="*", type=int, default=[1, 2])
    ap.add_argument("--num_runs", type=int, default=10)
    ap.add_argument("--warmup_runs", type=int, default=1)
    ap.add_argument("--min_secs", type=float, default=0.5)
    ap.add_argument("--max_secs", type=float, default=60.0)
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per (model, threads) process")
    ap.add_argument("--no-compare", dest="compare", action="store_false", help="tflite_rt only")
    ap.add_argument("--litert_resolver", choices=["auto", "builtin", "builtin_ref"], default="auto")
    ap.add_argument("--json", default="suite.json", help="results file (default suite.json)")
    ap.add_argument("--chart", default="suite.png", help="chart file when matplotlib is installed")
    ap.add_argument("--markdown", help="also write the table to this file")
    args = ap.parse_args(argv)

    models = args.models or default_models(args.models_dir)
    if args.only:
        models = [m for m in models if any(s in os.path.basename(m) for s in args.only)]
    if not models:
        print(f"no models found (looked in {args.models_dir})", file=sys.stderr)
        return 2
    missing = [m for m in models if not os.path.isfile(m)]
    if missing:
        print(f"no such model file: {missing[0]}", file=sys.stderr)
        return 2
    if args.compare and importlib.util.find_spec("ai_edge_litert") is None:
        print("note: ai_edge_litert is not installed: tflite_rt only (pip install ai-edge-litert)", file=sys.stderr)
        args.compare = False

    env = dict(os.environ)
    root = package_root()
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    started = datetime.datetime.now().isoformat(timespec="seconds")
    try:
        load0 = list(os.getloadavg())
    except OSError:
        load0 = None
    rows = []
    n = len(models) * len(args.threads)
    for m in models:
        for t in args.threads:
            print(f"[{len(rows) + 1}/{n}] {os.path.basename(m)} threads={t} ...", end="", file=sys.stderr, flush=True)
            r = run_one(m, t, args, env)
            r.update(model=m, threads=t)
            rows.append(r)
            if r["status"] == "ok":
                s = r["result"]["inference"]
                c = r["result"].get("compare")
                extra = f", LiteRT {c['inference']['median'] / 1e3:.3f} ms ({c['ratios']['median']:.1f}x)" if c else ""
                print(f" median {s['median'] / 1e3:.3f} ms{extra} [{r['wall_s']:.0f} s]", file=sys.stderr)
            else:
                print(f" {r['status']}: {r['error'][:120]}", file=sys.stderr)
            if r["status"] == "unsupported":  # same answer at every thread count
                for t2 in args.threads[args.threads.index(t) + 1:]:
                    rows.append(dict(r, threads=t2))
                break

    try:
        load1 = list(os.getloadavg())
    except OSError:
        load1 = None
    meta = {"schema": "tflite_rt.suite/1", "started": started, "package": root, "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "loadavg_start": load0, "loadavg_end": load1,
            "settings": {k: getattr(args, k) for k in ("threads", "num_runs", "warmup_runs", "min_secs", "max_secs",
                                                         "compare", "litert_resolver")}}
    with open(args.json, "w") as f:
        json.dump({**meta, "runs": rows}, f, indent=2)
    table = markdown(rows, args.compare)
    print()
    print(table)
    skipped = [r for r in rows if r["status"] != "ok"]
    if skipped:
        print()
        print(f"{len({r['model'] for r in skipped})} model(s) skipped: " + "; ".join(
            sorted({f"{os.path.basename(r['model'])} ({r['status']})" for r in skipped})))
    if load1 and os.cpu_count() and load1[0] > os.cpu_count() * 0.75:
        print(f"\nnote: load average {load1[0]:.1f} on {os.cpu_count()} CPUs: other processes competed for the CPU; "
              "absolute times are inflated and noisy (ratios from alternated runs suffer less)")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    print(f"\nresults: {args.json}")
    if args.chart:
        note = chart(rows, args.chart, args.compare)
        print(note if note else f"chart: {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
