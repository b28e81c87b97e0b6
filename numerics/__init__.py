"""superdyn.numerics: the exact discrete theory, evaluated fast, and power-law fits.

One numba kernel evaluates every linear model's spectral form
L(t) = L_inf + sum_m w_m exp(-2 lambda_m t) (DESIGN.md); the no-superposition loss of
a Task for any N up to 1e12, the exact linear superposition dynamics for any
embedding, and fits of exponents with their uncertainties build on it. mpmath twins
in :mod:`superdyn.numerics.reference` are the high-precision reference.
"""

from .curve import LossCurve
from .exact import exact_loss
from .exponent_table import ExponentRow, ExponentTable, power_law_exponent_table
from .fit import (
    FitError,
    FlooredPowerLawFit,
    LocalExponentProfile,
    PowerLawFit,
    WindowSensitivity,
    find_window,
    fit_power_law,
    fit_power_law_with_floor,
    local_exponent_profile,
    matching_windows,
    window_sensitivity,
)
from .kernel import spectral_loss
from .reference import exact_loss_mpmath, sgd_loss_dense, spectral_loss_mpmath
from .sgd import sgd_loss, sgd_stability_limit
from .superposition import linear_superposition, superposition_modes

__all__ = [
    "ExponentRow",
    "ExponentTable",
    "FitError",
    "FlooredPowerLawFit",
    "LocalExponentProfile",
    "LossCurve",
    "PowerLawFit",
    "WindowSensitivity",
    "exact_loss",
    "exact_loss_mpmath",
    "find_window",
    "fit_power_law",
    "fit_power_law_with_floor",
    "linear_superposition",
    "local_exponent_profile",
    "matching_windows",
    "power_law_exponent_table",
    "sgd_loss",
    "sgd_loss_dense",
    "sgd_stability_limit",
    "spectral_loss",
    "spectral_loss_mpmath",
    "superposition_modes",
    "window_sensitivity",
]
