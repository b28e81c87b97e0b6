"""The window-free view of a training exponent: the local exponent -d ln L / d ln t of each seed.

A fitted exponent depends on its window; the local exponent does not need one. For one
configuration, each seed's profile is the sliding OLS slope of ``superdyn.numerics.
local_exponent_profile`` (half a decade wide); the seed band is their mean ± its standard
error at each time, and ``late_local_exponent`` summarises the last decade of a run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from superdyn.numerics import local_exponent_profile
from superdyn.theory.errors import InvalidInput

__all__ = ["SeedLocalExponent", "seed_local_exponent"]

#: The sliding fit's half width, in decades of t.
HALF_WIDTH = 0.25


@dataclass(frozen=True)
class SeedLocalExponent:
    """-d ln L / d ln t over seeds: their mean and its standard error (0 for one seed) at ``t``."""

    t: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    n_seeds: int

    def late(self, decades: float = 1.0) -> tuple[float, float]:
        """(mean, standard error) of the local exponent over the last ``decades`` of t."""
        inside = self.t >= self.t[-1] / 10**decades
        return float(self.mean[inside].mean()), float(np.sqrt(np.mean(self.stderr[inside] ** 2)))


def seed_local_exponent(curves) -> SeedLocalExponent:
    """The local exponent of each seed's (t, L) (t > 0), on the times all seeds share.

    Examples
    --------
    >>> t = np.logspace(0, 4, 41)
    >>> profile = seed_local_exponent([(t, 2 * t**-0.5), (t, 3 * t**-0.5)])
    >>> float(profile.mean[-1].round(6)), float(profile.stderr.max().round(6)), profile.n_seeds
    (0.5, 0.0, 2)
    """
    profiles = []
    for t, loss in curves:
        t, loss = np.asarray(t, float), np.asarray(loss, float)
        keep = (t > 0) & np.isfinite(loss)
        profiles.append(local_exponent_profile(t[keep], loss[keep], half_width=HALF_WIDTH))
    if not profiles:
        raise InvalidInput("curves must hold at least one (t, loss) pair")
    common = profiles[0].t
    for profile in profiles[1:]:
        common = np.intersect1d(common, profile.t)
    if common.size == 0:
        raise InvalidInput("the seeds' local exponents share no time")
    alphas = np.array([p.alpha[np.searchsorted(p.t, common)] for p in profiles])
    stderr = alphas.std(0, ddof=1) / np.sqrt(len(alphas)) if len(alphas) > 1 else np.zeros(common.size)
    return SeedLocalExponent(common, alphas.mean(0), stderr, len(alphas))
