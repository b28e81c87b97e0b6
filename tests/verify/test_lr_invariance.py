"""lr-invariance: its claims decide on planted seed curves as their criteria say."""

import numpy as np
import pytest
from superdyn.verify.experiments.base import StoredRuns
from superdyn.verify.experiments.lr_invariance import (
    ALPHA_TOLERANCE,
    LOSS_TOLERANCE,
    LR_INVARIANCE,
    largest_invariant_lr,
)


class PlantedResults(StoredRuns):
    """Curves L = 0.3 (1 + t)^-1 + 1e-3, times a factor per run; some runs 'stopped'."""

    def __init__(self, factor=lambda config, t: 1.0, stopped=()):  # no store: the curves are planted
        self.factor, self.stopped = factor, set(stopped)

    def curve(self, config):
        # the same times at every lr of the tiny scale (0.5, 1, 2): even t, so no interpolation error
        end = np.log10(config.lr * config.steps / 2)
        t = np.concatenate([[0.0], np.unique(2 * np.rint(np.logspace(0, end, 30)))])
        scatter = 1 + 0.01 * (1 if config.seed % 2 else -1)
        return t, (0.3 / (1 + t) + 1e-3) * scatter * self.factor(config, t)

    def completed(self, configs):
        return [c for c in configs if c not in self.stopped]


def _claims(results, scale="tiny"):
    return {c.key: c for c in LR_INVARIANCE.evaluate(results, scale).claims}


def test_curves_that_depend_on_t_alone_are_invariant():
    claims = _claims(PlantedResults())
    assert claims and all(c.verdict == "reproduced" for c in claims.values())
    loss = claims["loss[K=16, a=1.1, b=0, batch=32, lr=2]"]
    assert loss.measured == pytest.approx(0.0, abs=1e-6) and loss.tolerance == LOSS_TOLERANCE
    assert claims["alpha[K=16, a=1.1, b=0, batch=32, lr=2]"].tolerance == ALPHA_TOLERANCE
    assert largest_invariant_lr(claims.values(), batch=32) == 2.0
    assert largest_invariant_lr(claims.values(), batch=32, point=(1.1, 0.0)) == 2.0
    assert largest_invariant_lr(claims.values(), batch=32, point=(2.0, 0.0)) is None  # not planned


def test_a_loss_raised_at_the_largest_lr_is_caught_and_bounds_the_usable_lr():
    raised = PlantedResults(lambda c, t: 1.25 if c.lr == 2.0 else 1.0)
    claims = _claims(raised)
    loss = claims["loss[K=16, a=1.1, b=0, batch=32, lr=2]"]
    assert loss.verdict == "not reproduced" and loss.measured == pytest.approx(0.25, rel=1e-6)
    assert claims["loss[K=16, a=1.1, b=0, batch=32, lr=1]"].verdict == "reproduced"
    assert largest_invariant_lr(claims.values(), batch=32) == 1.0
    # a steeper late decay changes the exponent, and the alpha claim says so
    steeper = PlantedResults(lambda c, t: (1 + t) ** -0.3 if c.lr == 2.0 else 1.0)
    alpha = _claims(steeper)["alpha[K=16, a=1.1, b=0, batch=32, lr=2]"]
    assert alpha.verdict != "reproduced" and alpha.measured > ALPHA_TOLERANCE


def test_stopped_runs_leave_their_claims_unmeasured_with_the_reason():
    groups = LR_INVARIANCE.plan("tiny")["groups"]
    stopped = groups[(16, 1.1, 0.0, 32, 2.0)]
    analysis = LR_INVARIANCE.evaluate(PlantedResults(stopped=stopped), "tiny")
    keys = {c.key for c in analysis.claims}
    assert (
        "loss[K=16, a=1.1, b=0, batch=32, lr=2]" not in keys
        and "loss[K=16, a=1.1, b=0, batch=32, lr=1]" in keys
    )
    assert any("lr=2]: not measured: 2 of 2 seeds at lr = 2 were stopped" in note for note in analysis.notes)
    # tiny has one cell per lr: with lr = 2 unmeasured, lr = 1 is the largest with evidence
    assert largest_invariant_lr(analysis.claims, batch=32) == 1.0


def test_every_learning_rate_reaches_the_same_time():
    setup = LR_INVARIANCE.plan("medium").setup
    for config in LR_INVARIANCE.configs("medium"):
        assert config.lr * config.steps == pytest.approx(setup.t_end, rel=1e-9)
    assert len(LR_INVARIANCE.declared("medium")) == 2 * 2 * 2 * 2 * (len(setup.lrs) - 1)
