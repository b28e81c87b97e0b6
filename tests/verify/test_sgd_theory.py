"""superdyn.numerics.sgd_loss predicts the trainer's own SGD: a Monte Carlo over seeds of the linear model."""

import numpy as np
import pytest
from superdyn.numerics import sgd_loss
from superdyn.theory import PowerLaw, Task
from superdyn.verify import RunConfig, train

SEEDS = 256


@pytest.mark.parametrize("batch", [1, 8])
def test_the_recursion_matches_the_seed_mean_of_the_trainer(batch):
    base = dict(model="linear", n_features=8, width=8, a=1.5, b=0.25, lr=0.8, batch_size=batch, steps=300)
    configs = [RunConfig(seed=s, dtype="float64", **base) for s in range(SEEDS)]
    results = train(configs, device="cpu", progress=False)
    steps = np.asarray(results[0].curve["step"])
    losses = np.array([r.curve["loss"] for r in results])
    mean, stderr = losses.mean(0), losses.std(0, ddof=1) / np.sqrt(SEEDS)
    task = Task(PowerLaw(1.5), PowerLaw(0.25), n_features=8)
    predicted = sgd_loss(task, base["lr"] * steps, lr=base["lr"], batch_size=batch).loss
    assert np.allclose(predicted[0], mean[0], rtol=1e-12)  # B(0) = 0: every seed starts at 1/2 Tr[Sigma A^2]
    z = np.abs(mean[1:] - predicted[1:]) / stderr[1:]
    assert np.all(z < 3.0), (steps[1:][z >= 3.0], z.max())
    if batch == 1:  # and the prediction is not gradient descent's: the seeds resolve the SGD noise
        full = sgd_loss(task, base["lr"] * steps, lr=base["lr"], batch_size=float("inf")).loss
        assert np.any(np.abs(mean[1:] - full[1:]) / stderr[1:] > 10.0)
