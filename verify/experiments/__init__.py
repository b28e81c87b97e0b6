"""The registry of experiments that reproduce the paper's figures.

Each experiment is declared in one module: its scales (frozen dataclasses), its plan, its
pre-registered claims and its analysis; see :mod:`superdyn.verify.experiments.base`.
``declared_claims(names, scale)`` lists what the experiments will claim without training.

=============  ============================================================  ==========
name           what                                                          figures
=============  ============================================================  ==========
fig3           no superposition: SGD against the exact theory                3
fig4           mid-training acceleration by superposition                    4
fig5           alpha against a, b and K; sample curves with fits             5, 6
fig7           loss against compute, frontier, K_opt(C)                      7, 14
fig8           per-feature losses                                            8
fig9           snapshots of the student at t = 1e3                           9
fig10          phase diagram of the decay classes (numerics only)            10
fig11          exact-sum fits, exponential and linear (numerics only)        11
fig12          learnable against fixed embeddings                            12
fig13          plateau loss against K                                        13
sgd-noise      online SGD against its exact theory, batch and lr             --
liu-width      Liu et al.'s width scaling, weak and strong regimes           --
lr-invariance  the superposition model's loss in t = lr * steps, across lr   --
fig5-batch     fig5's exponents at batch 64 and 1024                          --
ablation       alpha with and without the ReLU and the bias (A.2's words)    --
effective-     the superposition model as one mode per feature: effective    --
spectrum       rates, weights, floors, and their closure
=============  ============================================================  ==========
"""

from __future__ import annotations

from superdyn.theory.errors import InvalidInput

from .ablation import ABLATION
from .base import SCALES, Analysis, Experiment, Plan, StoredRuns, check_scale
from .batch_study import BATCH_STUDY
from .compute import FIG7, FIG13
from .effective_spectrum import EFFECTIVE_SPECTRUM
from .learnable import FIG12
from .liu import LIU_WIDTH
from .lr_invariance import LR_INVARIANCE
from .mechanism import FIG8, FIG9
from .no_superposition import FIG3
from .sgd_noise import SGD_NOISE
from .superposition import FIG4, FIG5
from .theory_checks import FIG10, FIG11

__all__ = [
    "ALIASES",
    "EXPERIMENTS",
    "SCALES",
    "Analysis",
    "Experiment",
    "Plan",
    "StoredRuns",
    "at_scale",
    "declared_claims",
    "get_experiment",
    "plan",
]

EXPERIMENTS = {
    e.name: e
    for e in (
        FIG3,
        FIG4,
        FIG5,
        FIG7,
        FIG8,
        FIG9,
        FIG10,
        FIG11,
        FIG12,
        FIG13,
        LIU_WIDTH,
        SGD_NOISE,
        LR_INVARIANCE,
        BATCH_STUDY,
        ABLATION,
        EFFECTIVE_SPECTRUM,
    )
}
#: Figures produced by an experiment registered under another name.
ALIASES = {"fig6": "fig5", "fig14": "fig7"}


def get_experiment(name: str) -> Experiment:
    """The experiment registered as ``name`` (or producing figure ``name``).

    Examples
    --------
    >>> get_experiment("fig14").name, get_experiment("fig14").figures  # Fig. 14 comes with Fig. 7
    ('fig7', ('fig7', 'fig14'))
    """
    key = ALIASES.get(name, name)
    if key not in EXPERIMENTS:
        known = sorted(EXPERIMENTS) + sorted(ALIASES)
        raise InvalidInput(f"unknown experiment {name!r}; known: {', '.join(known)}")
    return EXPERIMENTS[key]


def at_scale(scale: str) -> list:
    """Names of the experiments that run at ``scale`` (all of them but at ``medium``).

    Examples
    --------
    >>> at_scale("medium")[-3:]
    ['fig5-batch', 'ablation', 'effective-spectrum']
    """
    check_scale(scale)
    return [name for name, e in EXPERIMENTS.items() if scale in e.scales]


def plan(names, scale: str) -> list:
    """Every run the experiments ``names`` need at ``scale``, each once (order kept)."""
    check_scale(scale)
    configs = []
    for name in names:
        configs.extend(get_experiment(name).configs(scale))
    return list(dict.fromkeys(configs))


def declared_claims(names, scale: str) -> list:
    """The pre-registered claims (``ClaimSpec``) of the experiments ``names`` at ``scale``, built from
    their plans alone: nothing is trained or read.

    Examples
    --------
    >>> [c.key for c in declared_claims(["fig11"], "quick")]
    ['exponential', 'linear']
    """
    check_scale(scale)
    return [spec for name in names for spec in get_experiment(name).declared(scale)]
