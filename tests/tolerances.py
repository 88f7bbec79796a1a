"""How close tflite_rt's floating-point outputs must be to the oracle: the one place it is written.

Integer and bool outputs are never compared with a tolerance: they must be bit-exact with
LiteRT's reference kernels (BUILTIN_REF), on every ISA path.

A float output passes when, over all finite elements,

    max |got - ref|  <=  atol + rtol * max |ref|

and both have NaN / +-inf in the same places. The bound is relative to the output's largest
magnitude, not element-wise: summation order (SIMD lanes, tiling, threads, FMA) moves every
element by a few ulps of the *accumulated* magnitude, so small elements next to large ones
carry absolute, not relative, error.

The numbers, per kind of computation:

FLOAT32      float32 kernels vs the float32 reference. rtol 1e-4 covers reordered sums with
             K up to ~10^4 (about K * 2^-24 of the partial sums) and polynomial exp/tanh/
             logistic approximations (a few ulp); atol 1e-6 covers outputs that are ~0.
HYBRID       dynamic-range ("dr") paths: int8 weights, float activations quantized on the fly.
             The per-batch input quantization can round one step differently from the
             reference (a different but valid rounding of the scale), which moves a dot
             product by up to one input step times sum|w|: allowed 1% of the output range.
FLOAT16      float16 weights (DEQUANTIZE to float32, then float32 kernels) or float16
             arithmetic: 11-bit mantissa, about 5e-4 per rounding, a few roundings deep.
DEQUANTIZED  float outputs of fully-integer graphs (QUANTIZE ... DEQUANTIZE, "int8 float
             I/O"): the integers must be equal, so the floats may differ only by the
             rounding of the final scale multiply (scale * (q - zp) in float vs double).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    name: str
    atol: float
    rtol: float

    def bound(self, ref_absmax):
        """The largest allowed max|got - ref| for an output whose max|ref| is ref_absmax."""
        return self.atol + self.rtol * ref_absmax


FLOAT32 = Tolerance("float32", atol=1e-6, rtol=1e-4)
HYBRID = Tolerance("hybrid (dynamic-range int8 weights)", atol=1e-5, rtol=1e-2)
FLOAT16 = Tolerance("float16", atol=1e-4, rtol=1e-2)
DEQUANTIZED = Tolerance("dequantized integer path", atol=0.0, rtol=1e-6)

# Model variant suffix (file names ARCH__VARIANT.tflite) -> tolerance for its float outputs.
BY_VARIANT = {
    "fp32": FLOAT32,
    "dr": HYBRID,
    "fp16": FLOAT16,
    "int8": DEQUANTIZED,
    "int8_fio": DEQUANTIZED,
    "int16x8": DEQUANTIZED,
}


def for_variant(variant):
    return BY_VARIANT.get(variant, FLOAT32)
