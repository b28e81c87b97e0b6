"""An exponential that LLVM can vectorise, for the numba kernels.

numba calls libm's ``exp`` one value at a time (pip's llvmlite has no SVML), so a loop
of exponentials runs at scalar speed. Here exp(x) is split as

    x = n ln2 + r,   |r| <= ln2 / 2,   exp(x) = 2^n * P13(r),

with P13 the degree-13 Taylor polynomial of exp (truncation below 5e-18 relative,
measured error <= 1.01 ulp over [-708, 709]) and ln2 split in two parts (Cody-Waite)
so that r is exact. Only float arithmetic appears in :func:`exp_parts`; the scale 2^n is
assembled by integer arithmetic on the bits of ``n + MAGIC`` in a separate loop
(see :func:`scale_bits`), because AVX2 has no float -> int64 conversion.

Arguments below -708 give 0 (the true value is < 3.3e-308 and only matters when the
whole sum underflows; the kernels then switch to log space).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["EXP_FLOOR", "FASTMATH", "MAGIC", "MAGIC_BITS", "exp_parts", "scale_bits"]

#: Safe fast-math flags: reassociation and contraction, but NaN and inf semantics kept.
FASTMATH = {"contract", "reassoc", "nsz", "arcp"}
#: Arguments below this give 0.
EXP_FLOOR = -708.0
_EXP_CEIL = 709.0
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
#: n + MAGIC holds n + 1023 in the low mantissa bits (exact for |n| < 2^51).
MAGIC = 1023.0 + 2.0**52
MAGIC_BITS = int(np.array([2.0**52]).view(np.int64)[0])
_C = tuple(1.0 / math.factorial(k) for k in range(14))
_HORNER = _C[12::-1]  # c12, ..., c0


@njit(inline="always", fastmath=FASTMATH)
def exp_parts(x):
    """Return (P13(r), n + MAGIC) with exp(x) = P13(r) * 2^n, or (0, MAGIC) below EXP_FLOOR."""
    xc = min(max(x, EXP_FLOOR), _EXP_CEIL)
    n = np.floor(xc * _LOG2E + 0.5)
    r = xc - n * _LN2_HI - n * _LN2_LO
    p = _C[13]
    for coefficient in _HORNER:  # Horner: P13(r) = (...(c13 r + c12) r + ...) r + c0
        p = p * r + coefficient
    return (p if x >= EXP_FLOOR else 0.0), n + MAGIC


@njit(inline="always")
def scale_bits(magic_bits):
    """Bits of 2^n from the int64 view of n + MAGIC."""
    return (magic_bits - MAGIC_BITS) << 52
