"""Laws from the engine against exact discrete sums (the slow numpy reference)."""

import math

import numpy as np
import pytest
from hypothesis import given
from superdyn.theory import (
    AlgebraicEdge,
    PowerLaw,
    StretchedExponential,
    Task,
    alpha_algebraic,
    alpha_power_law,
    prefactor_power_law,
)
from superdyn.theory.testing import power_law_params


def _law(task):
    return task.scaling_law(timeout=None)


def test_prefactor_matches_discrete_sum_mid_window():
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=10**6)
    law = _law(task)
    t = np.array([1e2, 1e3, 1e4])
    ratio = law.loss(t) / task.modes().loss(t)
    assert np.abs(ratio - 1).max() < 1e-2
    # negative control: the same law without the factor Gamma(alpha) = Gamma(2/3) is far off
    assert np.abs(ratio / math.gamma(float(law.alpha)) - 1).min() > 0.2  # 1 - 1/Gamma(2/3) = 0.26


@given(power_law_params(a=(1.2, 3.0), b=(0.0, 0.5)))
def test_finite_n_law_matches_discrete_sum(p):
    a, b = p["a"], p["b"]
    task = Task(PowerLaw(a), PowerLaw(b), n_features=4096)
    law = _law(task)
    # mid-training: the learning front i_c, where 2 t lambda(i_c) = 1, runs from 10 to N/2
    t = 1 / (2 * task.rates_at(np.round(np.logspace(1, np.log10(2048), 7))))
    exact = task.modes()
    assert law.loss(t, n_features=4096) == pytest.approx(exact.loss(t), rel=2e-2)
    assert law.local_exponent(t, n_features=4096) == pytest.approx(exact.local_exponent(t), abs=2e-2)


@pytest.mark.parametrize("a", [1.1, 1.5])
def test_finite_n_local_exponent_on_paper_window(a):
    task = Task(PowerLaw(a), n_features=1024)
    law = _law(task)
    t = np.logspace(2, 4, 21)
    predicted = law.local_exponent(t, n_features=1024)
    assert predicted == pytest.approx(task.modes().local_exponent(t), abs=1e-3)
    # the infinite-N exponent is far from what N = 1024 shows on [1e3, 1e4]
    window = predicted[10:]
    if a == 1.1:
        assert alpha_power_law(a) < 0.1 < 0.6 < window.mean() < 0.8


@pytest.mark.parametrize(("a", "b"), [(1.5, 0.25), (2.0, 0.0), (3.0, 0.5)])
def test_power_law_exponent_deep_in_window(a, b):
    task = Task(PowerLaw(a), PowerLaw(b), n_features=10**6)
    lo, hi = task.window
    t = np.sqrt(lo * hi) * np.array([0.1, 1.0])
    assert task.modes().local_exponent(t) == pytest.approx(alpha_power_law(a, b), abs=5e-3)


def test_algebraic_exponent_deep_in_window():
    task = Task(AlgebraicEdge(1.0), n_features=4096)
    t = np.array([1e5, 1e6])  # the front is near the edge: 1/lambda_min = 2.5e7
    assert task.modes().local_exponent(t) == pytest.approx(alpha_algebraic(1.0), abs=2e-3)


def test_first_log_correction_stretched_exponential():
    task = Task(StretchedExponential(1.0, 0.5), n_features=10**6)
    law = _law(task)
    assert law.log_power == 1 and law.correction is not None
    t = np.array([10.0, 1e2, 1e4, 1e8, 1e12])
    exact = task.modes().loss(t)
    corrected = law.loss(t) / exact
    leading = law.loss(t, log_correction=False) / exact
    assert abs(corrected[0] - 1) < 0.03
    assert np.abs(corrected[1:] - 1).max() < 1e-3
    assert law.local_exponent(t[1:]) == pytest.approx(task.modes().local_exponent(t[1:]), abs=1e-3)
    # negative control: without the correction the law is visibly off, even at t = 1e12
    assert abs(leading[0] - 1) > 0.3 and abs(leading[-1] - 1) > 0.02


@given(power_law_params(a=(1.2, 3.0), b=(0.0, 0.5)))
def test_local_exponent_is_the_log_derivative_of_loss(p):
    a, b = p["a"], p["b"]
    law = _law(Task(PowerLaw(a), PowerLaw(b), n_features=2048))
    t = np.logspace(1, 5, 5)
    h = 1e-5
    numeric = -(
        np.log(law.loss(t * np.exp(h), n_features=2048)) - np.log(law.loss(t * np.exp(-h), n_features=2048))
    ) / (2 * h)
    assert law.local_exponent(t, n_features=2048) == pytest.approx(numeric, abs=1e-6)


def test_loss_with_parameters_and_bad_input():
    import sympy as sp
    from superdyn.theory import derive

    z, a = sp.symbols("z a", positive=True)
    law = derive(z**-a / 3, z**-a / 6, z)
    t = np.array([10.0, 100.0])
    alpha = 1 / 3
    expected = prefactor_power_law(1.5, 0.0, 1 / 3) * math.gamma(alpha) * (2 * t) ** -alpha
    assert law.loss(t, a=1.5) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="missing"):
        law.loss(t)
    with pytest.raises(ValueError, match="unknown"):
        law.loss(t, a=1.5, b=2)
    with pytest.raises(ValueError, match="violate"):
        law.loss(t, a=0.5)
    assert not hasattr(law, "evaluate")  # the 0.3 name is gone (CHANGELOG)
    with pytest.raises(ValueError, match="t must be > 0"):
        law.loss([-1.0], a=1.5)
    assert "\\Gamma" in law.latex() or "gamma" in law.latex().lower()
    assert law.to_dict()["alpha"] == "(a - 1)/a"


def test_finite_n_needs_zero_log_power():
    law = _law(Task(StretchedExponential(1.0, 0.5), n_features=1000))
    with pytest.raises(ValueError, match="log_power = 0"):
        law.loss([100.0], n_features=1000)
