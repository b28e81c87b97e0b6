"""liu-width: width scaling of Liu et al.'s autoencoder in the weak and strong regimes.

y = ReLU(W W^T x + bias), W (n x m), AdamW with warm-up and cosine decay, values
U(0, 2). Decoupled weight decay gamma > 0 suppresses superposition (weak regime: about
m of the n features represented, phi_1/2 ≈ m/n), gamma < 0 pushes every row norm up
(strong regime, phi_1/2 ≈ 1). Liu et al. find L ∝ m^-1 in the strong regime whatever the
data exponent, and an exponent that depends on it in the weak regime (a - 1 for a = 2).

Method: the final loss is the mean of the last three measurements on the evaluation
set; the model exponent is minus the OLS slope of ln L on ln m, with its standard error.
phi_1/2 is the share of rows with norm > 1/2 at the end.
"""

from __future__ import annotations

import numpy as np

from theory.paper_values import PAPER

from .. import plots
from ..claims import Claim
from ..config import RunConfig
from .base import Analysis, Experiment, Results, ols

__all__ = ["LIU_WIDTH", "SCALES_LIU"]

SCALES_LIU = {
    "tiny": dict(n=32, widths=(4, 8, 16), exponents=(1.0,), steps=200, batch=64, eval=512),
    "quick": dict(n=256, widths=(8, 16, 32, 64), exponents=(1.0, 2.0), steps=2000, batch=256, eval=4096),
    "paper": dict(
        n=1000, widths=(10, 20, 40, 70, 100), exponents=(0.5, 1.0, 2.0), steps=20000, batch=2048, eval=8192
    ),
}
WEIGHT_DECAY = {"weak": 0.1, "strong": -0.1}
LR, INIT_SCALE, VALUE_MAX = 0.02, 0.1, 2.0
EXPONENT_TOLERANCE, PHI_TOLERANCE = 0.2, 0.2


def _plan(scale):
    s = SCALES_LIU[scale]
    return [
        RunConfig(
            model="autoencoder",
            n_features=s["n"],
            width=m,
            a=a,
            b=0.0,
            lr=LR,
            batch_size=s["batch"],
            steps=s["steps"],
            optimizer="adamw",
            weight_decay=WEIGHT_DECAY[regime],
            warmup_steps=s["steps"] // 20,
            init_scale=INIT_SCALE,
            value_max=VALUE_MAX,
            eval_samples=s["eval"],
        )
        for regime in WEIGHT_DECAY
        for a in s["exponents"]
        for m in s["widths"]
    ]


def _regime(config):
    return "strong" if config.weight_decay < 0 else "weak"


def _analyse(results: Results, scale: str) -> Analysis:
    s = SCALES_LIU[scale]
    analysis = Analysis()
    rows, groups = [], []
    for regime in WEIGHT_DECAY:
        for a in s["exponents"]:
            mine = [c for c in results.completed(_plan(scale)) if _regime(c) == regime and c.a == a]
            if len(mine) < 2:
                continue
            frames = [results.frame(c) for c in mine]
            final = np.array([f["loss"].to_numpy()[-3:].mean() for f in frames])
            phi = np.array([f["phi_half"].to_numpy()[-1] for f in frames])
            widths = np.array([c.width for c in mine], float)
            slope, _, stderr = ols(np.log(widths), np.log(final))
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
            key = {("strong", 2.0): "liu_strong_exponent_a2", ("weak", 2.0): "liu_weak_exponent_a2"}.get(
                (regime, a), "liu_strong_exponent" if regime == "strong" and a <= 1 else None
            )
            if key is not None:
                quoted = PAPER[key]
                analysis.claims.append(
                    Claim(
                        "liu-width",
                        f"exponent[{regime}, a={a:g}]",
                        f"{quoted.what} (here a = {a:g})",
                        quoted.value,
                        quoted.source,
                        exponent,
                        stderr,
                        f"OLS of ln L_final on ln m, m in {[int(w) for w in widths]}, "
                        f"weight decay {WEIGHT_DECAY[regime]:+g}",
                        EXPONENT_TOLERANCE,
                        context=f"phi_1/2 ranges over {phi.min():.2f} to {phi.max():.2f} (m/n from "
                        f"{widths.min() / s['n']:.2f} to {widths.max() / s['n']:.2f}).",
                    )
                )
            if regime == "strong":
                analysis.claims.append(
                    Claim(
                        "liu-width",
                        f"phi[strong, a={a:g}]",
                        f"Negative weight decay represents nearly every "
                        f"feature, phi_1/2 ≈ 1 (a = {a:g}; smallest over m)",
                        1.0,
                        "Liu et al. 2025 (summary)",
                        float(phi.min()),
                        0.0,
                        "share of rows of W with norm > 1/2 at the end",
                        PHI_TOLERANCE,
                    )
                )
    analysis.tables["liu-width"] = rows
    if groups:
        analysis.figures["liu-width"] = plots.scaling_figure(
            None,
            None,
            groups=groups,
            xlabel="model width m",
            ylabel="final loss",
            title=f"Liu et al.: loss against width (n = {s['n']})",
        )
    return analysis


LIU_WIDTH = Experiment(
    "liu-width",
    "Width scaling in the weak and strong superposition regimes (Liu et al.)",
    ("liu",),
    _plan,
    _analyse,
    {
        "tiny": "n = 32, m in {4, 8, 16}, a = 1, 200 steps",
        "quick": "n = 256 (Liu: 1000), m in {8, ..., 64}, a in {1, 2}, 2000 steps, batch 256",
        "paper": "n = 1000, m in {10, ..., 100}, a in {0.5, 1, 2}, 20000 steps, batch 2048",
    },
)
