"""superdyn.numerics: the exact discrete theory, evaluated fast, and power-law fits.

One numba kernel evaluates every linear model's spectral form
L(t) = L_inf + sum_m w_m exp(-2 lambda_m t) (DESIGN.md); the no-superposition loss of
a Task for any N up to 1e12, the exact linear superposition dynamics for any
embedding, and fits of exponents with their uncertainties build on it. mpmath twins
in :mod:`numerics.reference` are the high-precision reference.
"""

from .curve import LossCurve
from .exact import exact_loss
from .kernel import spectral_loss
from .reference import exact_loss_mpmath, spectral_loss_mpmath
from .superposition import linear_superposition, superposition_modes

__all__ = [
    "LossCurve",
    "exact_loss",
    "exact_loss_mpmath",
    "linear_superposition",
    "spectral_loss",
    "spectral_loss_mpmath",
    "superposition_modes",
]
