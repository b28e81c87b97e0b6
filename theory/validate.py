"""Argument checks shared by every layer (theory, numerics, verify).

Every public function validates its inputs with these, so that bad input raises
:class:`~superdyn.theory.errors.InvalidInput` (a ``ValueError``) that names the argument and
the allowed range, never a NaN.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import InvalidInput

__all__ = [
    "MAX_BATCH_SIZE",
    "as_float_array",
    "broadcast_arrays",
    "check_batch_size",
    "check_count",
    "check_real",
    "overflow_as_inf",
    "require",
    "scalar_or_array",
]


def check_real(
    name: str,
    value,
    *,
    lower: float | None = None,
    upper: float | None = None,
    lower_open: bool = False,
    upper_open: bool = False,
) -> float:
    """Return ``value`` as a float after checking it is finite and in range.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    value : real number
        Value to check.
    lower, upper : float, optional
        Bounds of the allowed interval.
    lower_open, upper_open : bool
        Whether the bound itself is excluded.

    Raises
    ------
    ValueError
        If ``value`` is not a finite real number inside the interval.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInput(f"{name} must be a real number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise InvalidInput(f"{name} must be finite, got {value!r}")
    if lower is not None and (x < lower or (lower_open and x == lower)):
        raise InvalidInput(f"{name} must be {'>' if lower_open else '>='} {lower}, got {name}={x:g}")
    if upper is not None and (x > upper or (upper_open and x == upper)):
        raise InvalidInput(f"{name} must be {'<' if upper_open else '<='} {upper}, got {name}={x:g}")
    return x


def check_count(name: str, value, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int after checking it is a whole number >= ``minimum``.

    Floats holding whole numbers (``1e12``) are accepted, so that large sizes can be
    written in scientific notation.
    """
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number >= {minimum}, got {value!r}")
    if isinstance(value, numbers.Integral):
        n = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        n = int(value)
    else:
        raise InvalidInput(f"{name} must be a whole number >= {minimum}, got {value!r}")
    if n < minimum:
        raise InvalidInput(f"{name} must be >= {minimum}, got {name}={n}")
    if maximum is not None and n > maximum:
        raise InvalidInput(f"{name} must be <= {maximum}, got {name}={n}")
    return n


def as_float_array(name: str, value, *, allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a float64 array, rejecting non-finite entries (and empty input)."""
    if isinstance(value, (str, bytes)) or np.asarray(value).dtype.kind in "USV":  # no numbers read from text
        raise InvalidInput(f"{name} must be real numbers, got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{name} must be real numbers, got {value!r}") from exc
    if arr.size == 0 and not allow_empty:
        raise InvalidInput(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise InvalidInput(f"{name} must be finite, got non-finite entries in {name}")
    return arr


def broadcast_arrays(**named):
    """Validate named array-likes (finite reals) and broadcast them to one shape."""
    arrays = {k: as_float_array(k, v) for k, v in named.items()}
    try:
        shapes = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        raise InvalidInput(f"{', '.join(named)} must broadcast together") from None
    return {k: np.broadcast_to(a, shapes) for k, a in arrays.items()}


def scalar_or_array(value, positive: bool = False, **inputs):
    """Return a float when every named input was a scalar, else a float64 array.

    A result that is not finite (an overflow near the edge of the domain) is a ValueError
    naming the inputs and their (first) values; so is, with ``positive``, a result below
    float64's smallest normal number (an underflow that would read as 0).
    """
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(np.asarray(value, dtype=np.float64))
    if (
        positive
        and np.all(finite)
        and np.any(np.abs(np.asarray(value, dtype=np.float64)) < np.finfo(float).tiny)
    ):
        shown = ", ".join(f"{k}={np.asarray(x).ravel()[0]:g}" for k, x in inputs.items() if np.size(x))
        raise InvalidInput(
            f"the result underflows float64 (below 2.2e-308) for {shown}; use values farther from the edge "
            "of the domain"
        )
    if not np.all(finite):
        shown = ", ".join(
            f"{k}={np.asarray(x).ravel()[0]:g}" if np.size(x) else f"{k}=[]" for k, x in inputs.items()
        )
        raise InvalidInput(
            f"the result overflows float64 for {shown}; use values farther from the edge of the domain"
        )
    if all(np.ndim(x) == 0 for x in inputs.values()):
        return float(value)
    return np.asarray(value, dtype=np.float64)


def require(condition: np.ndarray, message: str, **values) -> None:
    """Raise ValueError(message, first offending values) unless ``condition`` holds everywhere."""
    if not np.all(condition):
        bad = ~np.asarray(condition)
        shown = ", ".join(f"{k}={np.asarray(v)[bad].ravel()[0]:g}" for k, v in values.items())
        raise InvalidInput(f"{message}, got {shown}")


def overflow_as_inf(fn):
    """``fn`` with an overflow or a division by zero (a value past 1e308) read as inf."""

    def call(value):
        try:
            return fn(value)
        except (OverflowError, ZeroDivisionError):
            return math.inf

    return call


#: Largest finite batch size (beyond it the noise terms ~ 1/b are below float64's resolution).
MAX_BATCH_SIZE = 1e12


def check_batch_size(batch_size) -> float:
    """A whole number of samples per step in [1, 1e12], or inf (gradient descent)."""
    if isinstance(batch_size, numbers.Real) and not isinstance(batch_size, bool) and batch_size == math.inf:
        return math.inf
    b = check_real("batch_size", batch_size, lower=1.0)
    if not (b.is_integer() and b <= MAX_BATCH_SIZE):
        raise InvalidInput(f"batch_size must be a whole number in [1, 1e12] or inf, got {batch_size!r}")
    return b


def check_modes(rates, weights, *, flatten: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(rates, weights) of a mode spectrum as float64 arrays: equal length, every entry >= 0.

    The one check of rates and weights, for ``superdyn.theory.ModeSpectrum`` and
    ``superdyn.numerics.spectral_loss``.
    ``flatten`` accepts any shape (raveled); otherwise both must be 1-D.
    """
    rates = as_float_array("rates", rates)
    weights = as_float_array("weights", weights)
    if flatten:
        rates, weights = rates.ravel(), weights.ravel()
    elif rates.ndim != 1 or weights.ndim != 1:
        raise InvalidInput(f"rates and weights must be 1-D, got shapes {rates.shape} and {weights.shape}")
    if rates.shape != weights.shape:
        raise InvalidInput(
            f"rates and weights must have the same length, got {rates.size} and {weights.size}"
        )
    if np.any(rates < 0):
        raise InvalidInput(f"rates must be >= 0, got min(rates)={rates.min():g}")
    if np.any(weights < 0):
        raise InvalidInput(f"weights must be >= 0, got min(weights)={weights.min():g}")
    return rates, weights


#: The longest time limit a derivation or a parse accepts (one day), in seconds.
MAX_TIMEOUT = 86400.0


def check_timeout(timeout, *, name: str = "timeout"):
    """``timeout`` as float seconds in (0, MAX_TIMEOUT], or None (no limit).

    Raises
    ------
    InvalidInput
        For text, booleans, non-finite numbers, numbers <= 0 or above :data:`MAX_TIMEOUT`.
    """
    from .errors import InvalidInput

    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise InvalidInput(f"{name} must be a number of seconds or None, got {timeout!r}")
    seconds = float(timeout)
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT):
        raise InvalidInput(
            f"{name} must be a number of seconds in (0, {MAX_TIMEOUT:g}] or None, got {timeout!r}"
        )
    return seconds
