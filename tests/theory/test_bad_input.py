"""Extreme and bad input gives a finite, valid result or a ValueError naming what is wrong."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from superdyn.numerics import fit_power_law, window_sensitivity
from superdyn.theory import (
    AlgebraicEdge,
    Custom,
    DerivationError,
    PowerLaw,
    StretchedExponential,
    Task,
    alpha_algebraic,
    alpha_exponential,
    alpha_power_law,
    derive,
    log_power_exponential,
    prefactor_power_law,
)

any_float = st.floats(allow_nan=True, allow_infinity=True)


@pytest.mark.parametrize(
    "profile",
    [AlgebraicEdge(200), StretchedExponential(800, 1), Custom("exp(z)", "z")],
    ids=["overflowing edge", "underflowing exponential", "growing custom"],
)
def test_profiles_that_leave_float64_are_refused_by_the_task(profile):
    with pytest.raises(ValueError, match=r"^frequencies: (sum of f|f\(index\) leaves float64)"):
        Task(profile, n_features=1024)


def test_custom_edge_must_be_a_finite_number():
    with pytest.raises(ValueError, match="edge_at must be finite"):
        Custom("z**-2", "z", edge_at=float("nan"))


@given(any_float, any_float)
def test_closed_forms_are_finite_or_refused(a, b):
    for function in (alpha_power_law, alpha_exponential, log_power_exponential, prefactor_power_law):
        try:
            value = function(a, b)
        except ValueError:
            continue
        assert np.isfinite(value), (function.__name__, a, b)
    try:
        assert np.isfinite(alpha_algebraic(a))
    except ValueError:
        pass


def test_overflow_near_the_edge_of_the_domain_is_a_value_error():
    with pytest.raises(ValueError, match="overflows float64"):
        alpha_power_law(1e-310, 1.0)


def test_a_window_without_a_finite_end_is_refused():
    with pytest.raises(ValueError, match="lambda_min underflows"):
        _ = Task(PowerLaw(2000)).window


def test_fits_refuse_what_they_cannot_fit():
    t = np.logspace(0, 3, 10)
    with pytest.raises(ValueError, match="at least one"):
        window_sensitivity(t, t**-1.0, windows=[])
    rising = window_sensitivity(t, t**1.0, windows=[(1, 10)])
    with pytest.raises(ValueError, match="no window gave a power-law fit"):
        _ = rising.alpha_range
    with pytest.raises(ValueError, match="not distinct in ln t"):
        fit_power_law(
            np.array([1e300, 1.0000000000000002e300, 1.0000000000000004e300]), np.array([1.0, 0.5, 0.25])
        )


def test_an_undecidable_derivation_is_a_derivation_error():
    with pytest.raises(DerivationError, match="could not decide"):
        derive("z**-a", "z**-3", "z")


def test_a_law_is_evaluated_only_where_it_was_derived():
    import sympy as sp

    z, a, b = sp.symbols("z a b", positive=True)
    law = derive(z**-a / 3, z ** (-a - 2 * b) / 6, z)
    # a = -1 satisfies (a + 2b - 1)/a > 0, but the law was derived for a > 0: its loss would be negative
    with pytest.raises(ValueError, match=r"a must be >= 0"):
        law.loss(np.array([10.0]), a=-1, b=0.25)
    with pytest.raises(ValueError, match="b must be a finite real number"):
        law.loss(np.array([10.0]), a=1.5, b=float("nan"))
    assert law.loss(np.array([10.0]), a=np.float64(1.5), b=np.int64(0))[0] > 0


def test_negative_or_complex_weights_are_refused():
    import sympy as sp

    with pytest.raises(DerivationError, match="weight must be real and >= 0"):
        derive("z**-2", "-z**-3", "z")
    z = sp.Symbol("z", positive=True)
    with pytest.raises(DerivationError):
        derive(z**-2, sp.I * z**-3, z)


def test_finite_size_exponent_checks_its_arguments():
    from superdyn.theory import finite_size_exponent

    with pytest.raises(ValueError, match="rate_min must be > 0"):
        finite_size_exponent(0.5, -1, [10])
    with pytest.raises(ValueError, match="alpha must be > 0"):
        finite_size_exponent(-0.5, 1e-3, [10])


def test_exact_curves_refuse_times_past_every_decay_and_stay_finite_before():
    from superdyn.numerics import exact_loss, spectral_loss

    task = Task(PowerLaw(1.1), n_features=10**6)  # the tail method
    with pytest.raises(ValueError, match=r"t must be <= .* every mode has decayed"):
        exact_loss(task, [1e20, 1e300])
    inside = exact_loss(task, np.array([1e10, 1e20, 4e22]))
    assert np.all(np.isfinite(inside.log_loss)) and np.all(np.isfinite(inside.local_exponent))
    slowest = task.rates_at([10**6])[0]
    assert inside.log_loss[-1] == pytest.approx(-2 * slowest * 4e22, rel=0.01)  # the slowest mode is left
    small = Task(PowerLaw(1.1), n_features=1000).modes()
    with pytest.raises(ValueError, match="t must be <="):
        spectral_loss(small.rates, small.weights, [1e150])
    assert np.all(np.isfinite(spectral_loss(small.rates, small.weights, [1e19]).log_loss))


def test_cluster_labels_beyond_n_are_refused_not_allocated():
    from superdyn.theory import clustered_limit

    with pytest.raises(ValueError, match=r"cluster labels must lie in 0\.\.3"):
        clustered_limit(Task(PowerLaw(1.1), n_features=4), np.array([0, 0, 0, 10**12]))


def test_the_mpmath_twins_check_what_the_fast_ones_check():
    from superdyn.numerics import exact_loss_mpmath, spectral_loss_mpmath

    with pytest.raises(ValueError, match="rates must be >= 0"):
        spectral_loss_mpmath([1.0, -1.0], [1.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="t must be >= 0"):
        spectral_loss_mpmath([1.0], [1.0], [-1.0])
    with pytest.raises(ValueError, match="lr"):
        spectral_loss_mpmath([1.0], [1.0], [1.0], lr=3.0)
    with pytest.raises(ValueError, match="plateau must be finite"):
        spectral_loss_mpmath([1.0], [1.0], [1.0], plateau=float("nan"))
    with pytest.raises(ValueError, match="dps must be >= 15"):
        spectral_loss_mpmath([1.0], [1.0], [1.0], dps=0)
    with pytest.raises(ValueError, match=r"task must be a superdyn\.theory\.Task"):
        exact_loss_mpmath("not a task", [1.0])
