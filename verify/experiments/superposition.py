"""fig4, fig5 (and fig6): training exponents under superposition and the acceleration.

Paper Section 4.2: for K < N the student y = ReLU(W^T B W x + bias) with a fixed random
W (unit columns) shows a mid-training exponent alpha ≈ 1 "regardless of a, b or N/K"
(Fig. 5, sample curves Fig. 6), and at a = 1.1, b = 0 this is "over 10x" the
no-superposition exponent (Fig. 4). superdyn measures alpha with ``verify.measure`` and
compares the acceleration with the no-superposition exponent of the same N on the same
window (the like-for-like comparison) and with the N -> infinity law the paper quotes.
"""

from __future__ import annotations

import numpy as np

from numerics import exact_loss, fit_power_law
from theory import alpha_power_law
from theory.paper_values import PAPER

from .. import plots
from ..claims import Claim
from ..config import RunConfig
from .base import Analysis, Experiment, Results, stable_lr, steps_for

__all__ = ["FIG4", "FIG5", "SCALES_SUPERPOSITION", "superposition_configs"]

SCALES_SUPERPOSITION = {
    "tiny": dict(
        n=64,
        widths=(16, 32),
        grid=((1.1, 0.0), (2.0, 0.0)),
        batch=32,
        t_end=1e3,
        seeds=(0, 1),
        window=(1e2, 1e3),
        eval=512,
    ),
    "quick": dict(
        n=1024,
        widths=(128, 256),
        grid=((1.1, 0.0), (1.5, 0.0), (1.1, 0.5)),
        batch=64,
        t_end=1e4,
        seeds=(0, 1),
        window=(1e3, 1e4),
        eval=4096,
    ),
    "paper": dict(
        n=1024,
        widths=(128, 256, 512),
        grid=tuple((a, b) for a in (0.5, 1.1, 1.5, 2.0) for b in (0.0, 0.25, 0.5)),
        batch=1024,
        t_end=1e5,
        seeds=(0, 1, 2),
        window=(1e3, 1e4),
        eval=8192,
    ),
}
#: lr * p_1 m2 for the ReLU models, and a ceiling: at lr = 3 (N = 1024, batch 128) a quarter
#: of the runs stalled with dead units (a flat loss from t ~ 1e3); lr <= 1 did not.
LR_FRACTION, LR_CEILING = 0.2, 1.0
ALPHA_TOLERANCE = 0.1  # "alpha ≈ 1", stated before measuring


def superposition_configs(scale, widths=None, grid=None, model="superposition", seeds=None, t_end=None,
                          **extra) -> list:  # fmt: skip
    """ReLU-model runs of ``scale``; extra seeds only for the first (a, b) of the grid."""
    s = SCALES_SUPERPOSITION[scale]
    t_end = t_end or s["t_end"]
    configs = []
    for k in widths or s["widths"]:
        for index, (a, b) in enumerate(grid or s["grid"]):
            base = RunConfig(
                model=model,
                n_features=s["n"],
                width=k,
                a=a,
                b=b,
                batch_size=s["batch"],
                eval_samples=s["eval"],
                **extra,
            )
            lr = stable_lr(base, LR_FRACTION, LR_CEILING)
            for seed in (seeds or s["seeds"]) if index == 0 else (0,):
                configs.append(base.replace(lr=lr, steps=steps_for(t_end, lr), seed=seed))
    return configs


def _plan5(scale):
    return superposition_configs(scale)


def _analyse5(results: Results, scale: str) -> Analysis:
    s = SCALES_SUPERPOSITION[scale]
    window = s["window"]
    analysis = Analysis()
    found = results.exponents(_plan5(scale), window)
    rows = [
        {
            "K": b.width,
            "a": b.a,
            "b": b.b,
            "lr": b.lr,
            "seeds": len(seeds),
            "alpha": m.alpha,
            "uncertainty": m.uncertainty,
            "seed_spread": m.seed_spread,
            "alpha_floor": m.floor_alpha,
            "auto_window": m.auto_window,
            "alpha_auto": m.auto_alpha,
            "alpha_no_superposition": alpha_power_law(b.a, b.b) if b.a + 2 * b.b > 1 else None,
        }
        for b, m, seeds in found
    ]
    analysis.tables["fig5 exponents"] = rows
    for k in s["widths"]:
        mine = [(b, m) for b, m, _ in found if b.width == k]
        if not mine:
            continue
        worst_base, worst = max(mine, key=lambda bm: abs(bm[1].alpha - 1.0))
        floors = [m.floor_alpha for _, m in mine if m.floor_alpha is not None]
        worst_floor = max(floors, key=lambda x: abs(x - 1.0)) if len(floors) == len(mine) else None
        spread = f"{min(m.alpha for _, m in mine):.3f} to {max(m.alpha for _, m in mine):.3f}"
        analysis.claims.append(
            Claim(
                "fig5",
                f"alpha[K={k}]",
                f"Under superposition alpha ≈ 1 for every a, b (K = {k}; the value farthest from 1)",
                1.0,
                "Section 4.2, Fig. 5",
                worst.alpha,
                worst.uncertainty,
                worst.method + f"; worst of {len(mine)} (a, b)",
                ALPHA_TOLERANCE,
                condition="the floor-subtracted fit L = c t^-alpha + L0 is used",
                condition_value=worst_floor,
                context=f"Across (a, b) the exponents range from {spread}; the farthest is at "
                f"a={worst_base.a:g}, b={worst_base.b:g}.",
            )
        )
    if found:
        panels = []
        for xname, fixed in (("a", ("b", 0.0)), ("b", ("a", 1.1))):
            series = []
            for k in s["widths"]:
                pts = sorted(
                    (getattr(b, xname), m.alpha, m.uncertainty)
                    for b, m, _ in found
                    if b.width == k and getattr(b, fixed[0]) == fixed[1]
                )
                if pts:
                    series.append((f"K={k}", *map(list, zip(*pts, strict=True))))
            if series:
                xs = [x for _, xs_, _, _ in series for x in xs_]
                theory = [("alpha = 1", [min(xs), max(xs)], [1.0, 1.0])]
                panels.append(
                    {"xlabel": f"{xname} ({fixed[0]} = {fixed[1]:g})", "series": series, "theory": theory}
                )
        if panels:
            analysis.figures["fig5"] = plots.exponents_figure(panels, title="Fig. 5")
        k_max = max(b.width for b, _, _ in found)
        curves, fits = [], []
        for b, _, seeds in found:
            if b.width == k_max:
                t, loss = results.curve(seeds[0])
                curves.append((t, loss, b.a + 2 * b.b))
                ts = np.logspace(np.log10(window[0]), np.log10(window[1]), 10)
                fit = fit_power_law(t[t > 0], loss[t > 0], window)
                fits.append((ts, fit.predict(ts)))
        analysis.figures["fig6"] = plots.curves_figure(
            curves,
            colour_label="a + 2b",
            fits=fits,
            window=window,
            title=f"Fig. 6: K = {k_max}, fits on [{window[0]:g}, {window[1]:g}]",
        )
    return analysis


def _plan4(scale):
    s = SCALES_SUPERPOSITION[scale]
    return superposition_configs(scale, grid=(s["grid"][0],))


def _analyse4(results: Results, scale: str) -> Analysis:
    s = SCALES_SUPERPOSITION[scale]
    window = s["window"]
    analysis = Analysis()
    found = results.exponents(_plan4(scale), window)
    if not found:
        return analysis
    base, m, seeds = max(found, key=lambda x: x[0].width)
    t, loss = results.curve(seeds[0])
    t, loss = t[t > 0], loss[t > 0]
    exact = exact_loss(base.task, t).loss
    alpha_n = fit_power_law(t, exact, window).alpha
    alpha_inf = alpha_power_law(base.a, base.b)
    ratio, ratio_inf = m.alpha / alpha_n, m.alpha / alpha_inf
    quoted = PAPER["acceleration"]
    analysis.claims.append(
        Claim(
            "fig4",
            "acceleration",
            f"Superposition accelerates the mid-training exponent over tenfold "
            f"(a = {base.a:g}, b = {base.b:g}, K = {base.width})",
            quoted.value,
            f"{quoted.source}, Section 4.2",
            ratio,
            ratio * m.uncertainty / m.alpha,
            "alpha_superposition / alpha_no-superposition, both fitted on "
            f"t in [{window[0]:g}, {window[1]:g}] "
            f"at N = {base.n_features}",
            0.0,
            theory=ratio_inf,
            kind="at_least",
            condition=f"the no-superposition exponent is the N -> infinity law {alpha_inf:.4f} (Eq. 8)",
            condition_value=ratio_inf,
            condition_uncertainty=ratio_inf * m.uncertainty / m.alpha,
            context=f"At N = {base.n_features} the no-superposition curve itself has exponent {alpha_n:.3f} "
            "on this "
            f"window (finite-N cutoff), so the like-for-like speed-up is {ratio:.2f}x.",
        )
    )
    end = t <= window[1]
    gap = float(exact[end][-1] / loss[end][-1])
    analysis.claims.append(
        Claim(
            "fig4",
            "below-theory",
            "Mid-training, the superposition loss dips below the no-superposition theory "
            f"(ratio L_theory / L_superposition at t = {t[end][-1]:.3g})",
            1.0,
            "Fig. 4",
            gap,
            0.0,
            "exact no-superposition sum over one seed's measured loss",
            0.0,
            kind="at_least",
        )
    )
    curves = [(*results.curve(sd[0]), b.width) for b, _, sd in found]
    analysis.figures["fig4"] = plots.curves_figure(
        curves,
        [(t, exact, base.n_features)],
        colour_label="K",
        window=window,
        title=f"Fig. 4: superposition vs theory without it (N = {base.n_features})",
    )
    return analysis


FIG5 = Experiment(
    "fig5",
    "Superposition: alpha against a, b and K (with Fig. 6)",
    ("fig5", "fig6"),
    _plan5,
    _analyse5,
    {
        "tiny": "N = 64, K in {16, 32}, two a, t <= 1e3, window [1e2, 1e3]",
        "quick": "K in {128, 256}, (a, b) in {(1.1, 0), (1.5, 0), (1.1, 0.5)}, two seeds for (1.1, 0) and "
        "one otherwise, batch 64, evaluation set 4096",
        "paper": "K in {128, 256, 512}, a in {0.5, 1.1, 1.5, 2}, b in {0, 0.25, 0.5}, batch 1024, "
        "three seeds",
    },
)
FIG4 = Experiment(
    "fig4",
    "Mid-training acceleration by superposition",
    ("fig4",),
    _plan4,
    _analyse4,
    {
        "tiny": FIG5.scaled_down["tiny"],
        "quick": "K = 256 instead of 512 (the largest quick width)",
        "paper": "K = 512 as in the paper (and 128, 256)",
    },
)
