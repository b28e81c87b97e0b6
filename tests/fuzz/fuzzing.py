"""The judge and the input strategies of the fuzz suite.

A call passes when it returns a finite, valid result (every number in it finite, at any
depth of dataclasses, tuples, dicts and arrays) or raises a ValueError whose message names
one of the callable's parameters (or a quantity listed for that case). Anything else, a
TypeError, a ZeroDivisionError, a NaN in a result, a warning, fails the test with the input
that caused it. Every judged call is counted; the counts are printed at the end of the run.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import inspect
import math
import numbers
import os
import re
import signal

import numpy as np
import sympy as sp
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from superdyn.numerics.fit import FitError
from superdyn.theory.errors import DerivationError, InvalidInput

#: Examples per fuzz test: 60 in the ci profile, 1000 with HYPOTHESIS_PROFILE=thorough.
FUZZ_EXAMPLES = 60 if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else 1000
fuzz = settings(max_examples=FUZZ_EXAMPLES)

#: (case name) -> Counter of outcomes ("result", "refused"); read by tests/conftest.py.
OUTCOMES: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


def _non_finite(value, path: str) -> str | None:
    """Return the path of the first non-finite number inside ``value``, or None."""
    if value is None or isinstance(value, (str, bytes, bool, sp.Symbol)):
        return None
    if isinstance(value, sp.Basic):
        return path if value.has(sp.nan, sp.zoo) else None
    if isinstance(value, numbers.Number):
        return None if np.isfinite(complex(value)) else path
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            for i, item in enumerate(value.ravel()):
                if (found := _non_finite(item, f"{path}[{i}]")) is not None:
                    return found
            return None
        if np.issubdtype(value.dtype, np.number) and not np.all(np.isfinite(value)):
            return path
        return None
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            if (found := _non_finite(getattr(value, field.name), f"{path}.{field.name}")) is not None:
                return found
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (tuple, list)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if (found := _non_finite(item, f"{path}[{key!r}]")) is not None:
            return found
    return None


#: A call that runs longer than this fails: bad input must not hang.
CALL_SECONDS = 20.0


class CallTooSlow(AssertionError):
    """A judged call ran past ``CALL_SECONDS``."""


@contextlib.contextmanager
def _time_limit(seconds: float, what: str):
    def expire(signum, frame):
        raise CallTooSlow(f"{what} ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parameter_names(function) -> tuple[str, ...]:
    """The names of ``function``'s parameters (empty when it has no signature)."""
    try:
        return tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return ()


#: What a refusal may be: the one class for bad arguments, or a fit or derivation that cannot be made.
REFUSALS = (InvalidInput, FitError, DerivationError)


def judge(case: str, function, *args, names=(), **kwargs):
    """Call ``function``; accept a finite result or a ValueError naming a parameter.

    Parameters
    ----------
    case : str
        Name under which the outcome is counted.
    function : callable
        What is called.
    names : iterable of str
        Quantities besides the parameters that a refusal may name (a derived quantity
        such as ``lambda_min``, or the parameter of a callee).

    Returns
    -------
    The result, or None when the call was refused.
    """
    allowed = set(parameter_names(function)) | set(names)
    allowed.discard("self")
    try:
        with _time_limit(CALL_SECONDS, f"{case}(args={args!r}, kwargs={kwargs!r})"):
            result = function(*args, **kwargs)
    except ValueError as exc:
        message = str(exc)
        kind = type(exc).__name__
        assert isinstance(exc, REFUSALS), f"{case}: refused with {kind}, not InvalidInput: {message}"
        assert "\n" not in message.strip(), f"{case}: a refusal is one line, got {message!r}"
        named = [
            n for n in allowed if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message)
        ]
        assert named, (
            f"{case}: refused without naming any of {sorted(allowed)}: {message!r} "
            f"(args={args!r}, kwargs={kwargs!r})"
        )
        OUTCOMES[case]["refused"] += 1
        return None
    found = _non_finite(result, case)
    assert found is None, f"{case}: non-finite value at {found} (args={args!r}, kwargs={kwargs!r})"
    OUTCOMES[case]["result"] += 1
    return result


# ---------------------------------------------------------------------------- strategies

EDGES = [
    0.0,
    -0.0,
    5e-324,
    1e-310,
    1e-300,
    1e-16,
    0.5,
    1.0,
    1.0000001,
    1.1,
    1.5,
    2.0,
    3.0,
    10.0,
    1e3,
    1e15,
    1e300,
    1.7976931348623157e308,
    -1.0,
    -1e300,
    math.inf,
    -math.inf,
    math.nan,
]
JUNK = [None, "1.5", "x", "", [], [1.0], {}, True, False, 1 + 1j, b"1", (1, 2)]

#: Real numbers: the ordinary range (half the draws), edges of the domains, any float64 and
#: Python integers beyond it.
reals = st.one_of(
    st.floats(min_value=-0.5, max_value=4.0),
    st.floats(min_value=0.0, max_value=3.0),
    st.sampled_from(EDGES),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
)
#: Sizes: small, large, past the documented limits, negative, fractional.
counts = st.one_of(
    st.integers(min_value=1, max_value=2000),
    st.integers(min_value=-5, max_value=2000),
    st.sampled_from(
        [0, 1, 2, 3, 10, 1000, 10**6, 10**8 + 1, 10**12, 10**12 + 1, 10**30, -1, 2.5, 1e12, math.nan]
    ),
)
junk = st.sampled_from(JUNK)
#: A real number most of the time, junk (None, strings, containers, complex) one time in six.
scalars = st.one_of(reals, reals, reals, reals, reals, junk)
small_counts = st.one_of(
    st.integers(min_value=-5, max_value=2000), st.sampled_from([0, 2.5, 1e9, math.nan]), junk
)


def float_arrays(max_size: int = 6):
    """Arrays and lists of reals with any float64 entries, of any small shape (0-d to 2-d)."""
    entries = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(EDGES))
    return st.one_of(
        hnp.arrays(
            np.float64,
            hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=max_size),
            elements=entries,
        ),
        st.lists(entries, max_size=max_size),
        st.lists(st.floats(min_value=1e-3, max_value=1e6), min_size=1, max_size=max_size),
        junk,
    )


#: Times: mostly increasing positive grids (the valid use), sometimes anything at all.
def time_grids():
    good = st.builds(
        lambda lo, decades, n: np.logspace(lo, lo + decades, n),
        st.floats(min_value=-3, max_value=290),
        st.floats(min_value=0, max_value=18),
        st.integers(min_value=1, max_value=40),
    )
    return st.one_of(good, float_arrays(), st.sampled_from(EDGES))


def profiles():
    """Profiles built with valid-looking and extreme parameters (None when refused)."""
    from superdyn.theory import AlgebraicEdge, Constant, PowerLaw, StretchedExponential

    def build(cls, *params):
        try:
            return cls(*params)
        except ValueError:
            return None

    return st.one_of(
        st.builds(build, st.just(PowerLaw), st.one_of(st.floats(0, 4), reals)),
        st.builds(
            build,
            st.just(StretchedExponential),
            st.one_of(st.floats(1e-3, 1e3), reals),
            st.one_of(st.floats(0.1, 3), reals),
        ),
        st.builds(build, st.just(AlgebraicEdge), st.one_of(st.floats(0, 40), reals)),
        st.just(Constant()),
    ).filter(lambda p: p is not None)


def tasks(max_features: int = 10**12):
    """Tasks that construct (the Task constructor itself is fuzzed separately)."""
    from superdyn.theory import Task

    sizes = st.sampled_from(
        [n for n in (1, 2, 3, 17, 64, 500, 10**4, 10**6, 10**9, 10**12) if n <= max_features]
    )

    def build(frequencies, channels, n, density, value_max):
        try:
            return Task(frequencies, channels=channels, n_features=n, density=density, value_max=value_max)
        except ValueError:
            return None

    return st.builds(
        build,
        profiles(),
        profiles(),
        sizes,
        st.one_of(st.just(1.0), st.floats(1e-6, 1e3), st.sampled_from([1e-300, 1e300])),
        st.one_of(st.just(1.0), st.floats(1e-3, 1e3), st.sampled_from([1e-150, 1e150])),
    ).filter(lambda t: t is not None)


def arguments(valid: dict, bad: dict):
    """Keyword arguments: each from ``valid``, except up to two drawn from ``bad``.

    Breaking one or two arguments at a time reaches the checks of each one; breaking all
    of them at once would only ever test the first check.
    """

    @st.composite
    def draw(draw_):
        broken = draw_(st.sets(st.sampled_from(sorted(valid)), max_size=2), label="broken")
        return {k: draw_(bad[k] if k in broken else valid[k], label=k) for k in valid}

    return draw()


#: Increasing positive time grids of the ordinary kind.
good_times = st.builds(
    lambda lo, decades, n: np.logspace(lo, lo + decades, n),
    st.floats(min_value=-2, max_value=6),
    st.floats(min_value=0.5, max_value=6),
    st.integers(min_value=2, max_value=50),
)
