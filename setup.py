"""Build: the C core (csrc/) as a static library with its own flags, then the Cython extension.

Each ISA folder under csrc/kernels/ is compiled as its own library with that ISA's flags;
everything else is compiled for the baseline of the target (never -march=native), so a
wheel runs on every CPU of its architecture and picks kernels at run time.

Delegate plugins shipped with the package (csrc/delegates/NAME/*.c) are built as plain shared
libraries tflite_rt/delegates/libtflrt_NAME.so (no Python module: they only see
tflite_rt/delegate.h), by the same build_ext step as the extension, so `pip install .`,
`pip install -e .` and wheels all contain them; tflite_rt.delegates.path(NAME) finds them.

Environment:
  TFLITE_RT_SANITIZE=1   AddressSanitizer + UndefinedBehaviorSanitizer build (-fno-wrapv)
  TFLITE_RT_DEBUG=1      -O0 -g
"""
import glob
import os
import platform
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext as _build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ISA_DIRS = {
    # folder: (machines it is built for, flags)
    "x86_avx2": (("x86_64", "amd64"), ["-mavx2", "-mfma", "-mf16c"]),
    "x86_avx512": (("x86_64", "amd64"), ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx512vnni",
                                         "-mfma", "-mf16c"]),
    "arm_neon": (("aarch64", "arm64", "armv7l"), []),
}


def rel(paths):
    return sorted(os.path.relpath(p, HERE) for p in paths)


def core_sources():
    out = []
    for p in glob.glob(os.path.join(HERE, "csrc", "**", "*.c"), recursive=True):
        parts = os.path.relpath(p, HERE).split(os.sep)
        if any(d in parts for d in ISA_DIRS) or parts[1] == "delegates":  # plugins are built on their own
            continue
        out.append(p)
    return rel(out)


def flags():
    base = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-format-truncation",
            "-fvisibility=hidden", "-fno-strict-aliasing"]
    link = ["-pthread"]
    if os.environ.get("TFLITE_RT_SANITIZE") == "1":
        # -O2 like the release build: the tests that compare float kernels bit for bit (ISA
        # variants vs reference vs LiteRT) hold only for the code the release build generates
        # float-cast-overflow: gcc's "undefined" leaves out float -> integer conversions that
        # overflow (NaN included), which clang's includes (the libFuzzer build)
        checks = "address,undefined,float-cast-overflow"
        san = ["-fsanitize=" + checks, "-fno-sanitize-recover=undefined,float-cast-overflow",
               "-fno-omit-frame-pointer", "-fno-wrapv", "-g", "-O2"]
        base += san
        link += ["-fsanitize=" + checks]
    elif os.environ.get("TFLITE_RT_DEBUG") == "1":
        base += ["-O0", "-g"]
    else:
        base += ["-O2"]
    return base, link


machine = platform.machine().lower()
cflags, ldflags = flags()
include_dirs = ["csrc/include", "csrc"]

# build_clib rebuilds a library only when one of its .c files is newer than its object; every
# header and template fragment is a dependency too, or a library built before a header changed
# (the kernel-table struct, say) would be linked against objects built after it.
header_deps = rel(glob.glob(os.path.join(HERE, "csrc", "**", "*.h"), recursive=True)
                  + glob.glob(os.path.join(HERE, "csrc", "**", "*.inc"), recursive=True))
libraries = [("tflite_rt_core", {"sources": core_sources(), "include_dirs": include_dirs, "cflags": cflags,
                                 "obj_deps": {"": header_deps}})]
for folder, (machines, isa_flags) in ISA_DIRS.items():
    srcs = rel(glob.glob(os.path.join(HERE, "csrc", "kernels", folder, "*.c")))
    if srcs and machine in machines:
        libraries.append((f"tflite_rt_{folder}", {"sources": srcs, "include_dirs": include_dirs,
                                                   "cflags": cflags + isa_flags, "obj_deps": {"": header_deps}}))

ext_cflags = [f for f in cflags if f not in ("-std=c11", "-Wextra", "-Wall", "-fvisibility=hidden")]
ext_cflags = [f for f in ext_cflags if not f.startswith("-D_POSIX")]

extensions = [
    Extension(
        "tflite_rt._native",
        sources=["tflite_rt/_native.pyx"],
        include_dirs=include_dirs,
        # relink when any C source of the static libraries changes (build_ext does not see them)
        depends=header_deps + rel(glob.glob(os.path.join(HERE, "csrc", "**", "*.c"), recursive=True)),
        # The core and the ISA libraries call each other (dispatch.c calls each ISA's plug function,
        # ISA kernels fall back to the core's reference kernels): static libraries are searched
        # once, in order, so the core is listed again after the ISA libraries.
        libraries=[libraries[0][0]] + [name for name, _ in libraries[1:]] + [libraries[0][0]]
        + ["m", "dl"],  # dl: dlopen for delegates
        extra_compile_args=ext_cflags,
        extra_link_args=ldflags,
    )
]

try:
    from Cython.Build import cythonize

    extensions = cythonize(extensions, language_level=3)
except ImportError:  # building from an sdist that ships the generated C
    extensions[0].sources = ["tflite_rt/_native.c"]


# ---- delegate plugins: plain shared libraries, not Python modules ----
PLUGIN_PREFIX = "tflite_rt.delegates.libtflrt_"
plugin_cflags = cflags  # hidden visibility: only the two entry points are exported


def plugins():
    out = []
    for folder in sorted(glob.glob(os.path.join(HERE, "csrc", "delegates", "*"))):
        srcs = rel(glob.glob(os.path.join(folder, "*.c")))
        if not srcs:
            continue
        name = os.path.basename(folder)
        # The shipped plugins share the fixed-point helpers (csrc/quant: the one source of truth
        # for requantization) so that their integer results match the CPU kernels bit for bit.
        out.append(Extension(
            PLUGIN_PREFIX + name,
            sources=srcs + ["csrc/quant/quant.c", "csrc/quant/fixedpoint.c"],
            include_dirs=include_dirs,
            depends=rel(glob.glob(os.path.join(folder, "*.h"))) + [
                "csrc/include/tflite_rt/delegate.h", "csrc/include/tflite_rt/types.h",
                "csrc/quant/quant.h", "csrc/quant/fixedpoint.h"],
            libraries=["m"],
            extra_compile_args=plugin_cflags,
            extra_link_args=ldflags,
        ))
    return out


class build_ext(_build_ext):
    """build_ext that names plugin libraries libtflrt_NAME.so (no Python ABI suffix) and does not
    link them with the core libraries (they must not contain the runtime)."""

    def get_ext_filename(self, fullname):
        # called with the dotted name or (from get_ext_fullpath) with its last component only
        if fullname.split(".")[-1].startswith(PLUGIN_PREFIX.split(".")[-1]):
            return os.path.join(*fullname.split(".")) + ".so"
        return super().get_ext_filename(fullname)

    def get_export_symbols(self, ext):
        if ext.name.startswith(PLUGIN_PREFIX):
            return []  # no PyInit_: the plugin exports tflrt_delegate_create/destroy itself
        return super().get_export_symbols(ext)

    def build_extension(self, ext):
        if ext.name.startswith(PLUGIN_PREFIX):
            saved = self.compiler.libraries
            self.compiler.libraries = []  # build_clib's core libraries are for the extension only
            try:
                return super().build_extension(ext)
            finally:
                self.compiler.libraries = saved
        return super().build_extension(ext)


extensions += plugins()

setup(libraries=libraries, ext_modules=extensions, cmdclass={"build_ext": build_ext})
