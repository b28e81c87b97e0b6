"""fig5-batch: fig5's own runs at batch 64, the same configurations at batch 1024, judged as declared."""

import numpy as np
import pytest
from superdyn.verify.experiments import get_experiment
from superdyn.verify.experiments.base import StoredRuns

BATCH = get_experiment("fig5-batch")


class PlantedResults(StoredRuns):
    """Curves 0.3 (1 + t)^-alpha(config) with a +-1% seed scatter; no store."""

    def __init__(self, alpha):
        self.alpha = alpha

    def curve(self, config):
        t = np.concatenate([[0.0], np.logspace(0, np.log10(config.lr * config.steps), 40)])
        scatter = 1 + 0.01 * (1 if config.seed % 2 else -1)
        return t, 0.3 * (1 + t) ** -self.alpha(config) * scatter

    def completed(self, configs):
        return list(configs)


def test_the_batch_64_runs_are_fig5s_own():
    fig5 = set(get_experiment("fig5").configs("medium"))
    plan = BATCH.plan("medium")
    assert set(plan[64]) <= fig5 and len(plan[64]) == 2 * 6 * 3  # K = 128, 256; six (a, b); three seeds
    assert {c.batch_size for c in plan[1024]} == {1024}
    assert {c.replace(batch_size=64) for c in plan[1024]} == set(plan[64])  # nothing else differs


def test_an_exponent_that_moves_with_the_batch_is_caught():
    same = {c.key: c for c in BATCH.evaluate(PlantedResults(lambda c: 0.8), "tiny").claims}
    assert all(c.verdict == "reproduced" for k, c in same.items() if k.startswith("batch["))
    assert same["alpha[K=16, batch=8]"].verdict == "not reproduced"  # 0.8 is not ≈ 1 within 0.1
    moved = {
        c.key: c
        for c in BATCH.evaluate(PlantedResults(lambda c: 0.8 + 0.2 * (c.batch_size == 32)), "tiny").claims
    }
    claim = moved["batch[K=16, a=1.1, b=0]"]
    assert claim.verdict == "not reproduced" and claim.measured == pytest.approx(0.2, abs=0.02)
    assert moved["alpha[K=16, batch=32]"].verdict == "reproduced"  # at the larger batch alpha = 1
