"""Fuzz every public function of ``superdyn.numerics`` with bad and extreme input.

As in ``test_fuzz_theory``: a finite, valid result or a one-line ValueError naming the
parameter, within ``fuzzing.CALL_SECONDS``; anything else fails with the input.
"""

import numpy as np
from fuzzing import (
    FUZZ_EXAMPLES,
    arguments,
    counts,
    float_arrays,
    fuzz,
    good_times,
    judge,
    junk,
    scalars,
    tasks,
    time_grids,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from superdyn.numerics import (
    exact_loss,
    exact_loss_mpmath,
    find_window,
    fit_power_law,
    fit_power_law_with_floor,
    linear_superposition,
    local_exponent_profile,
    matching_windows,
    power_law_exponent_table,
    spectral_loss,
    spectral_loss_mpmath,
    superposition_modes,
    window_sensitivity,
)

options = st.one_of(st.sampled_from(["diagonal", "exact", "auto", "direct", "tail", "x"]), junk)
flags = st.one_of(st.booleans(), junk)
bad_times = st.one_of(time_grids(), float_arrays())


@fuzz
@given(task=tasks(), data=st.data())
def test_exact_loss(task, data):
    kwargs = data.draw(
        arguments(
            {
                "t": st.one_of(st.none(), good_times),
                "covariance": st.sampled_from(["diagonal", "exact"]),
                "method": st.sampled_from(["auto", "tail", "direct"]),
                "head": st.integers(100, 5000),
                "per_mode": st.booleans(),
            },
            {"t": bad_times, "covariance": options, "method": options, "head": counts, "per_mode": flags},
        )
    )
    if (task.n_features > 10**6 and kwargs["method"] == "direct") or (
        kwargs["covariance"] == "exact" and 2000 < task.n_features <= 20_000
    ):
        return  # allowed and slow: a direct sum of up to 1e8 modes, an eigensolve of up to 20000^2
    judge("exact_loss", exact_loss, task, **kwargs, names=("lambda_min", "rates", "weights", "n_features"))


@fuzz
@given(task=tasks(max_features=500), data=st.data())
def test_exact_loss_mpmath(task, data):
    kwargs = data.draw(
        arguments(
            {
                "t": good_times.filter(lambda t: t.size <= 8),
                "dps": st.integers(15, 40),
                "covariance": st.just("diagonal"),
            },
            {"t": bad_times, "dps": st.one_of(st.integers(-5, 14), counts, junk), "covariance": options},
        )
    )
    judge(
        "exact_loss_mpmath",
        exact_loss_mpmath,
        task,
        **kwargs,
        names=("lambda_min", "rates", "weights", "n_features"),
    )


good_rates = st.lists(st.floats(1e-8, 10.0), min_size=1, max_size=8)


@fuzz
@given(data=st.data())
def test_spectral_losses(data):
    n = data.draw(st.integers(1, 8), label="modes")
    valid_rates = st.lists(st.floats(1e-8, 10.0), min_size=n, max_size=n)
    kwargs = data.draw(
        arguments(
            {
                "rates": valid_rates,
                "weights": valid_rates,
                "t": good_times,
                "plateau": st.floats(0.0, 1.0),
                "lr": st.one_of(st.none(), st.floats(1e-3, 0.2)),
            },
            {
                "rates": float_arrays(),
                "weights": float_arrays(),
                "t": bad_times,
                "plateau": scalars,
                "lr": scalars,
            },
        )
    )
    judge(
        "spectral_loss",
        spectral_loss,
        **kwargs,
        per_mode=data.draw(flags, label="per_mode"),
        names=("lambda_min",),
    )
    if np.size(kwargs["t"]) <= 8:
        judge("spectral_loss_mpmath", spectral_loss_mpmath, **kwargs, names=("lambda_min",))


def power_law_curve(n, alpha, floor, noise, seed):
    t = np.logspace(0, 5, n)
    rng = np.random.default_rng(seed)
    return (t**-alpha + floor) * np.exp(noise * rng.standard_normal(n))


def curves():
    """(t, loss): power laws with a floor and noise on t in [1, 1e5] (the valid use)."""
    return st.builds(
        lambda n, *rest: (np.logspace(0, 5, n), power_law_curve(n, *rest)),
        st.integers(3, 200),
        st.floats(-1.0, 3.0),
        st.sampled_from([0.0, 1e-6, 1e-3]),
        st.sampled_from([0.0, 1e-3, 0.3]),
        st.integers(0, 2**16),
    )


good_windows = st.one_of(st.none(), st.sampled_from([(1.0, 1e5), (10.0, 1e4), (1e2, 1e3), (1e3, 1e5)]))
bad_windows = st.one_of(st.tuples(scalars, scalars), st.sampled_from([(1e4, 1e1), (0, 10), (1, 2, 3)]), junk)


def curve_arguments(valid: dict, bad: dict):
    """(t, loss) plus other arguments, any two of them broken."""
    return curves().flatmap(
        lambda c: arguments(
            {"t": st.just(c[0]), "loss": st.just(c[1]), **valid},
            {"t": bad_times, "loss": float_arrays(), **bad},
        )
    )


@fuzz
@given(data=st.data())
def test_fits(data):
    kwargs = data.draw(
        curve_arguments(
            {
                "window": good_windows,
                "max_drift": st.one_of(st.none(), st.floats(0.01, 1.0)),
                "half_width": st.floats(0.05, 1.0),
            },
            {"window": bad_windows, "max_drift": scalars, "half_width": scalars},
        )
    )
    t, loss, window = kwargs["t"], kwargs["loss"], kwargs["window"]
    fit = judge("fit_power_law", fit_power_law, t, loss, window, max_drift=kwargs["max_drift"])
    if fit is not None:
        judge("PowerLawFit.predict", fit.predict, t)
    floored = judge("fit_power_law_with_floor", fit_power_law_with_floor, t, loss, window)
    if floored is not None:
        judge("FlooredPowerLawFit.predict", floored.predict, t)
    judge("local_exponent_profile", local_exponent_profile, t, loss, kwargs["half_width"])


@fuzz
@given(data=st.data())
def test_windows(data):
    kwargs = data.draw(
        curve_arguments(
            {
                "target": st.floats(0.0, 3.0),
                "tolerance": st.floats(0.01, 1.0),
                "min_decades": st.floats(0.0, 3.0),
                "windows": st.one_of(st.none(), st.lists(good_windows.filter(bool), min_size=1, max_size=4)),
            },
            {
                "target": scalars,
                "tolerance": scalars,
                "min_decades": scalars,
                "windows": st.one_of(st.lists(bad_windows, min_size=1, max_size=3), st.just([]), junk),
            },
        )
    )
    t, loss = kwargs["t"], kwargs["loss"]
    judge("find_window", find_window, t, loss, kwargs["tolerance"], min_decades=kwargs["min_decades"])
    judge(
        "matching_windows",
        matching_windows,
        t,
        loss,
        kwargs["target"],
        kwargs["tolerance"],
        min_decades=kwargs["min_decades"],
    )
    sensitivity = judge("window_sensitivity", window_sensitivity, t, loss, kwargs["windows"])
    if sensitivity is not None:
        judge("WindowSensitivity.alpha_range", lambda: sensitivity.alpha_range, names=("window", "windows"))


@fuzz
@given(task=tasks(max_features=64), data=st.data())
def test_linear_superposition(task, data):
    n = task.n_features
    W = data.draw(
        st.one_of(
            st.integers(1, n).map(lambda k: np.random.default_rng(k).standard_normal((k, n))),
            float_arrays(),
            st.sampled_from([np.eye(n), np.full((2, n), np.nan), np.full((2, n), 1e200), np.zeros((3, n))]),
        ),
        label="W",
    )
    covariance = data.draw(options, label="covariance")
    judge("superposition_modes", superposition_modes, task, W, covariance=covariance)
    t = data.draw(st.one_of(st.none(), time_grids()), label="t")
    judge(
        "linear_superposition",
        linear_superposition,
        task,
        W,
        t,
        covariance=covariance,
        per_mode=data.draw(flags, label="per_mode"),
        names=("lambda_min", "rates", "weights"),
    )


@settings(max_examples=max(FUZZ_EXAMPLES // 6, 5))
@given(data=st.data())
def test_exponent_table(data):
    kwargs = data.draw(
        arguments(
            {
                "a_values": st.lists(st.floats(1.05, 3.0), min_size=1, max_size=2),
                "b_values": st.lists(st.floats(0.0, 1.0), min_size=1, max_size=2),
                "n_features": st.sampled_from([16, 256, 4096]),
                "window": good_windows.filter(bool),
                "points_per_decade": st.integers(1, 30),
            },
            {
                "a_values": float_arrays(2),
                "b_values": float_arrays(2),
                "n_features": st.one_of(counts, junk),
                "window": bad_windows,
                "points_per_decade": st.one_of(counts, junk),
            },
        )
    )
    judge("power_law_exponent_table", power_law_exponent_table, **kwargs, names=("a", "b", "lambda_min"))
