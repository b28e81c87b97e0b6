"""sgd-noise: its claims decide on planted seed curves as their criteria say."""

import numpy as np
import pytest
from superdyn.numerics import sgd_loss
from superdyn.verify.experiments.base import StoredRuns
from superdyn.verify.experiments.sgd_noise import SCALES_SGD_NOISE, SGD_NOISE, predicted_limit


class PlantedResults(StoredRuns):
    """Seed curves made from sgd_loss times a per-run factor; some runs 'stopped'."""

    def __init__(self, scale, factor, stopped=()):  # no store: curves come from the factor
        self.scale, self.factor, self.stopped = scale, factor, set(stopped)

    def curve(self, config):
        steps = np.unique(np.rint(np.logspace(0, np.log10(config.steps), 25)))
        t = np.concatenate([[0.0], config.lr * steps])
        exact = sgd_loss(config.task, t, lr=config.lr, batch_size=config.batch_size).loss
        return t, exact * self.factor(config, t)

    def completed(self, configs):
        return [c for c in configs if c not in self.stopped]


class TimeOnlyResults(PlantedResults):
    """Curves (1 + t)^-1/2 that depend on t = lr * steps alone."""

    def curve(self, config):
        t, _ = super().curve(config)
        return t, (1 + t) ** -0.5 * self.factor(config, t)


def _claims(results, scale="tiny"):
    return {c.key: c for c in SGD_NOISE.evaluate(results, scale).claims}


def _grid(scale):
    return SGD_NOISE.plan(scale)["grid"]


def _tracking(scale):
    return SGD_NOISE.plan(scale)["tracking"]


def _noise(config, t):  # a seed-dependent scatter of +-2% around the exact expectation
    return 1 + 0.02 * (1 if config.seed % 2 else -1) * np.ones_like(t)


def test_seeds_on_the_exact_theory_are_reproduced_and_a_planted_excess_is_not():
    claims = _claims(PlantedResults("tiny", _noise))
    for batch in SCALES_SGD_NOISE["tiny"].batches:
        assert claims[f"theory[b={batch}, lr=0.25 eta_max]"].verdict == "reproduced"
    excess = _claims(PlantedResults("tiny", lambda c, t: _noise(c, t) * (1.10 if c.batch_size == 1 else 1.0)))
    claim = excess["theory[b=1, lr=0.25 eta_max]"]
    assert claim.verdict == "not reproduced" and claim.measured == pytest.approx(0.10, abs=1e-9)
    assert excess["theory[b=8, lr=0.25 eta_max]"].verdict == "reproduced"


def test_the_collapse_claim_measures_what_sgd_loss_predicts():
    # on the exact theory the collapse fails for batch 1 by what sgd_loss says, and the claim says so
    claim = _claims(PlantedResults("tiny", _noise))["collapse[b=1]"]
    assert claim.verdict == "not reproduced"
    assert claim.measured == pytest.approx(claim.theory, rel=0.05)  # interpolated in log t: not exact
    # planted curves that depend on lr * steps only do collapse
    assert _claims(TimeOnlyResults("tiny", _noise))["collapse[b=1]"].verdict == "reproduced"


def test_the_stability_claim_interpolates_where_half_the_seeds_stop():
    grid = _grid("tiny")
    # stop every seed above the limit and one seed in four at 0.9: half stopped at f = 1.0 + ...
    stopped = [c for (b, f), seeds in grid.items() for c in seeds if f > 1.0]
    stopped += [seeds[0] for (b, f), seeds in grid.items() if f == 0.9]
    claims = _claims(PlantedResults("tiny", _noise, stopped))
    claim = claims["stability[b=1]"]
    # shares 0, 0.25, 1, 1 on (0.7, 0.9, 1.1, 1.5): 0.5 is crossed at 0.9 + 0.25 / 0.75 * 0.2
    assert claim.measured == pytest.approx(0.9 + 0.2 / 3) and claim.verdict == "reproduced"
    late = [c for (b, f), seeds in grid.items() for c in seeds if f > 1.4]
    far = _claims(PlantedResults("tiny", _noise, late))["stability[b=1]"]
    assert far.measured == pytest.approx(1.3) and far.verdict == "not reproduced"
    none = _claims(PlantedResults("tiny", _noise))["stability[b=1]"]
    assert none.verdict == "inconclusive" and "does not cross" in none.undecided


def test_a_stopped_seed_leaves_the_tracking_claim_undecided():
    victim = _tracking("tiny")[(1, 0.25)][0]
    claims = _claims(PlantedResults("tiny", _noise, [victim]))
    assert claims["theory[b=1, lr=0.25 eta_max]"].verdict == "inconclusive"
    assert "1 of 4 seeds were stopped" in claims["theory[b=1, lr=0.25 eta_max]"].undecided


def test_learning_rates_are_fractions_of_the_predicted_limit():
    for (batch, fraction), seeds in _tracking("tiny").items():
        limit = predicted_limit(SCALES_SGD_NOISE["tiny"].n, batch)
        assert seeds[0].lr == pytest.approx(fraction * limit, rel=1e-3)
        assert seeds[0].lr * seeds[0].steps >= SCALES_SGD_NOISE["tiny"].t_end
    assert SGD_NOISE.configs("tiny")  # registered and planned
