"""liu-width: width scaling of Liu et al.'s autoencoder in the weak and strong regimes.

y = ReLU(W W^T x + bias), W (n x m), run with the rules of Liu et al.'s published width
experiment (a scale may shrink sizes and steps, never these): x_i = Bernoulli(p_i) U(0, 2)
with p_i ∝ i^-a normalised to sum 1 (their code: a = 1 + alpha, alpha in [0, 1]); W_ij ~
N(0, 1/m), bias ~ N(0, 1); the loss mean (y - x)^2 over outputs and batch; Adam(0.9, 0.999,
1e-8), lr 1e-2 with a linear warm-up over the first tenth of the steps (theirs: 2000 of
20000) and a cosine to 0.05 lr; weight decay gamma on W only (``superdyn.verify.run.optim``): gamma =
+1 (weak regime: about m of the n features represented, phi_1/2 ≈ m/n) and gamma = -1
(strong regime, row norms pulled to 1, phi_1/2 ≈ 1), the ends of their grid
linspace(-1, 1, 10). Their sizes: n = 1000, m = 6 log-spaced widths from 10 to 100,
batch 2048, 20000 steps.

Liu et al.'s numbers come from the summary of their paper in the source folder (its
results table): strong regime, data exponent 0.5 or 1: model exponent ≈ 1; data exponent 2:
≈ 1.3 (the summary's text also gives 2(a - 1) for skewed data, which would be 2: quoted
beside it); weak regime, data exponent 2: ≈ 1 (L ∝ m^-(a-1)).

Method (superdyn's): the final loss is the mean of the last three measurements on the
evaluation set; the model exponent is minus the OLS slope of ln L on ln m, with its
standard error. phi_1/2 is the share of rows of W with norm > 1/2 at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from superdyn.numerics.fit import ols
from superdyn.theory.paper_values import PAPER

from ..analyse.registered import ClaimSpec, Measurement, NotMeasured
from ..present import plots
from ..run.config import RunConfig
from .base import Analysis, Experiment, StoredRuns
from .setup import setting

__all__ = ["LIU_WIDTH", "SCALES_LIU", "LiuScale"]


@dataclass(frozen=True)
class LiuScale:
    """The sizes of Liu et al.'s width experiment at one scale (their rules are never scaled)."""

    SOURCE: ClassVar[str] = "Liu et al.'s"
    n: int = setting("n = {}", source=1000)
    widths: tuple = setting("m in {}", source=(10, 16, 25, 40, 63, 100))
    exponents: tuple = setting("a in {}")
    steps: int = setting("{} steps", source=20000)
    batch: int = setting("batch {}", source=2048)
    eval: int = setting("evaluation set {}")


SCALES_LIU = {
    "tiny": LiuScale(n=32, widths=(4, 8, 16), exponents=(1.0,), steps=200, batch=64, eval=512),
    "quick": LiuScale(
        n=512, widths=(8, 12, 18, 27, 41, 64), exponents=(1.0, 2.0), steps=2000, batch=512, eval=4096
    ),
    "paper": LiuScale(
        n=1000,
        widths=(10, 16, 25, 40, 63, 100),
        exponents=(1.0, 1.5, 2.0),
        steps=20000,
        batch=2048,
        eval=8192,
    ),
}
#: Liu et al.'s rules (not scaled).
WEIGHT_DECAY = {"weak": 1.0, "strong": -1.0}
LR, VALUE_MAX, WARMUP_SHARE, LR_FLOOR = 1e-2, 2.0, 0.1, 0.05
#: superdyn's tolerances, fixed before measuring.
EXPONENT_TOLERANCE, PHI_TOLERANCE = 0.2, 0.2


def _plan(setup: LiuScale):
    return {
        "runs": [
            RunConfig(
                model="autoencoder",
                n_features=setup.n,
                width=m,
                a=a,
                b=0.0,
                lr=LR,
                batch_size=setup.batch,
                steps=setup.steps,
                optimizer="adamw",
                weight_decay=WEIGHT_DECAY[regime],
                warmup_steps=round(WARMUP_SHARE * setup.steps),
                lr_floor=LR_FLOOR,
                init_scale=1.0 / np.sqrt(m),
                value_max=VALUE_MAX,
                eval_samples=setup.eval,
            )
            for regime in WEIGHT_DECAY
            for a in setup.exponents
            for m in setup.widths
        ]
    }


def _quoted_exponent(regime, a):
    """The summary's width exponent for (regime, a), if it states one."""
    key = {("strong", 2.0): "liu_strong_exponent_a2", ("weak", 2.0): "liu_weak_exponent_a2"}.get(
        (regime, a), "liu_strong_exponent" if regime == "strong" and a <= 1 else None
    )
    return None if key is None else PAPER[key]


def _claims(plan) -> list:
    """Per regime and data exponent: the width exponent where the summary states one, and phi_1/2
    in the strong regime."""
    specs = []
    for regime in WEIGHT_DECAY:
        for a in plan.setup.exponents:
            quoted = _quoted_exponent(regime, a)
            if quoted is not None:
                specs.append(
                    ClaimSpec.quoting(
                        quoted,
                        experiment="liu-width",
                        key=f"exponent[{regime}, a={a:g}]",
                        statement=f"{quoted.what} (here a = {a:g})",
                        criterion=f"superdyn's tolerance {EXPONENT_TOLERANCE} (or 2 sigma) on the "
                        "summary's '≈'",
                        tolerance=EXPONENT_TOLERANCE,
                    )
                )
            if regime == "strong":
                quoted = PAPER["liu_strong_phi"]
                specs.append(
                    ClaimSpec.quoting(
                        quoted,
                        experiment="liu-width",
                        key=f"phi[strong, a={a:g}]",
                        statement="Negative weight decay represents nearly every "
                        f"feature, phi_1/2 ≈ 1 (a = {a:g}; smallest over m)",
                        criterion=f"superdyn's tolerance {PHI_TOLERANCE} on the summary's '≈ 1'",
                        tolerance=PHI_TOLERANCE,
                    )
                )
    return specs


def _regime(config):
    return "strong" if config.weight_decay < 0 else "weak"


def _keys(regime, a) -> list:
    keys = [f"exponent[{regime}, a={a:g}]"] if _quoted_exponent(regime, a) is not None else []
    return keys + ([f"phi[strong, a={a:g}]"] if regime == "strong" else [])


def _analyse(results: StoredRuns, plan) -> Analysis:
    setup = plan.setup
    analysis = Analysis()
    rows, groups = [], []
    completed = results.completed(plan.configs)
    for regime in WEIGHT_DECAY:
        for a in setup.exponents:
            mine = [c for c in completed if _regime(c) == regime and c.a == a]
            if len(mine) < 2:
                reason = f"{len(mine)} width(s) completed; a slope needs two"
                analysis.measurements.update(dict.fromkeys(_keys(regime, a), NotMeasured(reason)))
                continue
            frames = [results.frame(c) for c in mine]
            final = np.array([f["loss"].to_numpy()[-3:].mean() for f in frames])
            phi = np.array([f["phi_half"].to_numpy()[-1] for f in frames])
            widths = np.array([c.width for c in mine], float)
            slope, _, stderr, _ = ols(np.log(widths), np.log(final))
            exponent = -slope
            groups.append((f"{regime}, a={a:g} (slope {exponent:.2f})", widths, final))
            for c, loss, share in zip(mine, final, phi, strict=True):
                rows.append(
                    {
                        "regime": regime,
                        "a": a,
                        "m": c.width,
                        "weight_decay": c.weight_decay,
                        "final_loss": float(loss),
                        "phi_half": float(share),
                        "m_over_n": c.width / c.n_features,
                    }
                )
            analysis.measurements.update(
                _width_measurements(regime, a, exponent, stderr, widths, phi, setup.n)
            )
    analysis.tables["liu-width"] = rows
    if groups:
        analysis.figures["liu-width"] = plots.scaling_figure(
            None,
            None,
            groups=groups,
            xlabel="model width m",
            ylabel="final loss",
            title=f"Liu et al.: loss against width, n = {setup.n}",
        )
    return analysis


def _width_measurements(regime, a, exponent, stderr, widths, phi, n) -> dict:
    """The width exponent where the summary states one for (regime, a), and phi_1/2 in the strong regime."""
    out = {}
    if _quoted_exponent(regime, a) is not None:
        out[f"exponent[{regime}, a={a:g}]"] = Measurement(
            value=exponent,
            uncertainty=stderr,
            method=f"OLS of ln L_final on ln m, m in {[int(w) for w in widths]}, "
            f"weight decay {WEIGHT_DECAY[regime]:+g}",
            context=f"phi_1/2 ranges over {phi.min():.2f} to {phi.max():.2f} (m/n from "
            f"{widths.min() / n:.2f} to {widths.max() / n:.2f}).",
        )
    if regime == "strong":
        out[f"phi[strong, a={a:g}]"] = Measurement(
            value=float(phi.min()),
            uncertainty=0.0,
            method="share of rows of W with norm > 1/2 at the end",
        )
    return out


LIU_WIDTH = Experiment(
    "liu-width",
    "Width scaling in the weak and strong superposition regimes (Liu et al.)",
    ("liu",),
    SCALES_LIU,
    _plan,
    _claims,
    _analyse,
)
