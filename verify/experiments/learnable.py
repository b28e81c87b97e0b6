"""fig12: learnable against fixed embeddings (paper Appendix A.3).

The learnable model trains W_enc, W_dec (untied: K^2 + 2NK parameters), B and the bias;
the fixed runs are those of fig5 at a = 1.1, b = 0 (the same configurations, so the store
trains them once). Both exponents are measured by ``superdyn.verify.analyse.measure`` (alpha within the
same tolerance as fig5's). The loss gap is taken in the paper's own terms, across A.3's
mid-training window t in [1e3, 1e4]: the order of magnitude of Delta L = L_fixed -
L_learnable ("O(10^-3)") against that of the loss ("O(10^-2)"), each the log10 of the
geometric mean over the window's measured times of the seed-mean curves; superdyn reads
"O(10^k)" as within half a decade of 10^k. The sign: Delta L > 0 at every measured time of
the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from superdyn.theory.errors import InvalidInput
from superdyn.theory.paper_values import PAPER, QUOTES

from ..analyse.measure import FIXED_WINDOW
from ..analyse.registered import ClaimSpec, Measurement, NotMeasured
from ..present import plots
from .base import Analysis, Experiment, StoredRuns, exponent_measurement, seeds_at_width
from .setup import count, setting
from .superposition import ALPHA_TOLERANCE, SCALES_SUPERPOSITION, SuperpositionScale, superposition_configs

__all__ = ["FIG12", "LearnableScale"]

#: superdyn's reading of "O(10^k)": within half a decade.
ORDER_TOLERANCE = 0.5


@dataclass(frozen=True)
class LearnableScale:
    """Learnable and fixed embeddings at one scale; the fixed runs are fig5's at (1.1, 0), so the
    store trains them once. The learnable model costs about twice as much per step."""

    n: int = setting("N = {}", source=1024)
    point: tuple = setting("(a, b) = {}", show=lambda ab: f"({ab[0]:g}, {ab[1]:g})", source=(1.1, 0.0))
    widths: tuple = setting("K in {}", source=(128, 256, 512))
    seeds: tuple = setting("{} (fixed W)", show=count("seed"))
    learnable_seeds: tuple = setting("{} (learnable W)", show=count("seed"))
    batch: int = setting("batch {}")
    eval: int = setting("evaluation set {}")
    t_end: float = setting("t <= {}")

    @classmethod
    def sharing(cls, runs: SuperpositionScale, learnable_seeds: tuple) -> LearnableScale:
        return cls(
            n=runs.n,
            point=(1.1, 0.0),
            widths=runs.widths,
            seeds=runs.seeds,
            learnable_seeds=learnable_seeds,
            batch=runs.batch,
            eval=runs.eval,
            t_end=runs.t_end,
        )


SCALES_LEARNABLE = {
    scale: LearnableScale.sharing(SCALES_SUPERPOSITION[scale], seeds)
    for scale, seeds in (("tiny", (0, 1)), ("quick", (0, 1)), ("medium", (0, 1, 2)), ("paper", (0, 1, 2)))
}


def _plan(setup: LearnableScale):
    grid = (setup.point,)
    return {
        "fixed": superposition_configs(setup, widths=setup.widths, grid=grid, seeds=setup.seeds),
        "learnable": superposition_configs(
            setup, widths=setup.widths, grid=grid, model="learnable", seeds=setup.learnable_seeds
        ),
    }


def _has_alpha(k) -> bool:
    """Whether the paper states the learnable exponent at width k (Fig. 12a)."""
    return PAPER.get(f"fig12_alpha_k{k}") is not None


def _claims(plan) -> list:
    """Per width: the learnable exponent (where the paper gives one), the orders of the gap and
    of the loss; then the sign of the gap over every width."""
    specs = []
    for k in plan.setup.widths:
        if _has_alpha(k):
            quoted = PAPER[f"fig12_alpha_k{k}"]
            specs.append(
                ClaimSpec.quoting(
                    quoted,
                    experiment="fig12",
                    key=f"alpha[K={k}]",
                    statement=f"With learnable W the exponent stays ≈ 1 (K = {k})",
                    criterion=f"within {ALPHA_TOLERANCE} (fig5's tolerance) or 2 sigma of the paper's value",
                    tolerance=ALPHA_TOLERANCE,
                )
            )
        specs.append(
            _order_spec(
                "gap-order", k, PAPER["fig12_gap_order"], "The gain of learnable W, L_fixed - L_learnable,"
            )
        )
        specs.append(_order_spec("loss-order", k, PAPER["fig12_loss_order"], "The fixed-W loss"))
    specs.append(
        ClaimSpec(
            experiment="fig12",
            key="loss-gap-sign",
            statement="The learnable model reaches the lower loss throughout mid-training "
            "(smallest (L_fixed - L_learnable) / L_fixed over K and the window)",
            paper=None,
            paper_quote=QUOTES["fig12_sign"],
            criterion="superdyn's: the difference is positive at every measured time of "
            f"[{FIXED_WINDOW[0]:g}, {FIXED_WINDOW[1]:g}] for every K",
            threshold=0.0,
            tolerance=0.0,
            kind="at_least",
        )
    )
    return specs


def _order_spec(key, k, quoted, what) -> ClaimSpec:
    return ClaimSpec.quoting(
        quoted,
        experiment="fig12",
        key=f"{key}[K={k}]",
        statement=f"{what} is of order 10^{quoted.value:g} in mid-training (K = {k})",
        criterion=f"superdyn's reading of 'O(10^k)': log10 within {ORDER_TOLERANCE} of k",
        tolerance=ORDER_TOLERANCE,
    )


def _window_means(fixed_mean, learn_mean):
    """Seed-mean curves of both models on A.3's window: (t, L_fixed, L_learnable)."""
    t, lf, tl, ll = fixed_mean.t, fixed_mean.loss, learn_mean.t, learn_mean.loss
    common = np.intersect1d(t, tl)
    inside = common[(common >= FIXED_WINDOW[0]) & (common <= FIXED_WINDOW[1])]
    if inside.size == 0:
        raise InvalidInput(f"fig12: no measured time in the window {FIXED_WINDOW}")
    return inside, lf[np.searchsorted(t, inside)], ll[np.searchsorted(tl, inside)]


def _order(measured) -> Measurement:
    return Measurement(
        value=measured,
        uncertainty=0.0,
        method="log10 of the geometric mean over the measured times in "
        f"[{FIXED_WINDOW[0]:g}, {FIXED_WINDOW[1]:g}] of the seed-mean curves",
        undecided="" if np.isfinite(measured) else "the gap is not positive throughout the window.",
    )


def _analyse(results: StoredRuns, plan) -> Analysis:
    analysis = Analysis()
    fixed_curves, learn_curves, rows, signs = [], [], [], []
    for k in plan.setup.widths:
        fixed = results.completed(seeds_at_width(plan["fixed"], "superposition", k))
        learn = results.completed(seeds_at_width(plan["learnable"], "learnable", k))
        keys = [f"alpha[K={k}]"] * _has_alpha(k) + [f"gap-order[K={k}]", f"loss-order[K={k}]"]
        if not (fixed and learn):
            analysis.measurements.update(dict.fromkeys(keys, NotMeasured(f"K = {k} lacks completed runs")))
            continue
        m_fixed, m_learn = results.exponent(fixed), results.exponent(learn)
        if _has_alpha(k):
            analysis.measurements[f"alpha[K={k}]"] = exponent_measurement(
                m_learn,
                context=f"The fixed-W exponent of the same runs is {m_fixed.alpha:.3f} "
                f"± {m_fixed.uncertainty:.2g}.",
            )
        fixed_mean, learn_mean = results.loss_curve(fixed), results.loss_curve(learn)
        t, lf, ll = _window_means(fixed_mean, learn_mean)
        gap = lf - ll
        gap_order = float(np.log10(np.exp(np.mean(np.log(gap))))) if np.all(gap > 0) else float("nan")
        loss_order = float(np.log10(np.exp(np.mean(np.log(lf)))))
        analysis.measurements[f"gap-order[K={k}]"] = _order(gap_order)
        analysis.measurements[f"loss-order[K={k}]"] = _order(loss_order)
        signs.append((k, float(np.min(gap / lf)), float(t[np.argmin(gap / lf)])))
        rows.append(
            {
                "K": k,
                "alpha_fixed": m_fixed.alpha,
                "alpha_learnable": m_learn.alpha,
                "±": m_learn.uncertainty,
                "log10 gap": gap_order,
                "log10 loss": loss_order,
                "gap / loss (min, max)": (float(np.min(gap / lf)), float(np.max(gap / lf))),
            }
        )
        fixed_curves.append((fixed_mean, k))
        learn_curves.append((learn_mean, k))
    analysis.tables["fig12"] = rows
    if not signs:
        analysis.measurements["loss-gap-sign"] = NotMeasured("no width has completed runs of both models")
        return analysis
    analysis.measurements["loss-gap-sign"] = _sign(signs)
    analysis.figures["fig12"] = plots.curves_figure(
        learn_curves,
        fixed_curves,
        colour_label="K",
        window=FIXED_WINDOW,
        labels=("learnable W", "fixed W"),
        second="measured",
        title="Fig. 12: learnable against fixed W",
    )
    return analysis


def _sign(signs) -> Measurement:
    """The smallest relative gain (L_fixed - L_learnable) / L_fixed over the widths and the window."""
    k, worst, at = min(signs, key=lambda x: x[1])
    return Measurement(
        value=worst,
        uncertainty=0.0,
        method=f"seed-mean curves; the smallest relative gap is at K = {k}, t = {at:.3g}",
    )


FIG12 = Experiment(
    "fig12",
    "Learnable against fixed embeddings",
    ("fig12",),
    SCALES_LEARNABLE,
    _plan,
    _claims,
    _analyse,
)
