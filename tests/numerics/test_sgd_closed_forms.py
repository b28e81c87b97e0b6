"""The closed forms of superdyn.theory.sgd against the exact recursion of superdyn.numerics.sgd_loss."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from superdyn.numerics import sgd_loss, sgd_stability_limit
from superdyn.theory import Constant, OnlineSGD, PowerLaw, StretchedExponential, Task, sgd_lr_limit

INF = float("inf")


def _ratio_to_flow(task, t, lr, batch):
    sgd = sgd_loss(task, t, lr=lr, batch_size=batch, covariance="diagonal").loss
    flow = sgd_loss(task, t, lr=lr, batch_size=INF, covariance="diagonal").loss
    return sgd / flow


@given(
    a=st.floats(1.05, 3.0),  # (b = 0.3 fixed: the kernel mass does not depend on the channels)
    density=st.floats(1e-3, 2.0),
    n=st.integers(1, 3000),
    batch=st.sampled_from([1, 2, 3, 8, 64]),
    fraction=st.floats(0.01, 0.99),
)
def test_the_kernel_mass_is_within_its_sparse_bound(a, density, n, batch, fraction):
    try:
        task = Task(PowerLaw(a), PowerLaw(0.3), n_features=n, density=density)
        sgd = OnlineSGD(task, fraction * sgd_lr_limit(batch, density=density), batch)
    except ValueError as exc:  # density > N, p_1 > 1, or beyond the discrete model's limit
        assert any(word in str(exc) for word in ("density", "lr="))
        return
    assert abs(sgd.kernel_mass / sgd.kernel_mass_sparse - 1) <= sgd.sparse_error * (1 + 1e-9) + 1e-12
    # Eqs. (2) and (3): at lr = f eta_max, k_sparse = f E m2^2 / ((1 - f) m4 + E m2^2), so k -> 1 as f -> 1
    m2, m4 = 1 / 3, 1 / 5
    expected = fraction * density * m2**2 / ((1 - fraction) * m4 + density * m2**2)
    assert sgd.kernel_mass_sparse == pytest.approx(expected, rel=1e-10)


@given(
    a=st.floats(1.05, 3.0),
    density=st.floats(1e-3, 1.0),
    n=st.integers(50, 1500),
    batch=st.sampled_from([1, 2, 8, 64]),
)
def test_the_sparse_lr_limit_is_the_limit_of_the_recursion(a, density, n, batch):
    try:
        task = Task(PowerLaw(a), n_features=n, density=density)
    except ValueError:
        return
    exact = sgd_stability_limit(task, batch_size=batch)
    sparsity = exact * task.rate_max
    if sparsity < 0.1:  # measured: the relative error stays below sparsity / 2
        assert abs(sgd_lr_limit(batch, density=density) / exact - 1) <= sparsity


@pytest.mark.parametrize("batch", [1, 8])
def test_online_sgd_is_refused_exactly_where_the_recursion_grows(batch):
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=256)
    limit = sgd_stability_limit(task, batch_size=batch)
    OnlineSGD(task, 0.999 * limit, batch)
    with pytest.raises(ValueError, match=r"lr=.*beyond the stability limit.*batch_size=" + str(batch)):
        OnlineSGD(task, 1.001 * limit, batch)
    with pytest.raises(ValueError, match=r"lr=.*stability"):
        sgd_loss(task, [10.0], lr=1.001 * limit, batch_size=batch, covariance="diagonal")


def test_shifted_regime_the_ratio_to_gradient_flow_converges_to_its_closed_form():
    # 2b < a: alpha survives, L_SGD / L_GF -> (1 - gamma)^-alpha / (1 - k); the approach goes
    # as t^-(kappa - 1) = t^-(2/3) here
    task = Task(PowerLaw(3.0), PowerLaw(0.25), n_features=20_000, density=0.1)
    sgd = OnlineSGD(task, lr=2.0, batch_size=1)
    assert sgd.regime == "shifted" and sgd.alpha == pytest.approx(2.5 / 3)
    t = np.logspace(3, 5, 5)
    misfit = np.abs(_ratio_to_flow(task, t, 2.0, 1) / sgd.loss_ratio - 1)
    assert np.all(np.diff(misfit) < 0) and misfit[-1] < 1e-3  # measured: 1.3e-2 ... 6.2e-4


def test_noise_regime_the_two_term_law_converges_and_sets_the_exponent():
    # 2b > a: the noise kernel's exponent 2 - 1/a = 1.6 replaces alpha = 1.8 after the crossover
    task = Task(PowerLaw(2.5), PowerLaw(1.5), n_features=20_000)
    sgd = OnlineSGD(task, lr=1.0, batch_size=1)
    assert sgd.regime == "noise" and sgd.alpha == pytest.approx(1.6) and sgd.alpha_flow == pytest.approx(1.8)
    t = np.array([3e3, 1e4, 3e4, 1e5])
    exact = sgd_loss(task, t, lr=1.0, batch_size=1, covariance="diagonal")
    assert np.all(np.abs(exact.loss / sgd.loss(t) - 1) < 6e-3)  # measured: 4.3e-3 ... 1e-3
    step = 1.01
    law_slope = -np.log(sgd.loss(t * step) / sgd.loss(t / step)) / (2 * np.log(step))
    assert np.allclose(exact.local_exponent[1:], law_slope[1:], atol=0.01)
    assert exact.local_exponent[-1] < 1.69  # measured 1.677, drifting from 1.8 towards 1.6
    flow = sgd_loss(task, t, lr=1.0, batch_size=INF, covariance="diagonal")
    assert np.all(flow.local_exponent[1:] > 1.79)
    # at the crossover time the two terms of Eq. (4) are equal
    tx = np.array([sgd.crossover_time])
    k = sgd.kernel_mass
    flow_term = sgd.flow_loss(sgd.rate_factor * tx) / (1 - k)
    noise_term = sgd.noise_kernel(tx) * sgd.source_integral / (1 - k) ** 2
    assert flow_term == pytest.approx(noise_term, rel=1e-9)
    with pytest.raises(ValueError, match="noise"):
        _ = sgd.loss_ratio


def test_an_infinite_batch_has_no_noise():
    sgd = OnlineSGD(Task(PowerLaw(1.5), PowerLaw(1.0), n_features=100), lr=1.0, batch_size=INF)
    assert sgd.gamma == 0.0 and sgd.kernel_mass == 0.0 and sgd.alpha == sgd.alpha_flow
    with pytest.raises(ValueError, match="batch_size=inf has no noise"):
        sgd_lr_limit(INF)
    with pytest.raises(ValueError, match="gradient-descent"):  # beyond 2 / lambda_max
        OnlineSGD(
            Task(PowerLaw(1.5), n_features=100),
            lr=2.01 / Task(PowerLaw(1.5), n_features=100).rate_max,
            batch_size=INF,
        )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lr": 0.0}, "lr must be > 0"),
        ({"lr": 5.0}, r"lr=5 is beyond the stability limit"),
        ({"batch_size": 0.5}, "batch_size must be >= 1"),
        ({"batch_size": 2.5}, "batch_size must be a whole number"),
        ({"task": "task"}, "task must be a superdyn.theory.Task"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, match):
    args = {"task": Task(PowerLaw(1.5), n_features=64), "lr": 1.0, "batch_size": 1} | kwargs
    with pytest.raises(ValueError, match=match):
        OnlineSGD(**args)


def test_the_exponent_needs_the_power_law_class():
    sgd = OnlineSGD(Task(StretchedExponential(0.5, 0.5), n_features=64), lr=0.5, batch_size=1)
    assert 0 < sgd.kernel_mass < 1  # the rate factor and kernel mass hold for any profile
    with pytest.raises(ValueError, match="task: the exponent under SGD"):
        _ = sgd.alpha
    with pytest.raises(ValueError, match="a > 1"):
        _ = OnlineSGD(Task(PowerLaw(0.8), n_features=64), lr=0.5, batch_size=1).alpha
    flat = OnlineSGD(Task(PowerLaw(1.5), Constant(), n_features=64), lr=0.5, batch_size=1)
    assert flat.alpha_flow == pytest.approx(1 / 3) and flat.regime == "shifted"
    with pytest.raises(ValueError, match="t must be"):
        flat.loss([0.0])
    with pytest.raises(ValueError, match=r"alpha = 0\.3333 <= 1"):
        _ = flat.source_integral
