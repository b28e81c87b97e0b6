"""Per-feature losses that see every feature: exact on students with known losses."""

import itertools

import numpy as np
import pytest
import torch
from superdyn.verify.run.models.feature_loss import conditional_feature_losses
from superdyn.verify.run.sampler import SparseSampler

CPU, F64 = torch.device("cpu"), torch.float64


def _batch(p, size, seed=0, value_max=1.0):
    sampler = SparseSampler([np.asarray(p, float)], [value_max], CPU, F64)
    return sampler.sample(size, [torch.Generator().manual_seed(seed)])


def _t(x):
    return torch.as_tensor(np.asarray(x, float), dtype=F64)[None]


@pytest.mark.parametrize("beta", [0.0, 0.2, -0.3])
def test_a_constant_student_has_its_closed_form_loss(beta):
    # M = 0, bias beta: y_i = ReLU(beta); L_i = 1/2 [ReLU(beta)^2 - 2 ReLU(beta) a p m1 + a^2 p m2]
    n, v_max = 6, 2.0
    p = np.array([0.5, 0.2, 0.1, 1e-2, 1e-4, 1e-6])  # the last two never occur in 512 samples
    a = np.linspace(1.0, 0.3, n)
    loss, se = conditional_feature_losses(
        torch.zeros(1, n, n, dtype=F64),
        _t(np.full(n, beta)),
        _t(a),
        _t(p),
        [v_max],
        _batch(p, 512, value_max=v_max),
    )
    y, m1, m2 = max(beta, 0.0), v_max / 2, v_max**2 / 3
    exact = 0.5 * (y**2 - 2 * y * a * p * m1 + a**2 * p * m2)
    assert np.allclose(loss[0].numpy(), exact, rtol=1e-12, atol=0)
    assert np.allclose(se[0].numpy(), 0.0, atol=1e-12)  # nothing random reaches a constant student


def test_a_diagonal_student_has_no_interference():
    # M = diag(d), bias 0: L_i = p_i m2 (d_i - a_i)^2 / 2 where d_i > 0, p_i m2 a_i^2 / 2 where d_i <= 0
    n = 5
    p = np.array([0.3, 0.1, 1e-3, 1e-5, 0.05])
    a, d = np.ones(n), np.array([0.5, 1.5, 0.9, -0.2, 0.0])
    loss, _ = conditional_feature_losses(
        torch.diag_embed(_t(d)), _t(np.zeros(n)), _t(a), _t(p), [1.0], _batch(p, 256)
    )
    m2 = 1.0 / 3
    exact = np.where(d > 0, p * m2 * (d - a) ** 2 / 2, p * m2 * a**2 / 2)
    assert np.allclose(loss[0].numpy(), exact, rtol=1e-12)


def _enumerated_losses(m, bias, a, p, rng, draws=20000):
    """E[l_i] by exact enumeration of which features are on, Monte Carlo over their values."""
    n = len(p)
    total, var = np.zeros(n), np.zeros(n)
    for pattern in itertools.product([0, 1], repeat=n):
        on = np.array(pattern, bool)
        weight = np.prod(np.where(on, p, 1 - p))
        x = rng.uniform(0, 1, (draws, n)) * on
        pre = x @ m.T + bias
        losses = 0.5 * (np.maximum(pre, 0) - a * x) ** 2
        total += weight * losses.mean(0)
        var += weight**2 * losses.var(0) / draws
    return total, np.sqrt(var)


def test_interference_on_rare_features_matches_enumeration():
    rng = np.random.default_rng(1)
    n = 5
    p = np.array([0.6, 0.3, 0.1, 2e-3, 1e-4])
    a = np.array([1.0, 0.8, 0.6, 0.5, 0.4])
    m = rng.normal(0, 0.4, (n, n)) + np.diag([0.9, 0.7, 0.5, 0.3, 0.2])
    m[4, :4] = 0.0  # the rarest output receives no interference: its loss is its own feature's
    bias = np.array([-0.05, 0.02, -0.1, 0.03, -0.01])
    batch = _batch(p, 20000, seed=2)
    loss, se = conditional_feature_losses(_t(m)[0][None], _t(bias), _t(a), _t(p), [1.0], batch)
    reference, ref_se = _enumerated_losses(m, bias, a, p, rng)
    z = np.abs(loss[0].numpy() - reference) / np.hypot(se[0].numpy(), ref_se)
    assert np.all(z < 5), z
    # the relative error is controlled for the rarest feature too
    assert (se[0] / loss[0]).max() < 0.05
    # a plain average over the same samples sees feature 5 about twice: its estimate is off
    dense = batch.dense(n)[0].numpy()
    plain = (0.5 * (np.maximum(dense @ m.T + bias, 0) - a * dense) ** 2).mean(0)
    assert abs(plain[4] - reference[4]) / reference[4] > 3 * (se[0, 4] / loss[0, 4]).item()


def test_the_trainer_records_them_with_their_errors():
    from superdyn.verify import RunConfig, train

    config = RunConfig(
        model="superposition",
        n_features=64,
        width=16,
        lr=0.5,
        batch_size=32,
        steps=20,
        eval_samples=256,
        per_feature=True,
    )
    (result,) = train([config], device="cpu", progress=False)
    losses, errors = result.arrays["per_feature_loss"], result.arrays["per_feature_loss_stderr"]
    assert losses.shape == errors.shape == (result.curve["t"].size, 64)
    assert np.all(errors[1:] > 0) and np.all(errors <= losses)
    # at t = 0 the student outputs ~0: L_i(0) = p_i m2 A_ii^2 / 2
    task = config.task
    assert np.allclose(losses[0], task.p * task.m2 * task.importance**2 / 2, rtol=1e-2)
