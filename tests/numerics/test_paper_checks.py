"""The paper's exact-sum numbers (Fig. 11) and the Fig. 3 exponent grid, with windows stated.

Sampling: 20 points per decade on t in [1e-2, 1e8]; fits are OLS of ln L on ln t.
"""

import numpy as np
import pytest
from superdyn.numerics import exact_loss
from superdyn.numerics.exponent_table import power_law_exponent_table
from superdyn.numerics.fit import fit_power_law, matching_windows
from superdyn.theory import AlgebraicEdge, StretchedExponential, Task
from superdyn.theory.paper_values import PAPER

T = np.logspace(-2, 8, 201)
EXPONENTIAL = Task(StretchedExponential(0.5, 1.0), n_features=1024)  # p ∝ exp(-0.5 i)
LINEAR = Task(AlgebraicEdge(1.0), n_features=1024)  # p ∝ N - i


def test_fig11_local_exponents_reach_one_and_two():
    exponential = exact_loss(EXPONENTIAL, T)
    late = (T >= 1e2) & (T <= 1e8)
    assert np.max(np.abs(exponential.local_exponent[late] - 1.0)) < 1e-4
    linear = exact_loss(LINEAR, T)
    window = (T >= 1e4) & (T <= 1e5)
    assert np.max(np.abs(linear.local_exponent[window] - 2.0)) < 3e-3
    # past 1 / lambda_min = 1.6e6 the finite-N cutoff takes over: faster than t^-2
    assert linear.local_exponent[T >= 1e7].min() > 2.5


@pytest.mark.parametrize(
    ("task", "key", "window", "starts"),
    [
        # the exponential needs a window from t ~ 1 (before the t^-1 regime has settled)
        (EXPONENTIAL, "fig11_exponential_alpha", (1.0, 10**7.4), (10**-0.1, 10**0.85)),
        # the linear one a window from t ~ 2e3 (while the curve still bends towards t^-2)
        (LINEAR, "fig11_linear_alpha", (10**3.3, 10**5.75), (10**3.1, 10**3.5)),
    ],
)
def test_fig11_fits_reproduce_the_paper_on_stated_windows(task, key, window, starts):
    quoted = PAPER[key]
    loss = exact_loss(task, T).loss
    fit = fit_power_law(T, loss, window)
    assert abs(fit.alpha - quoted.value) <= quoted.stderr
    # every window of at least a decade that reproduces the number (with a usable stderr)
    # starts in the stated range: the agreement depends on the window, as the report says
    found = [f for f in matching_windows(T, loss, quoted.value, quoted.stderr) if f.stderr < 0.01]
    assert found
    assert all(starts[0] * 0.999 <= f.window[0] <= starts[1] * 1.001 for f in found)
    # the asymptotic exponent is a different number, far outside the quoted error bar
    asymptote = round(quoted.value)
    assert abs(asymptote - quoted.value) > 5 * quoted.stderr


def test_fig3_grid_makes_the_finite_n_cutoff_visible():
    table = power_law_exponent_table()
    rows = {(r.a, r.b): r for r in table.rows}
    assert len(rows) == 12
    small_a = rows[(1.1, 0.0)]
    assert small_a.alpha_theory == pytest.approx(1 / 11)
    assert small_a.alpha_fit - small_a.alpha_theory > 0.5  # ~0.71 against 0.09
    for b in (0.0, 0.25, 0.5):
        gaps = [rows[(a, b)].alpha_fit - rows[(a, b)].alpha_theory for a in (1.1, 1.25, 1.5, 2.0)]
        assert all(g > 0 for g in gaps) and gaps == sorted(gaps, reverse=True)
    assert abs(rows[(2.0, 0.5)].alpha_fit - 1.0) < 5e-3
    for r in table.rows:
        assert r.local_min <= r.alpha_fit <= r.local_max
        assert abs(r.alpha_infinite - r.alpha_theory) < 0.02  # N = 1e12: no cutoff in the window
    assert "(a+2b-1)/a" in str(table)
