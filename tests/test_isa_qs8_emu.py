"""The AVX-512 int8 kernels (csrc/kernels/x86_avx512/qs8_*.c) and int16x8 CONV_2D and
DEPTHWISE_CONV_2D kernels (qs16_conv_avx512.c, qs16_dwconv_avx512.c) on an emulated CPU, bit for
bit against the reference kernels, for machines without AVX-512 (run natively,
test_isa_qs8.py and test_isa_qs16.py cover them through the interpreter).

tests/c/qs8_kernel_driver.c is built twice: as a native shared library around the reference
kernels (the expected bytes), and freestanding around the AVX-512 kernels, which is loaded into
bochscpu (PyPI `bochscpu-python`: the Bochs CPU model, with AVX-512 F/BW/DQ/VL but no VNNI).
For the emulator build the VNNI conv files are compiled with TFLRT_QS8_EMULATE_VNNI, which
swaps _mm512_dpbusd_epi32 and _mm512_dpwssd_epi32 for their exact AVX-512BW equivalents, so
everything else in those files (im2col panels, the +128 correction, tiles, chunking, int64
widening, requantization, masked stores) is checked.

Every input array ends at a page followed by an unmapped page, and the output is followed by
one too, so a read past an input or a write past the output faults in the emulator; output
bytes outside the rows written must keep their sentinel. Skipped when gcc or bochscpu is
missing (pip install bochscpu-python) or the machine is not x86-64.
"""
import os
import pickle
import platform
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(REPO, "csrc")
DRIVER = os.path.join(REPO, "tests", "c", "qs8_kernel_driver.c")
X86 = platform.machine().lower() in ("x86_64", "amd64")
PAGE = 4096
SENTINEL = 0x5A

# qs8_case layout (tests/c/qs8_kernel_driver.c): 31 int32 fields, then 8 pointers
FIELDS = ["kind", "batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "filter_h",
          "filter_w", "filter_c", "out_c_per_group", "depth_multiplier", "stride_h", "stride_w",
          "dilation_h", "dilation_w", "pad_h", "pad_w", "input_offset", "filter_offset",
          "output_offset", "q_min", "q_max", "begin", "split", "end", "in_features",
          "out_features", "pad_"]
POINTERS = ["input", "filter", "bias", "mult", "shift", "scale", "output", "work"]


def case_bytes(c, ptrs):
    return struct.pack("<30i", *[int(c.get(f, 0)) for f in FIELDS]) + \
        struct.pack("<8Q", *[ptrs.get(k, 0) for k in POINTERS])


# ---- cases -----------------------------------------------------------------------------------

def window(n, k, stride, dilation, padding):
    eff = (k - 1) * dilation + 1
    out = (n + stride - 1) // stride if padding == "SAME" else (n - eff) // stride + 1
    pad = max((out - 1) * stride + eff - n, 0) // 2
    return out, pad


def i8(rng, shape):
    x = rng.integers(-128, 128, shape)
    m = rng.random(shape)
    return np.where(m < 0.05, -128, np.where(m > 0.95, 127, x)).astype(np.int8)


def requant_params(rng, n):
    """Random valid (multiplier, shift) pairs as tflrt_quantize_multiplier makes them."""
    mult = rng.integers(2**30, 2**31, n).astype(np.int64)
    shift = rng.integers(-20, 12, n)
    zero = rng.random(n) < 0.05
    mult[zero], shift[zero] = 0, 0
    mult[:2] = [2**30, 2**31 - 1][: min(2, n)]
    return mult.astype(np.int32), shift.astype(np.int32)


def i16(rng, shape):
    x = rng.integers(-32768, 32768, shape)
    m = rng.random(shape)
    return np.where(m < 0.05, -32768, np.where(m > 0.95, 32767, x)).astype(np.int16)


def conv_case(seed, kind, n, h, w, c, cout, k, stride, dil, padding, mult=1):
    """kind 1 / 2: int8 CONV_2D / DEPTHWISE_CONV_2D; 4 / 5: the int16x8 ones (zero points 0,
    int64 bias: random, at the kernels' fast-path limit +-(2^46 - 1), or, for seed % 4 == 3,
    beyond it). The output size is in bytes."""
    rng = np.random.default_rng(zlib.crc32(repr(("emu", seed, kind, h, w, c, cout, k)).encode()))
    oh, ph = window(h, k[0], stride[0], dil[0], padding)
    ow, pw = window(w, k[1], stride[1], dil[1], padding)
    conv, wide = kind in (1, 4), kind >= 4
    if conv:
        filt = i8(rng, (cout, k[0], k[1], c))
    else:
        cout = c * mult
        filt = i8(rng, (1, k[0], k[1], cout))
    mlt, sh = requant_params(rng, cout)
    if wide:
        zi = zo = 0
        q_min, q_max = [(-32768, 32767), (0, 32767), (-500, 500)][seed % 3]
        bias = rng.integers(-2**40, 2**40, cout, dtype=np.int64)
        bias[::5] = [2**46 - 1, 1 - 2**46][seed % 2]
        if seed % 4 == 3:
            bias[1::7] = [2**62, -2**47][seed % 2]
        x = i16(rng, (n, h, w, c))
    else:
        zi, zo = [int(v) for v in rng.choice([-128, 127, 0, int(rng.integers(-128, 128))], 2)]
        q_min, q_max = [(-128, 127), (zo, 127), (max(-128, zo - 40), min(127, zo + 40))][seed % 3]
        bias = rng.integers(-2**20, 2**20, cout).astype(np.int32)
        bias[::5] = rng.integers(-2**31, 2**31 - 1, len(bias[::5]))
        x = i8(rng, (n, h, w, c))
    rows = n * oh
    split = int(rng.integers(0, rows + 1))
    c_ = dict(kind=kind, batches=n, in_h=h, in_w=w, in_c=c, out_h=oh, out_w=ow, out_c=cout,
              filter_h=k[0], filter_w=k[1], filter_c=c if conv else 1, out_c_per_group=cout,
              depth_multiplier=mult, stride_h=stride[0], stride_w=stride[1], dilation_h=dil[0],
              dilation_w=dil[1], pad_h=ph, pad_w=pw, input_offset=-zi, filter_offset=0,
              output_offset=zo, q_min=q_min, q_max=q_max, begin=0, split=split, end=rows)
    arrays = dict(input=x, filter=filt, bias=bias, mult=mlt, shift=sh)
    return c_, arrays, n * oh * ow * cout * x.itemsize


def fc_case(seed, batches, k, units, wzp=0):
    rng = np.random.default_rng(zlib.crc32(repr(("emufc", seed, batches, k, units)).encode()))
    zi, zo = [int(v) for v in rng.choice([-128, 127, 0, int(rng.integers(-128, 128))], 2)]
    scale = (10.0 ** rng.uniform(-6, -1, units)).astype(np.float64)
    scale[0] = 0.5  # exact ties
    bias = rng.integers(-2**20, 2**20, units).astype(np.int32)
    bias[::4] = rng.integers(-2**31, 2**31 - 1, len(bias[::4]))
    c_ = dict(kind=3, batches=batches, in_features=k, out_features=units, input_offset=-zi,
              filter_offset=-wzp, output_offset=zo, q_min=-128 if seed % 2 else max(-128, zo),
              q_max=127, begin=0, split=int(rng.integers(0, batches + 1)), end=batches)
    arrays = dict(input=i8(rng, (batches, k)), filter=i8(rng, (units, k)), bias=bias, scale=scale)
    return c_, arrays, batches * units


def all_cases():
    cases = []
    # int8 (kinds 1, 2) then int16x8 (4, 5): the same geometries
    for conv, dw, off in ((1, 2, 0), (4, 5, 1000)):
        # CONV_2D: pointwise over tile boundaries (8 pixels, 16/32/48 channels, K groups of 4 / 2)
        for i, (h, w, c, co) in enumerate([(1, 1, 1, 1), (1, 7, 3, 15), (2, 4, 4, 16), (3, 3, 5, 17),
                                           (1, 9, 16, 31), (4, 4, 17, 32), (3, 5, 33, 33),
                                           (2, 8, 64, 47), (5, 5, 15, 48), (3, 6, 40, 49),
                                           (1, 17, 96, 97), (7, 7, 24, 144)]):
            cases.append(conv_case(off + i, conv, 1, h, w, c, co, (1, 1), (1, 1), (1, 1), "VALID"))
        # CONV_2D: general windows
        for i, (h, w, c, co, k, s, d, pad) in enumerate([
                (9, 9, 3, 32, (3, 3), (2, 2), (1, 1), "SAME"), (6, 7, 2, 9, (3, 3), (1, 1), (2, 2), "SAME"),
                (11, 5, 5, 17, (5, 2), (2, 1), (1, 3), "SAME"), (8, 8, 16, 33, (1, 3), (1, 2), (1, 1), "VALID"),
                (3, 3, 24, 49, (2, 2), (1, 1), (1, 1), "VALID"), (10, 10, 8, 20, (1, 1), (2, 2), (1, 1), "SAME"),
                (1, 1, 9, 5, (3, 3), (1, 1), (1, 1), "SAME"), (5, 6, 13, 8, (4, 4), (3, 2), (1, 1), "SAME")]):
            cases.append(conv_case(off + 100 + i, conv, 1 + i % 2, h, w, c, co, k, s, d, pad))
        # CONV_2D: K' beyond one panel chunk (4096 bytes / 2048 int16), and around the int16x8
        # int32 blocks (480 values)
        for i, (h, w, c, co, k, pad) in enumerate([(3, 4, 640, 20, (3, 3), "SAME"), (2, 5, 4100, 18, (1, 1), "VALID"),
                                                   (3, 4, 481, 20, (1, 1), "SAME"), (3, 4, 240, 17, (3, 3), "SAME")]):
            cases.append(conv_case(off + 200 + i, conv, 1, h, w, c, co, k, (1, 1), (1, 1), pad))
        # DEPTHWISE_CONV_2D
        for i, c in enumerate([1, 7, 16, 31, 32, 33, 48, 65]):
            cases.append(conv_case(off + 300 + i, dw, 1, 7, 9, c, 0, (3, 3), (1 + i % 2, 1 + i % 2), (1, 1),
                                   "SAME" if i % 3 else "VALID"))
        for i, (h, w, c, k, s, d, pad) in enumerate([
                (6, 7, 33, (2, 2), (1, 1), (1, 1), "SAME"), (9, 9, 32, (5, 5), (2, 2), (1, 1), "SAME"),
                (8, 6, 17, (3, 1), (1, 2), (2, 1), "SAME"), (10, 10, 5, (8, 8), (1, 1), (1, 1), "SAME"),
                (6, 6, 40, (3, 3), (1, 1), (2, 2), "SAME"), (2, 2, 24, (3, 3), (1, 1), (1, 1), "SAME")]):
            cases.append(conv_case(off + 400 + i, dw, 1 + i % 2, h, w, c, 0, k, s, d, pad))
    # FULLY_CONNECTED
    for i, (b, k, u) in enumerate([(1, 1, 1), (2, 15, 3), (1, 31, 4), (3, 32, 5), (1, 33, 8),
                                   (2, 63, 9), (1, 64, 16), (1, 1280, 17)]):
        cases.append(fc_case(500 + i, b, k, u, wzp=int(i % 3 == 1) * (i * 37 % 255 - 127)))
    return cases


# ---- native reference ------------------------------------------------------------------------

def build(tmp):
    cc = shutil.which("gcc")
    inc = ["-I", os.path.join(CSRC, "include"), "-I", CSRC]
    ref = os.path.join(tmp, "ref.so")
    kref = os.path.join(CSRC, "kernels", "reference")
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-DQS8_DRIVER_REF", *inc, DRIVER,
                    os.path.join(kref, "conv_ref.c"), os.path.join(kref, "depthwise_ref.c"),
                    os.path.join(kref, "fc_ref.c"), os.path.join(CSRC, "quant", "quant.c"), "-lm",
                    "-o", ref], check=True)
    elf = os.path.join(tmp, "drv.elf")
    k512 = os.path.join(CSRC, "kernels", "x86_avx512")
    subprocess.run([cc, "-O2", "-std=c11", "-ffreestanding", "-fno-stack-protector", "-fno-pie",
                    "-no-pie", "-static", "-nostdlib", "-fno-asynchronous-unwind-tables",
                    "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx512vnni", "-mfma",
                    "-mf16c", "-DTFLRT_QS8_EMULATE_VNNI", *inc, DRIVER,
                    os.path.join(k512, "qs8_conv_avx512.c"), os.path.join(k512, "qs8_dwconv_avx512.c"),
                    os.path.join(k512, "qs8_fc_avx512.c"), os.path.join(k512, "qs16_conv_avx512.c"),
                    os.path.join(k512, "qs16_dwconv_avx512.c"), "-Wl,-e,qs8_run_case", "-o", elf],
                   check=True)
    shim = os.path.join(tmp, "libshim.so")  # bochscpu wheels may need glibc 2.38 symbols
    src = os.path.join(tmp, "shim.c")
    with open(src, "w") as f:
        f.write("#include <stdlib.h>\n#include <stdio.h>\n#include <stdarg.h>\n"
                "unsigned long long __isoc23_strtoull(const char* s, char** e, int b)"
                " { return strtoull(s, e, b); }\n"
                "int __isoc23_sscanf(const char* s, const char* f, ...) { va_list a; va_start(a, f);"
                " int r = vsscanf(s, f, a); va_end(a); return r; }\n")
    subprocess.run([cc, "-shared", "-fPIC", src, "-o", shim], check=True)
    return ref, elf, shim


def run_native(ref_so, cases):
    import ctypes
    lib = ctypes.CDLL(ref_so)
    lib.qs8_run_case.argtypes = [ctypes.c_char_p]
    lib.qs8_run_case.restype = ctypes.c_int64
    outs = []
    for c, arrays, n_out in cases:
        keep = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        out = np.full(n_out, SENTINEL, np.uint8)
        ptrs = {k: v.ctypes.data for k, v in keep.items()}
        ptrs["output"] = out.ctypes.data
        blob = case_bytes(c, ptrs)
        lib.qs8_run_case(blob)
        outs.append(out.copy())
    return outs


# ---- the emulator side (a subprocess: bochscpu needs LD_PRELOAD of the shim on some hosts) ----

def emulate(elf_path, case_file, out_file):
    import bochscpu
    import bochscpu.cpu
    import bochscpu.memory

    with open(case_file, "rb") as f:
        cases = pickle.load(f)
    elf = open(elf_path, "rb").read()
    entry = struct.unpack_from("<Q", elf, 24)[0]
    phoff, phentsize, phnum = struct.unpack_from("<Q", elf, 32)[0], *struct.unpack_from("<HH", elf, 54)
    pt = bochscpu.memory.PageMapLevel4Table()
    next_gpa = [0x2000000]
    mapped = {}

    def map_range(va, size):
        for page in range(va // PAGE * PAGE, (va + size + PAGE - 1) // PAGE * PAGE, PAGE):
            if page in mapped:
                continue
            hva = bochscpu.memory.allocate_host_page()
            gpa = next_gpa[0]
            next_gpa[0] += PAGE
            bochscpu.memory.page_insert(gpa, hva)
            pt.insert(page, gpa, 1)
            mapped[page] = gpa

    segments = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, p_memsz = struct.unpack_from(
            "<IIQQQQQ", elf, phoff + i * phentsize)
        if p_type == 1:  # PT_LOAD
            map_range(p_vaddr, p_memsz)
            segments.append((p_vaddr, elf[p_offset:p_offset + p_filesz], p_memsz))
    STUB, STACK = 0x10000, 0x100000
    map_range(STUB, PAGE)
    map_range(STACK, 64 * PAGE)
    # arrays: each in its own range, ending at a page boundary followed by an unmapped page
    va = [0x10000000]
    layouts = []
    for blob in cases:
        c, arrays, n_out = blob
        lay = {}
        for name, arr in list(arrays.items()) + [("output", np.full(n_out + 64, SENTINEL, np.uint8)),
                                                 ("work", None)]:
            if name == "work":
                size = 64 * 1024 + 4 * (c.get("out_c", 1) + 64) * (
                    c.get("filter_h", 1) * c.get("filter_w", 1) * c.get("in_c", 1) + 64)
                raw = b""
            else:
                raw = np.ascontiguousarray(arr).tobytes()
                size = len(raw)
            if name == "output":  # the 64 extra sentinel bytes: must survive too
                size = n_out
                raw = raw[:n_out]
            pages = (size + 64 + PAGE - 1) // PAGE + 1
            base = va[0] + pages * PAGE - size - (64 if name == "output" else 0)
            if name == "work":
                base = va[0]
            map_range(va[0], pages * PAGE)
            lay[name] = (base, raw, size)
            va[0] += (pages + 1) * PAGE  # + 1 unmapped guard page
        layouts.append(lay)
    pml4 = 0x1000000
    for hva, gpa in pt.commit(pml4):
        bochscpu.memory.page_insert(gpa, hva)

    def write(addr, raw):
        for off in range(0, len(raw), 1 << 16):
            assert bochscpu.memory.virt_write(pml4, addr + off, list(raw[off:off + (1 << 16)]))

    for vaddr, raw, memsz in segments:
        write(vaddr, raw + bytes(memsz - len(raw)))
    sess = bochscpu.Session()

    def missing(gpa):
        raise RuntimeError(f"missing page {gpa:#x}")
    sess.missing_page_handler = missing
    results = []
    for blob, lay in zip(cases, layouts):
        c, arrays, n_out = blob
        ptrs = {}
        for name, (base, raw, size) in lay.items():
            if name == "work":
                raw = bytes(size)  # packed weights are written into zeroed memory
            if raw:
                write(base, raw)
            if name == "output":
                write(base + size, bytes([SENTINEL] * 64))
            ptrs[name] = base
        case_addr = STACK + 8
        write(case_addr, case_bytes(c, ptrs))
        # stub: mov rdi, case; mov rax, entry; call rax; hlt (#GP at CPL 3: the stop signal)
        stub = b"\x48\xbf" + struct.pack("<Q", case_addr) + b"\x48\xb8" + struct.pack("<Q", entry) + \
            b"\xff\xd0\xf4"
        write(STUB, stub)
        st = bochscpu.State()
        bochscpu.cpu.set_long_mode(st)
        st.cr4 = st.cr4 | (1 << 9) | (1 << 10) | (1 << 18)  # OSFXSR, OSXMMEXCPT, OSXSAVE
        st.xcr0 = 0xE7  # x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM
        st.mxcsr = 0x1F80  # the power-on default: FP exceptions masked, round to nearest
        st.cr3 = pml4
        st.rsp = STACK + 64 * PAGE - 64
        st.rip = STUB
        cs = bochscpu.Segment()
        cs.present, cs.selector, cs.base, cs.limit, cs.attr = True, 0x33, 0, 0xFFFFFFFF, 0x22FB
        ds = bochscpu.Segment()
        ds.present, ds.selector, ds.base, ds.limit, ds.attr = True, 0x2B, 0, 0xFFFFFFFF, 0xCF3
        st.cs = cs
        st.ds = st.ss = st.es = st.fs = st.gs = ds
        sess.cpu.state = st
        event = []

        def on_exception(s, cpu_id, vector, error):
            event.append((vector, s.cpu.rip))
            s.stop()
        hook = bochscpu.Hook()
        hook.exception = on_exception
        sess.run([hook])
        done = event and event[0][0] == 13 and event[0][1] in (STUB + len(stub), STUB + len(stub) - 1)
        base, _, size = lay["output"]
        out = bytes(bochscpu.memory.virt_read(pml4, base, size + 64))
        results.append((bool(done), repr(event), int(sess.cpu.state.rax), out))
    with open(out_file, "wb") as f:
        pickle.dump(results, f)


@pytest.fixture(scope="module")
def emu_results():
    if not X86:
        pytest.skip("x86-64 only")
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    probe = subprocess.run([sys.executable, "-c", "import bochscpu"], capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        ref, elf, shim = build(tmp)
        env = dict(os.environ)
        if probe.returncode != 0:
            env["LD_PRELOAD"] = shim
            probe = subprocess.run([sys.executable, "-c", "import bochscpu"], capture_output=True, env=env)
            if probe.returncode != 0:
                pytest.skip("needs bochscpu (pip install bochscpu-python): "
                            + probe.stderr.decode(errors="replace").strip().splitlines()[-1])
        cases = all_cases()
        expected = run_native(ref, cases)
        case_file, out_file = os.path.join(tmp, "cases.pkl"), os.path.join(tmp, "out.pkl")
        with open(case_file, "wb") as f:
            pickle.dump(cases, f)
        r = subprocess.run([sys.executable, os.path.abspath(__file__), elf, case_file, out_file],
                           env=env, capture_output=True, timeout=1800)
        if r.returncode != 0:
            raise AssertionError("emulator run failed:\n" + r.stderr.decode(errors="replace")[-3000:])
        with open(out_file, "rb") as f:
            got = pickle.load(f)
    return cases, expected, got


@pytest.mark.parametrize("index", range(len(all_cases())))
def test_avx512_kernel_on_emulator(emu_results, index):
    cases, expected, got = emu_results
    c, _, n_out = cases[index]
    done, event, packed, out = got[index]
    what = {k: c[k] for k in ("kind", "batches", "in_h", "in_w", "in_c", "out_c", "filter_h",
                              "filter_w", "stride_h", "stride_w", "in_features", "out_features") if k in c}
    assert done, f"{what}: the emulated run did not return normally: {event}"
    if c["kind"] != 3 and packed == 0:
        pytest.skip(f"{what}: not packed (the op keeps the reference kernel)")
    out = np.frombuffer(out, np.uint8)
    assert np.all(out[n_out:] == SENTINEL), f"{what}: wrote past the end of the output"
    exp = expected[index]
    if not np.array_equal(out[:n_out], exp):
        bad = np.flatnonzero(out[:n_out] != exp)
        raise AssertionError(f"{what}: {len(bad)} of {n_out} bytes differ; first at {bad[0]}: "
                             f"{out[bad[0]].astype(np.int8)} vs {exp[bad[0]].astype(np.int8)}")


if __name__ == "__main__":
    emulate(sys.argv[1], sys.argv[2], sys.argv[3])
