"""Fuzz the SGD theory: superdyn.numerics.sgd_loss, its dense twin and stability limit,
superdyn.theory.OnlineSGD.

As in ``test_fuzz_theory``: a finite, valid result or a one-line ValueError naming the
parameter, within ``fuzzing.CALL_SECONDS``; anything else fails with the input.
"""

import numpy as np
from fuzzing import arguments, fuzz, judge, junk, scalars, tasks, time_grids
from hypothesis import given
from hypothesis import strategies as st
from superdyn.numerics import sgd_loss, sgd_loss_dense, sgd_stability_limit
from superdyn.theory import OnlineSGD, sgd_lr_limit

#: Short curves (t / lr at most ~1e5 steps for the valid draws, so a call stays in seconds).
short_times = st.builds(
    lambda lo, decades, n: np.logspace(lo, lo + decades, n),
    st.floats(min_value=-2, max_value=1),
    st.floats(min_value=0.0, max_value=1.5),
    st.integers(min_value=1, max_value=20),
)
batches = st.one_of(st.sampled_from([1, 2, 8, 64, float("inf")]), st.integers(1, 10**6))
bad_batches = st.one_of(scalars, st.sampled_from([0, 0.5, 2.5, -1, float("nan")]))
covariances = st.sampled_from(["exact", "diagonal"])
bad_options = st.one_of(st.sampled_from(["x", "Exact", ""]), junk)
learning_rates = st.one_of(st.floats(1e-3, 3.0), st.sampled_from([0.5, 1.0, 2.0]))
DERIVED = ("steps", "n_features", "value_max", "lambda", "spectral radius")


@fuzz
@given(task=tasks(max_features=64), data=st.data())
def test_sgd_loss(task, data):
    kwargs = data.draw(
        arguments(
            {
                "t": short_times,
                "lr": learning_rates,
                "batch_size": batches,
                "covariance": covariances,
                "init_scale": st.one_of(st.just(0.0), st.floats(0.0, 10.0)),
            },
            {
                "t": time_grids(),
                "lr": scalars,
                "batch_size": bad_batches,
                "covariance": bad_options,
                "init_scale": scalars,
            },
        )
    )
    judge("sgd_loss", sgd_loss, task, **kwargs, names=DERIVED)


@fuzz
@given(task=tasks(max_features=6), data=st.data())
def test_sgd_loss_dense(task, data):
    kwargs = data.draw(
        arguments(
            {"t": short_times, "lr": learning_rates, "batch_size": batches, "init_scale": st.just(0.0)},
            {"t": time_grids(), "lr": scalars, "batch_size": bad_batches, "init_scale": scalars},
        )
    )
    judge("sgd_loss_dense", sgd_loss_dense, task, **kwargs, names=DERIVED)


@fuzz
@given(task=tasks(max_features=500), data=st.data())
def test_sgd_stability_limit(task, data):
    kwargs = data.draw(
        arguments(
            {"batch_size": batches, "covariance": st.just("diagonal")},
            {"batch_size": bad_batches, "covariance": st.one_of(bad_options, st.just("exact"))},
        )
    )
    judge("sgd_stability_limit", sgd_stability_limit, task, **kwargs, names=DERIVED)


@fuzz
@given(task=tasks(max_features=10**6), data=st.data())
def test_online_sgd(task, data):
    kwargs = data.draw(
        arguments(
            {"lr": learning_rates, "batch_size": batches},
            {"lr": scalars, "batch_size": bad_batches},
        )
    )
    built = []  # the object keeps batch_size = inf as given: judge what it computes, not its fields

    def construct(task, lr, batch_size):
        built.append(OnlineSGD(task, lr, batch_size))
        return built[-1].lr

    if judge("OnlineSGD", construct, task, **kwargs, names=DERIVED) is None:
        return
    sgd = built[-1]
    for name in ("gamma", "rate_factor", "kernel_mass", "kernel_mass_sparse", "sparsity", "sparse_error"):
        judge(f"OnlineSGD.{name}", lambda name=name: getattr(sgd, name), names=("task", "lr", "batch_size"))
    for name in ("alpha", "regime", "loss_ratio", "crossover_time", "source_integral"):
        judge(f"OnlineSGD.{name}", lambda name=name: getattr(sgd, name), names=("task",))
    t = data.draw(st.one_of(short_times, time_grids()), label="t")
    judge("OnlineSGD.loss", sgd.loss, t, names=("task",))


@fuzz
@given(data=st.data())
def test_sgd_lr_limit(data):
    kwargs = data.draw(
        arguments(
            {"batch_size": batches, "density": st.floats(1e-3, 10.0), "value_max": st.floats(1e-3, 1e3)},
            {"batch_size": bad_batches, "density": scalars, "value_max": scalars},
        )
    )
    judge("sgd_lr_limit", sgd_lr_limit, **kwargs)
